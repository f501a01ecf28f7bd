"""An in-memory ``Backend`` for unit tests: records calls and injects ARM failures.

``fail_next("put_deployment", ConflictError(...), times=2)`` makes the next two calls of that
method raise before doing anything, which is how tests exercise apply's retries.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import replace
from typing import Any

from provision.errors import ConfigError, NotFoundError
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
    account_id,
)
from provision.resolve import BUILTIN_ROLES


class FakeBackend:
    """A deterministic in-memory cloud for one subscription."""

    def __init__(
        self,
        subscription_id: str = "0000aaaa-0000-0000-0000-000000000001",
        me: Principal | None = None,
        principals: dict[str, Principal] | None = None,
    ) -> None:
        self.subscription_id = subscription_id
        self.me = me or Principal("11111111-1111-1111-1111-111111111111", "ServicePrincipal")
        self.principals = principals or {}
        self.groups: dict[str, ResourceGroupState] = {}
        self.accounts: dict[tuple[str, str], AccountState] = {}
        self.deleted: dict[tuple[str, str], DeletedAccountState] = {}
        self.deployments: dict[tuple[str, str], dict[str, DeploymentState]] = defaultdict(dict)
        self.assignments: dict[str, RoleAssignmentState] = {}
        self.foreign_ids: dict[str, list[str]] = defaultdict(list)
        self.usages: dict[str, list[Usage]] = {}
        self.models: dict[str, list[CatalogModel]] = {}
        self.resource_skus: list[ResourceSku] | None = None  # None: every SKU offered everywhere
        self.rai_policies: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.taken_subdomains: set[str] = set()
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self._faults: dict[str, deque[BaseException]] = defaultdict(deque)
        self._lock = threading.Lock()

    # -- test hooks --------------------------------------------------------------------------
    def fail_next(self, method: str, error: BaseException, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` raise ``error``."""
        self._faults[method].extend([error] * times)

    def count(self, method: str | None = None) -> int:
        """Calls made (of one method, or in total)."""
        return sum(1 for name, _ in self.calls if method is None or name == method)

    def _call(self, method: str, *args: Any) -> None:
        with self._lock:
            self.calls.append((method, args))
            if self._faults[method]:
                raise self._faults[method].popleft()

    # -- identity ----------------------------------------------------------------------------
    def signed_in_principal(self) -> Principal:
        return self.me

    def named_principal(self, name: str) -> Principal:
        if name not in self.principals:
            raise ConfigError("<emulator>", [("role_assignments", f"no principal {name!r}")])
        return self.principals[name]

    def role_definition_guid(self, scope: str, role_name: str) -> str:
        self._call("role_definition_guid", scope, role_name)
        return BUILTIN_ROLES[role_name.lower()]

    # -- resource groups ---------------------------------------------------------------------
    def get_resource_group(self, name: str) -> ResourceGroupState | None:
        self._call("get_resource_group", name)
        return self.groups.get(name.lower())

    def put_resource_group(
        self, name: str, location: str, tags: dict[str, str]
    ) -> ResourceGroupState:
        self._call("put_resource_group", name)
        state = ResourceGroupState(name, location, dict(tags))
        self.groups[name.lower()] = state
        return state

    def delete_resource_group(self, name: str) -> None:
        self._call("delete_resource_group", name)
        self.groups.pop(name.lower(), None)

    def list_resource_ids(self, resource_group: str) -> list[str]:
        self._call("list_resource_ids", resource_group)
        ours = [
            account_id(self.subscription_id, rg, a.name)
            for (rg, _), a in self.accounts.items()
            if rg == resource_group.lower()
        ]
        return ours + self.foreign_ids[resource_group.lower()]

    # -- accounts ----------------------------------------------------------------------------
    def get_account(self, resource_group: str, name: str) -> AccountState | None:
        self._call("get_account", resource_group, name)
        return self.accounts.get((resource_group.lower(), name.lower()))

    def put_account(
        self, resource_group: str, spec: AccountSpec, *, restore: bool = False
    ) -> AccountState:
        self._call("put_account", resource_group, spec.name, restore)
        key = (resource_group.lower(), spec.name.lower())
        if restore:
            self.deleted.pop(key, None)
        endpoint = f"https://{spec.custom_subdomain}.openai.azure.com/"
        state = AccountState(
            name=spec.name,
            location=spec.location,
            kind=spec.kind,
            sku=spec.sku,
            custom_subdomain=spec.custom_subdomain,
            public_network_access=spec.public_network_access,
            disable_local_auth=spec.disable_local_auth,
            tags=dict(spec.tags),
            endpoint=endpoint,
            id=account_id(self.subscription_id, resource_group, spec.name),
        )
        self.accounts[key] = state
        return state

    def set_account_state(self, resource_group: str, name: str, state: str) -> None:
        key = (resource_group.lower(), name.lower())
        self.accounts[key] = replace(self.accounts[key], provisioning_state=state)

    def delete_account(self, resource_group: str, name: str) -> None:
        self._call("delete_account", resource_group, name)
        key = (resource_group.lower(), name.lower())
        acct = self.accounts.pop(key, None)
        if acct is not None:
            self.deployments.pop(key, None)
            self.deleted[key] = DeletedAccountState(
                name, acct.location, resource_group, acct.custom_subdomain, "2026-01-01T00:00:00Z"
            )

    def get_deleted_account(
        self, location: str, resource_group: str, name: str
    ) -> DeletedAccountState | None:
        self._call("get_deleted_account", location, resource_group, name)
        return self.deleted.get((resource_group.lower(), name.lower()))

    def purge_deleted_account(self, location: str, resource_group: str, name: str) -> None:
        self._call("purge_deleted_account", location, resource_group, name)
        if self.deleted.pop((resource_group.lower(), name.lower()), None) is None:
            raise NotFoundError("deleted account not found", status=404, code="NotFound")

    def list_keys(self, resource_group: str, name: str) -> tuple[str, str]:
        self._call("list_keys", resource_group, name)
        return ("fake-key-1", "fake-key-2")

    def check_domain_availability(self, subdomain: str, kind: str) -> DomainAvailability:
        self._call("check_domain_availability", subdomain, kind)
        taken = subdomain.lower() in self.taken_subdomains
        return DomainAvailability(subdomain, not taken, "already in use" if taken else None)

    # -- deployments -------------------------------------------------------------------------
    def list_deployments(self, resource_group: str, account: str) -> list[DeploymentState]:
        self._call("list_deployments", resource_group, account)
        return list(self.deployments[(resource_group.lower(), account.lower())].values())

    def put_deployment(
        self, resource_group: str, account: str, spec: DeploymentSpec
    ) -> DeploymentState:
        self._call("put_deployment", resource_group, account, spec.name)
        state = DeploymentState(
            name=spec.name,
            model=spec.model,
            version=spec.version,
            sku=spec.sku,
            capacity=spec.capacity,
            version_upgrade_option=spec.version_upgrade_option,
            rai_policy=spec.rai_policy or "Microsoft.DefaultV2",
            model_format=spec.model_format,
            tags=dict(spec.tags),
        )
        self.deployments[(resource_group.lower(), account.lower())][spec.name] = state
        return state

    def delete_deployment(self, resource_group: str, account: str, name: str) -> None:
        self._call("delete_deployment", resource_group, account, name)
        self.deployments[(resource_group.lower(), account.lower())].pop(name, None)

    # -- discovery ---------------------------------------------------------------------------
    def list_usages(self, location: str) -> list[Usage]:
        self._call("list_usages", location)
        return list(self.usages.get(location, []))

    def list_models(self, location: str) -> list[CatalogModel]:
        self._call("list_models", location)
        return list(self.models.get(location, []))

    def list_resource_skus(self) -> list[ResourceSku]:
        self._call("list_resource_skus")
        if self.resource_skus is None:
            locations = tuple(sorted({*self.models, *self.usages, "swedencentral", "eastus2"}))
            return [
                ResourceSku("accounts", "S0", kind, locations) for kind in ("OpenAI", "AIServices")
            ]
        return list(self.resource_skus)

    def list_rai_policies(self, resource_group: str, account: str) -> list[str]:
        self._call("list_rai_policies", resource_group, account)
        return list(self.rai_policies[(resource_group.lower(), account.lower())])

    # -- role assignments --------------------------------------------------------------------
    def list_role_assignments(self, scope: str) -> list[RoleAssignmentState]:
        self._call("list_role_assignments", scope)
        return [a for a in self.assignments.values() if a.scope.lower() == scope.lower()]

    def put_role_assignment(
        self,
        scope: str,
        name: str,
        *,
        role_definition_guid: str,
        principal_id: str,
        principal_type: str,
        description: str,
    ) -> RoleAssignmentState:
        self._call("put_role_assignment", scope, name, principal_id, principal_type)
        state = RoleAssignmentState(
            name, scope, principal_id, principal_type, role_definition_guid, description
        )
        self.assignments[name] = state
        return state

    def delete_role_assignment(self, scope: str, name: str) -> None:
        self._call("delete_role_assignment", scope, name)
        self.assignments.pop(name, None)
