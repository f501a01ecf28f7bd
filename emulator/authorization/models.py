"""Typed role-assignment models: the validated request and the stored assignment.

``RoleAssignmentRequest.from_body`` reads the ``properties`` of a PUT body (after the typed
field coercion of ``fields.py``) the way Azure validates it; ``RoleAssignment`` is what is stored
and answered, built by ``rules.create_or_update``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.authorization import rbac
from emulator.authorization.fields import PRINCIPAL_TYPES
from emulator.errors import ServiceError, bad_request

TYPE = "Microsoft.Authorization/roleAssignments"
_OPTIONAL_STRINGS = (
    "principalType",
    "description",
    "condition",
    "conditionVersion",
    "delegatedManagedIdentityResourceId",
    "scope",
)


@dataclass(frozen=True)
class RoleAssignmentRequest:
    """The ``properties`` of a role-assignment PUT, validated."""

    role_definition_id: str
    principal_id: str  # lower case
    principal_type: str | None = None
    description: str | None = None
    condition: str | None = None
    condition_version: str | None = None
    delegated_managed_identity_resource_id: str | None = None

    @classmethod
    def from_body(cls, body: dict[str, Any], scope: str) -> RoleAssignmentRequest:
        """Validate a PUT body for ``scope``; raises Azure's 400s."""
        props = _properties(body)
        if not rbac.GUID.fullmatch(props["principalId"]):
            raise bad_request(
                "InvalidPrincipalId", "A valid principal ID must be provided for role assignment."
            )
        if props.get("scope") and rbac.canonical_scope(props["scope"]).lower() != scope.lower():
            raise bad_request(
                "InvalidCreateRoleAssignmentRequest",
                f"The request to create role assignment is not valid. Role assignment scope "
                f"'{props['scope']}' must match the scope specified on the URI '{scope}'.",
            )
        return cls(
            role_definition_id=props["roleDefinitionId"],
            principal_id=props["principalId"].lower(),
            principal_type=_principal_type(props.get("principalType")),
            description=props.get("description"),
            condition=props.get("condition"),
            condition_version=props.get("conditionVersion"),
            delegated_managed_identity_resource_id=props.get("delegatedManagedIdentityResourceId"),
        )


@dataclass(frozen=True)
class RoleAssignment:
    """A stored role assignment."""

    id: str
    name: str
    scope: str
    role_definition_id: str
    principal_id: str
    principal_type: str
    created_on: str
    updated_on: str
    created_by: str | None
    updated_by: str | None
    description: str | None = None
    condition: str | None = None
    condition_version: str | None = None
    delegated_managed_identity_resource_id: str | None = None

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> RoleAssignment:
        """Back from the stored shape."""
        props = doc["properties"]
        return cls(
            id=doc["id"],
            name=doc["name"],
            scope=props["scope"],
            role_definition_id=props["roleDefinitionId"],
            principal_id=props["principalId"],
            principal_type=props["principalType"],
            created_on=props["createdOn"],
            updated_on=props["updatedOn"],
            created_by=props.get("createdBy"),
            updated_by=props.get("updatedBy"),
            description=props.get("description"),
            condition=props.get("condition"),
            condition_version=props.get("conditionVersion"),
            delegated_managed_identity_resource_id=props.get("delegatedManagedIdentityResourceId"),
        )

    def to_json(self) -> dict[str, Any]:
        """ARM's wire (and stored) shape."""
        return {
            "id": self.id,
            "name": self.name,
            "type": TYPE,
            "properties": {
                "roleDefinitionId": self.role_definition_id,
                "principalId": self.principal_id,
                "principalType": self.principal_type,
                "scope": self.scope,
                "condition": self.condition,
                "conditionVersion": self.condition_version,
                "createdOn": self.created_on,
                "updatedOn": self.updated_on,
                "createdBy": self.created_by,
                "updatedBy": self.updated_by,
                "delegatedManagedIdentityResourceId": self.delegated_managed_identity_resource_id,
                "description": self.description,
            },
        }


def _properties(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties")
    if not isinstance(props, dict):
        if props is None:
            raise missing("properties")
        raise wrong_type("properties", "an object")
    for required in ("roleDefinitionId", "principalId"):
        if props.get(required) is None:
            raise missing(f"properties.{required}")
    for name in ("roleDefinitionId", "principalId", *_OPTIONAL_STRINGS):
        if props.get(name) is not None and not isinstance(props[name], str):
            raise wrong_type(f"properties.{name}", "a string")
    return props


def _principal_type(kind: str | None) -> str | None:
    if kind is None:
        return None
    canonical = next((t for t in PRINCIPAL_TYPES if t.lower() == kind.lower()), None)
    if canonical is None:
        raise bad_request(
            "InvalidRequestContent",
            f"The request content was invalid and could not be deserialized: 'Requested "
            f"value '{kind}' was not found. Valid principal types: {', '.join(PRINCIPAL_TYPES)}.'",
        )
    return canonical


def missing(field: str) -> ServiceError:
    """400 ``MissingRequiredProperty``."""
    return bad_request(
        "MissingRequiredProperty", f"The required property '{field}' is missing.", target=field
    )


def wrong_type(field: str, expected: str) -> ServiceError:
    """400 ``InvalidRequestContent`` for a value of the wrong JSON type."""
    return bad_request(
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: "
        f"'{field}' must be {expected}.",
        target=field,
    )
