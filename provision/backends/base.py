"""The one seam to the cloud: a ``Backend`` has one method per ARM operation we use.

Implementations: ``arm.ArmBackend`` (real Azure or the emulator: reads over ARM REST, writes
through the official SDKs) and ``fake.FakeBackend`` (in memory, for unit tests of facts and
apply). Methods return our frozen
model objects, never SDK objects, and raise only ``provision.errors`` exceptions
(``NotFoundError`` is returned as ``None`` by the ``get_*`` methods).
Long-running writes block until the operation has finished.
"""

from __future__ import annotations

from typing import Protocol

from provision.model import (
    AccountSpec,
    AccountState,
    CatalogModel,
    DeletedAccountState,
    DeploymentSpec,
    DeploymentState,
    DomainAvailability,
    Principal,
    ResourceGroupState,
    ResourceSku,
    RoleAssignmentState,
    Usage,
)


class Backend(Protocol):
    """ARM operations used by facts, pre-flight and apply (all scoped to one subscription)."""

    @property
    def subscription_id(self) -> str: ...

    # identity ------------------------------------------------------------------------------
    def signed_in_principal(self) -> Principal:
        """Object id and type of the identity the backend acts as."""

    def named_principal(self, name: str) -> Principal:
        """A principal known by name to the target (emulator only); raises ConfigError."""

    def role_definition_guid(self, scope: str, role_name: str) -> str:
        """GUID of the role definition named ``role_name`` visible at ``scope``."""

    # resource groups -----------------------------------------------------------------------
    def get_resource_group(self, name: str) -> ResourceGroupState | None: ...

    def put_resource_group(
        self, name: str, location: str, tags: dict[str, str]
    ) -> ResourceGroupState: ...

    def delete_resource_group(self, name: str) -> None: ...

    def list_resource_ids(self, resource_group: str) -> list[str]:
        """Ids of every resource in the group (used before deleting it)."""

    # accounts ------------------------------------------------------------------------------
    def get_account(self, resource_group: str, name: str) -> AccountState | None: ...

    def put_account(
        self, resource_group: str, spec: AccountSpec, *, restore: bool = False
    ) -> AccountState:
        """Create or update; returns once the operation finished (the state may still be
        ``Accepted`` when the service answers without a real LRO: callers wait for it)."""

    def delete_account(self, resource_group: str, name: str) -> None:
        """Soft delete."""

    def get_deleted_account(
        self, location: str, resource_group: str, name: str
    ) -> DeletedAccountState | None: ...

    def purge_deleted_account(self, location: str, resource_group: str, name: str) -> None: ...

    def list_keys(self, resource_group: str, name: str) -> tuple[str, str]:
        """(key1, key2). Never log the result."""

    def check_domain_availability(self, subdomain: str, kind: str) -> DomainAvailability: ...

    # deployments ---------------------------------------------------------------------------
    def list_deployments(self, resource_group: str, account: str) -> list[DeploymentState]: ...

    def put_deployment(
        self, resource_group: str, account: str, spec: DeploymentSpec
    ) -> DeploymentState: ...

    def delete_deployment(self, resource_group: str, account: str, name: str) -> None: ...

    # discovery -----------------------------------------------------------------------------
    def list_usages(self, location: str) -> list[Usage]: ...

    def list_models(self, location: str) -> list[CatalogModel]: ...

    def list_resource_skus(self) -> list[ResourceSku]:
        """The subscription's ``Microsoft.CognitiveServices/skus`` (account SKUs per kind)."""

    def list_rai_policies(self, resource_group: str, account: str) -> list[str]:
        """Names of the RAI (content filter) policies of an account; [] when it has none."""

    # role assignments ----------------------------------------------------------------------
    def list_role_assignments(self, scope: str) -> list[RoleAssignmentState]:
        """Assignments whose scope is exactly ``scope`` (inherited ones are filtered out)."""

    def put_role_assignment(
        self,
        scope: str,
        name: str,
        *,
        role_definition_guid: str,
        principal_id: str,
        principal_type: str,
        description: str,
    ) -> RoleAssignmentState: ...

    def delete_role_assignment(self, scope: str, name: str) -> None: ...
