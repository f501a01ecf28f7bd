"""Read actual state through a backend: a handful of requests, issued concurrently.

A converged environment costs four ARM reads (resource group, account, deployment list,
role assignments at the account scope), whatever the number of deployments and properties.
Discovery facts for pre-flight (usages, catalog, subdomain) are read only when the plan
needs them (``gather_discovery``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from provision.backends.base import Backend
from provision.changes import Create, Plan, Replace, Update
from provision.errors import NotFoundError
from provision.model import (
    ActualState,
    CatalogModel,
    DesiredState,
    DomainAvailability,
    ResourceSku,
    Usage,
)

T = TypeVar("T")


def gather(backend: Backend, desired: DesiredState, *, for_down: bool = False) -> ActualState:
    """Read the resource group, account, deployments and role assignments of ``desired``.

    The four reads run concurrently; the soft-deleted account is read only when the account
    is missing, and the group's resource list only for ``down``.
    """
    rg, name = desired.resource_group.name, desired.account.name
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="facts") as pool:
        f_rg = pool.submit(backend.get_resource_group, rg)
        f_acct = pool.submit(_or_none, backend.get_account, rg, name)
        f_deps = pool.submit(_or_empty, backend.list_deployments, rg, name)
        f_ras = pool.submit(_or_empty, backend.list_role_assignments, desired.account_id)
        group = f_rg.result()
        account = f_acct.result()
        deployments, assignments = f_deps.result(), f_ras.result()
    if account is None:
        deployments, assignments = [], []
    deleted = None
    if account is None:
        deleted = backend.get_deleted_account(desired.account.location, rg, name)
    ids = None
    if for_down and group is not None:
        # Errors propagate: deleting a group whose contents are unknown is never safe.
        ids = tuple(backend.list_resource_ids(rg))
    return ActualState(
        resource_group=group,
        account=account,
        deployments=tuple(sorted(deployments, key=lambda d: d.name)),
        role_assignments=tuple(assignments),
        deleted_account=deleted,
        group_resource_ids=ids,
    )


BUILTIN_RAI_POLICIES = frozenset({"Microsoft.Default", "Microsoft.DefaultV2", "Microsoft.Nil"})


@dataclass(frozen=True)
class Discovery:
    """Facts pre-flight needs; each is None when the plan did not need it."""

    usages: tuple[Usage, ...] | None = None
    models: tuple[CatalogModel, ...] | None = None
    domain: DomainAvailability | None = None
    account_skus: tuple[ResourceSku, ...] | None = None
    rai_policies: tuple[str, ...] | None = None  # the account's custom policies
    notes: tuple[str, ...] = field(default_factory=tuple)


def needs(plan: Plan) -> tuple[bool, bool]:
    """(deployment capacity/model checks needed, subdomain check needed) for ``plan``."""
    deployments = any(
        isinstance(c, (Create, Replace)) or (isinstance(c, Update) and not c.wait_only)
        for c in plan.changes
        if c.ref.kind == "deployment"
    )
    creates = any(
        isinstance(c, Create) and not c.restore for c in plan.changes if c.ref.kind == "account"
    )
    # A planned purge frees our own soft-deleted subdomain: checking it first would fail.
    purges = any(c.ref.kind == "deleted_account" for c in plan.changes)
    return deployments, creates and not purges


def writes_account(plan: Plan) -> bool:
    """True when the plan creates, replaces or rewrites the account (its SKU/kind matter)."""
    return any(
        isinstance(c, (Create, Replace)) or (isinstance(c, Update) and not c.wait_only)
        for c in plan.changes
        if c.ref.kind == "account"
    )


def custom_rai_policies(plan: Plan) -> set[str]:
    """RAI policies named by written deployments that are not built in."""
    names = set()
    for c in plan.changes:
        spec = getattr(c, "spec", None)
        if c.ref.kind == "deployment" and c.writes and spec is not None and spec.rai_policy:
            names.add(spec.rai_policy)
    return names - BUILTIN_RAI_POLICIES


def gather_discovery(backend: Backend, desired: DesiredState, plan: Plan) -> Discovery:
    """Read, concurrently and only what the plan needs: usages and the model catalog (if
    deployments change), subdomain availability (if the account is created), the account
    SKU list (if the account is written) and the account's RAI policies (if a deployment
    names a custom one)."""
    check_deployments, check_domain = needs(plan)
    loc, acct, rg = desired.account.location, desired.account, desired.resource_group.name
    rai = bool(custom_rai_policies(plan))
    with ThreadPoolExecutor(max_workers=5, thread_name_prefix="discovery") as pool:
        f_use = pool.submit(backend.list_usages, loc) if check_deployments else None
        f_cat = pool.submit(backend.list_models, loc) if check_deployments else None
        f_dom = (
            pool.submit(backend.check_domain_availability, acct.custom_subdomain, acct.kind)
            if check_domain
            else None
        )
        f_sku = pool.submit(backend.list_resource_skus) if writes_account(plan) else None
        f_rai = pool.submit(_or_empty, backend.list_rai_policies, rg, acct.name) if rai else None
        return Discovery(
            usages=tuple(f_use.result()) if f_use else None,
            models=tuple(f_cat.result()) if f_cat else None,
            domain=f_dom.result() if f_dom else None,
            account_skus=tuple(f_sku.result()) if f_sku else None,
            rai_policies=tuple(f_rai.result()) if f_rai else None,
        )


def _or_none(fn: Callable[..., T | None], *args: Any) -> T | None:
    try:
        return fn(*args)
    except NotFoundError:  # e.g. ResourceGroupNotFound when asking for the account
        return None


def _or_empty(fn: Callable[..., list[T]], *args: Any) -> list[T]:
    try:
        return fn(*args)
    except NotFoundError:
        return []
