"""Typed fields of the role-assignment body (Microsoft.Authorization 2022-04-01).

The body has no integer or boolean fields; ``principalType`` is its one enum.
"""

from __future__ import annotations

from emulator.arm.deserialize import TypedField

PRINCIPAL_TYPES = ("User", "Group", "ServicePrincipal", "ForeignGroup", "Device")

ROLE_ASSIGNMENT_FIELDS: tuple[TypedField, ...] = (
    TypedField("properties.principalType", "enum", PRINCIPAL_TYPES),
)
