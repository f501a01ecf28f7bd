"""Typed fields of the account body (Microsoft.CognitiveServices/accounts, REST spec 2025-06-01).

Every writable integer, boolean and enum field, read as Azure's deserializer reads it (see
``emulator.arm.deserialize``). String fields are checked where they are used.
"""

from __future__ import annotations

from emulator.arm.deserialize import TypedField

SKU_TIERS = ("Free", "Basic", "Standard", "Premium", "Enterprise")
IDENTITY_TYPES = ("None", "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned")

_P = "properties"
ACCOUNT_FIELDS: tuple[TypedField, ...] = (
    TypedField("sku.capacity", "int32"),
    TypedField("sku.tier", "enum", SKU_TIERS),
    TypedField("identity.type", "enum", IDENTITY_TYPES),
    TypedField(f"{_P}.publicNetworkAccess", "enum", ("Enabled", "Disabled")),
    TypedField(f"{_P}.disableLocalAuth", "bool"),
    TypedField(f"{_P}.dynamicThrottlingEnabled", "bool"),
    TypedField(f"{_P}.restrictOutboundNetworkAccess", "bool"),
    TypedField(f"{_P}.restore", "bool"),
    TypedField(f"{_P}.allowProjectManagement", "bool"),
    TypedField(f"{_P}.apiProperties.statisticsEnabled", "bool"),
    TypedField(f"{_P}.networkAcls.defaultAction", "enum", ("Allow", "Deny")),
    TypedField(f"{_P}.networkAcls.bypass", "enum", ("AzureServices", "None")),
    TypedField(f"{_P}.networkAcls.virtualNetworkRules[].ignoreMissingVnetServiceEndpoint", "bool"),
    TypedField(
        f"{_P}.encryption.keySource", "enum", ("Microsoft.CognitiveServices", "Microsoft.KeyVault")
    ),
    TypedField(f"{_P}.locations.routingMethod", "enum", ("Priority", "Weighted", "Performance")),
    TypedField(f"{_P}.locations.regions[].value", "int32"),
    TypedField(f"{_P}.networkInjections[].scenario", "enum", ("agent", "none")),
    TypedField(f"{_P}.networkInjections[].useMicrosoftManagedNetwork", "bool"),
)
