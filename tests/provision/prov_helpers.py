"""Builders shared by provision tests: a base environment and actual-state shorthands."""

from __future__ import annotations

import copy
from typing import Any

from provision.config import parse_environment
from provision.model import (
    ROLE_ASSIGNMENT_MARKER,
    AccountState,
    ActualState,
    DeletedAccountState,
    DeploymentState,
    DesiredState,
    Principal,
    ResourceGroupState,
    RoleAssignmentState,
    assignment_name,
    ownership_tags,
)
from provision.resolve import BUILTIN_ROLES, StaticResolver, desired_state

SUB = "0000aaaa-0000-0000-0000-000000000001"
ME = Principal("11111111-1111-1111-1111-111111111111", "ServicePrincipal")
APP = Principal("22222222-2222-2222-2222-222222222222", "ServicePrincipal")
USER_ROLE = BUILTIN_ROLES["cognitive services user"]

BASE_ENV: dict[str, Any] = {
    "name": "dev",
    "target": "emulator",
    "subscription": SUB,
    "resource_group": "rg-dev",
    "location": "swedencentral",
    "soft_delete": "fail",
    "account": {"name": "aoai-dev", "custom_subdomain": "aoai-dev"},
    "deployments": [
        {"name": "gpt-realtime", "model": "gpt-realtime", "version": "2025-08-28", "capacity": 1},
        {
            "name": "gpt-4o-realtime-preview",
            "model": "gpt-4o-realtime-preview",
            "version": "2024-12-17",
            "capacity": 1,
        },
    ],
    "role_assignments": [{"principal": "emulator:app"}, {"principal": "self"}],
}


def resolver() -> StaticResolver:
    return StaticResolver(SUB, me=ME, principals={"app": APP})


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Merge ``patch`` into a copy of ``base``; a None value removes the key."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def make_desired(patch: dict[str, Any] | None = None) -> DesiredState:
    config = parse_environment(deep_merge(BASE_ENV, patch or {}), source="case")
    return desired_state(config, resolver())


def _tags(value: Any, env: str) -> dict[str, str]:
    if value == "owned":
        return ownership_tags(env)
    if isinstance(value, str) and value.startswith("owned:"):
        return ownership_tags(value.removeprefix("owned:"))
    return dict(value or {})


def actual_from_dict(data: dict[str, Any], desired: DesiredState) -> ActualState:
    """Build ActualState from a JSON case; ``"tags": "owned"`` means this env's tags."""
    env = desired.environment
    rg = data.get("resource_group")
    acct = data.get("account")
    return ActualState(
        resource_group=ResourceGroupState(**{**rg, "tags": _tags(rg.get("tags"), env)})
        if rg
        else None,
        account=_account(acct, desired) if acct else None,
        deployments=tuple(
            DeploymentState(**{**d, "tags": _tags(d.get("tags"), env)})
            for d in data.get("deployments", [])
        ),
        role_assignments=tuple(_assignment(a, desired) for a in data.get("role_assignments", [])),
        deleted_account=DeletedAccountState(**data["deleted_account"])
        if data.get("deleted_account")
        else None,
        group_resource_ids=tuple(data["group_resource_ids"])
        if "group_resource_ids" in data
        else None,
    )


def _account(acct: dict[str, Any], desired: DesiredState) -> AccountState:
    spec = desired.account
    defaults = {
        "name": spec.name,
        "location": spec.location,
        "kind": spec.kind,
        "sku": spec.sku,
        "custom_subdomain": spec.custom_subdomain,
        "public_network_access": spec.public_network_access,
        "disable_local_auth": spec.disable_local_auth,
    }
    merged = {**defaults, **acct}
    merged["tags"] = _tags(acct.get("tags"), desired.environment)
    return AccountState(**merged)


def _assignment(a: dict[str, Any], desired: DesiredState) -> RoleAssignmentState:
    principal = {"self": ME.object_id, "app": APP.object_id}.get(a["principal"], a["principal"])
    role = a.get("role_guid", USER_ROLE)
    scope = a.get("scope", desired.account_id)
    name = a.get("name") or assignment_name(scope, principal, role)
    owner = a.get("owner", desired.environment if a.get("owned", True) else None)
    return RoleAssignmentState(
        name=name,
        scope=scope,
        principal_id=principal,
        principal_type=a.get("principal_type", "ServicePrincipal"),
        role_definition_guid=role,
        description=f"{ROLE_ASSIGNMENT_MARKER}{owner}" if owner else None,
    )
