"""Turn a validated environment into a fully resolved ``DesiredState``.

Principal references (``self``, ``emulator:<name>``) and role names need facts about the
target; they come through a ``Resolver`` so that this step stays testable without a cloud.
Built-in role names resolve from a static table, saving a role-definition lookup per run.
"""

from __future__ import annotations

from typing import Protocol

from provision.config import EnvironmentConfig
from provision.errors import ConfigError
from provision.model import (
    AccountSpec,
    DeploymentSpec,
    DesiredState,
    Principal,
    ResourceGroupSpec,
    RoleAssignmentSpec,
    account_id,
    assignment_name,
    ownership_tags,
)

BUILTIN_ROLES = {
    "cognitive services user": "a97b65f3-24c7-4388-baec-2e87135dc908",
    "cognitive services openai user": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "cognitive services openai contributor": "a001fd3d-188f-4b5d-821b-7da978bf7442",
    "cognitive services contributor": "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
}


class Resolver(Protocol):
    """What resolution needs to know about the target."""

    @property
    def subscription_id(self) -> str: ...

    def signed_in_principal(self) -> Principal:
        """The identity the backend is acting as."""

    def named_principal(self, name: str) -> Principal:
        """A principal known to the target by name (emulator only); raises ConfigError."""

    def role_definition_guid(self, scope: str, role_name: str) -> str:
        """GUID of a role definition looked up by name (only for non-built-in roles)."""


def desired_state(config: EnvironmentConfig, resolver: Resolver) -> DesiredState:
    """Resolve defaults, ownership tags, principals and roles into a ``DesiredState``."""
    sub = config.subscription or resolver.subscription_id
    owned = ownership_tags(config.name)
    acct = config.account
    account = AccountSpec(
        name=acct.name,
        location=config.location,
        kind=acct.kind,
        sku=acct.sku,
        custom_subdomain=acct.subdomain,
        public_network_access=acct.public_network_access,
        disable_local_auth=acct.disable_local_auth,
        tags={**config.tags, **acct.tags, **owned},
    )
    deployments = tuple(
        DeploymentSpec(
            name=d.name,
            model=d.model,
            version=d.version,
            sku=d.sku,
            capacity=d.capacity,
            version_upgrade_option=d.version_upgrade_option,
            rai_policy=d.rai_policy,
            model_format=d.model_format,
            tags={**config.tags, **d.tags, **owned},
        )
        for d in config.deployments
    )
    scope = account_id(sub, config.resource_group, acct.name)
    return DesiredState(
        environment=config.name,
        target=config.target,
        subscription_id=sub,
        resource_group=ResourceGroupSpec(
            config.resource_group, config.location, {**config.tags, **owned}
        ),
        account=account,
        deployments=deployments,
        role_assignments=_role_assignments(config, resolver, scope),
        soft_delete=config.soft_delete,
        protected=config.protection.prevent_destroy,
    )


def _role_assignments(
    config: EnvironmentConfig, resolver: Resolver, scope: str
) -> tuple[RoleAssignmentSpec, ...]:
    out: list[RoleAssignmentSpec] = []
    seen: set[str] = set()
    for index, ra in enumerate(config.role_assignments):
        principal = _principal(ra.principal, resolver)
        role_guid = BUILTIN_ROLES.get(ra.role.lower()) or resolver.role_definition_guid(
            scope, ra.role
        )
        name = assignment_name(scope, principal.object_id, role_guid)
        if name in seen:
            raise ConfigError(
                config.name,
                [
                    (
                        f"role_assignments[{index}]",
                        f"{ra.principal} gets {ra.role!r}, which an earlier entry already "
                        "grants to the same principal",
                    )
                ],
            )
        seen.add(name)
        out.append(
            RoleAssignmentSpec(
                principal=ra.principal,
                principal_id=principal.object_id,
                principal_type=ra.principal_type or principal.principal_type,
                role_name=ra.role,
                role_definition_guid=role_guid,
                scope=scope,
                name=name,
            )
        )
    return tuple(out)


def _principal(ref: str, resolver: Resolver) -> Principal:
    if ref == "self":
        return resolver.signed_in_principal()
    if ref.startswith("emulator:"):
        return resolver.named_principal(ref.removeprefix("emulator:"))
    # A GUID: config validation already required principal_type.
    return Principal(object_id=ref.lower(), principal_type="")


class StaticResolver:
    """A resolver from fixed data, for tests and offline ``validate``."""

    def __init__(
        self,
        subscription_id: str = "00000000-0000-0000-0000-000000000000",
        me: Principal | None = None,
        principals: dict[str, Principal] | None = None,
        roles: dict[str, str] | None = None,
    ) -> None:
        self.subscription_id = subscription_id
        self._me = me or Principal("11111111-1111-1111-1111-111111111111", "ServicePrincipal")
        self._principals = principals or {}
        self._roles = {k.lower(): v for k, v in (roles or {}).items()}

    def signed_in_principal(self) -> Principal:
        return self._me

    def named_principal(self, name: str) -> Principal:
        if name not in self._principals:
            problem = f"emulator principal {name!r} is unknown"
            raise ConfigError("<resolver>", [("role_assignments", problem)])
        return self._principals[name]

    def role_definition_guid(self, scope: str, role_name: str) -> str:
        if role_name.lower() not in self._roles:
            raise ConfigError("<resolver>", [("role_assignments", f"unknown role {role_name!r}")])
        return self._roles[role_name.lower()]
