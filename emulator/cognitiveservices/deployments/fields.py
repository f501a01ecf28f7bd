"""Typed fields of the deployment body (accounts/deployments, REST spec 2025-06-01).

Every writable integer, boolean and enum field, read as Azure's deserializer reads it (see
``emulator.arm.deserialize``): ``"capacity": "1"`` (what the Azure CLI sends) is capacity 1.
"""

from __future__ import annotations

from emulator.arm.deserialize import TypedField
from emulator.cognitiveservices.accounts.fields import SKU_TIERS

UPGRADE_OPTIONS = ("OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired", "NoAutoUpgrade")

_P = "properties"
DEPLOYMENT_FIELDS: tuple[TypedField, ...] = (
    TypedField("sku.capacity", "int32"),
    TypedField("sku.tier", "enum", SKU_TIERS),
    TypedField(f"{_P}.versionUpgradeOption", "enum", UPGRADE_OPTIONS),
    TypedField(f"{_P}.currentCapacity", "int32"),
    TypedField(f"{_P}.scaleSettings.capacity", "int32"),
    TypedField(f"{_P}.scaleSettings.scaleType", "enum", ("Standard", "Manual")),
    TypedField(f"{_P}.capacitySettings.designatedCapacity", "int32", minimum=0),
    TypedField(f"{_P}.capacitySettings.priority", "int32", minimum=0),
)
