"""Frozen value objects for desired and actual state; nothing here does I/O.

Desired state comes from an environment file (``config``) after principal and role names are
resolved (``resolve``); actual state comes from the cloud (``facts``). Both use the same
vocabulary so that ``plan.diff`` can compare them field by field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

MANAGED_BY_TAG = "managed-by"
MANAGED_BY_VALUE = "provision"
ENVIRONMENT_TAG = "environment"
# "readiness not proven yet" (provision.marker); defined here so config can reserve it.
MARKER_TAG = "realtime-toolkit-readiness"
ROLE_ASSIGNMENT_MARKER = "managed-by=provision environment="

# Namespace for deterministic role assignment names (uuid5 of scope|principal|role).
ASSIGNMENT_NAMESPACE = uuid.UUID("6f1c5a7e-3b0d-5c2e-9a41-7d8e2f4b6c10")

SoftDeletePolicy = Literal["purge", "restore", "fail"]
Target = Literal["azure", "emulator"]


def ownership_tags(environment: str) -> dict[str, str]:
    """Tags that mark a resource as owned by ``environment``."""
    return {MANAGED_BY_TAG: MANAGED_BY_VALUE, ENVIRONMENT_TAG: environment}


def is_owned(tags: dict[str, str] | None, environment: str) -> bool:
    """True when ``tags`` carry this environment's ownership tags."""
    tags = tags or {}
    return tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE and tags.get(ENVIRONMENT_TAG) == environment


def owner_of(tags: dict[str, str] | None) -> str | None:
    """The environment owning a resource, or None when no provision tags are present."""
    tags = tags or {}
    if tags.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE:
        return None
    return tags.get(ENVIRONMENT_TAG)


def account_id(subscription_id: str, resource_group: str, account: str) -> str:
    """ARM id of a Cognitive Services account (used as the role assignment scope)."""
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.CognitiveServices/accounts/{account}"
    )


def assignment_name(scope: str, principal_id: str, role_definition_guid: str) -> str:
    """Deterministic role assignment name: uuid5 over (scope, principal, role), lower-cased."""
    key = f"{scope.lower()}|{principal_id.lower()}|{role_definition_guid.lower()}"
    return str(uuid.uuid5(ASSIGNMENT_NAMESPACE, key))


def role_guid(role_definition_id: str) -> str:
    """The trailing GUID of a role definition id (ARM may prefix it with a subscription)."""
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


# --------------------------------------------------------------------------- desired


@dataclass(frozen=True)
class ResourceGroupSpec:
    """A resource group this environment needs."""

    name: str
    location: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountSpec:
    """A Cognitive Services account (kind OpenAI or AIServices)."""

    name: str
    location: str
    kind: str
    sku: str
    custom_subdomain: str
    public_network_access: str
    disable_local_auth: bool
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploymentSpec:
    """A model deployment inside the account."""

    name: str
    model: str
    version: str
    sku: str
    capacity: int
    version_upgrade_option: str
    rai_policy: str | None = None
    model_format: str = "OpenAI"
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoleAssignmentSpec:
    """A role granted to a principal at the account scope (names already resolved)."""

    principal: str  # as written in the environment file: GUID, "self", "emulator:<name>"
    principal_id: str
    principal_type: str
    role_name: str
    role_definition_guid: str
    scope: str
    name: str  # deterministic uuid5


@dataclass(frozen=True)
class DesiredState:
    """Everything one environment declares, resolved and with defaults applied."""

    environment: str
    target: Target
    subscription_id: str
    resource_group: ResourceGroupSpec
    account: AccountSpec
    deployments: tuple[DeploymentSpec, ...] = ()
    role_assignments: tuple[RoleAssignmentSpec, ...] = ()
    soft_delete: SoftDeletePolicy = "fail"
    protected: bool = False

    @property
    def account_id(self) -> str:
        return account_id(self.subscription_id, self.resource_group.name, self.account.name)


# --------------------------------------------------------------------------- actual


@dataclass(frozen=True)
class ResourceGroupState:
    name: str
    location: str
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"


@dataclass(frozen=True)
class AccountState:
    name: str
    location: str
    kind: str
    sku: str
    custom_subdomain: str | None
    public_network_access: str | None
    disable_local_auth: bool | None
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"
    endpoint: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)
    id: str = ""


@dataclass(frozen=True)
class DeletedAccountState:
    """A soft-deleted account that blocks re-creation of the same name for 48 h."""

    name: str
    location: str
    resource_group: str
    custom_subdomain: str | None = None
    deletion_date: str | None = None
    scheduled_purge_date: str | None = None


@dataclass(frozen=True)
class DeploymentState:
    name: str
    model: str
    version: str
    sku: str
    capacity: int
    version_upgrade_option: str | None = None
    rai_policy: str | None = None
    model_format: str = "OpenAI"
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"


@dataclass(frozen=True)
class RoleAssignmentState:
    name: str
    scope: str
    principal_id: str
    principal_type: str | None
    role_definition_guid: str
    description: str | None = None

    def owned_by(self, environment: str) -> bool:
        return (self.description or "") == f"{ROLE_ASSIGNMENT_MARKER}{environment}"


@dataclass(frozen=True)
class ActualState:
    """What exists in the cloud for one environment (absent resources are None/empty)."""

    resource_group: ResourceGroupState | None = None
    account: AccountState | None = None
    deployments: tuple[DeploymentState, ...] = ()
    role_assignments: tuple[RoleAssignmentState, ...] = ()
    deleted_account: DeletedAccountState | None = None
    # Other resource ids in the group; gathered only when deciding whether a group may be deleted.
    group_resource_ids: tuple[str, ...] | None = None


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Usage:
    """One quota counter of a region (e.g. ``OpenAI.GlobalStandard.gpt-realtime``)."""

    name: str
    current: float
    limit: float


@dataclass(frozen=True)
class CatalogSku:
    name: str
    usage_name: str | None = None
    max_capacity: int | None = None
    deprecation_date: str | None = None


@dataclass(frozen=True)
class CatalogModel:
    """One catalog entry: a model version deployable on accounts of ``kind`` in a region."""

    kind: str
    name: str
    version: str
    skus: tuple[CatalogSku, ...] = ()
    lifecycle_status: str | None = None
    deprecation_inference: str | None = None  # the retirement date of inference
    is_default_version: bool = False
    realtime: bool = False  # capabilities["realtime"] == "true"
    deprecation_status: str | None = None
    replacement_name: str | None = None
    replacement_version: str | None = None


@dataclass(frozen=True)
class ResourceSku:
    """One entry of ``Microsoft.CognitiveServices/skus``: an account SKU offered for a kind.

    ``restricted`` lists locations where the subscription may not use it.
    """

    resource_type: str
    name: str
    kind: str
    locations: tuple[str, ...] = ()
    restricted: tuple[str, ...] = ()

    def offered_in(self, location: str) -> bool:
        here = location.lower()
        return here in (loc.lower() for loc in self.locations) and here not in (
            loc.lower() for loc in self.restricted
        )


@dataclass(frozen=True)
class DomainAvailability:
    subdomain: str
    available: bool
    reason: str | None = None


@dataclass(frozen=True)
class Principal:
    """The signed-in identity."""

    object_id: str
    principal_type: str  # "User" | "ServicePrincipal"
