"""Pure pre-flight checks over facts, run before any write.

Each failure says what is wrong, why, and how to fix it: the account SKU and kind in the region
(the subscription's SKU list), quota (usages vs the capacity the plan adds), model/version/SKU/
capacity in the region's catalog for the account kind, RAI policies that exist, and subdomain
availability. (Soft-deleted collisions are decided by the planner from the policy; values that
are wrong anywhere, such as name lengths or tag limits, by ``provision.config``.)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from provision.changes import Create, Delete, Plan, Replace, Update
from provision.facts import BUILTIN_RAI_POLICIES, Discovery
from provision.model import (
    CatalogModel,
    CatalogSku,
    DeploymentSpec,
    DeploymentState,
    DesiredState,
    ResourceSku,
)


@dataclass(frozen=True)
class PreflightFailure:
    """One failed check: ``check`` names it, ``what``/``why``/``fix`` explain it."""

    check: str
    what: str
    why: str
    fix: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.what}: {self.why}. Fix: {self.fix}"

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "what": self.what, "why": self.why, "fix": self.fix}


def check(desired: DesiredState, plan: Plan, facts: Discovery) -> list[PreflightFailure]:
    """Every pre-flight failure for applying ``plan`` (empty when it is safe to go)."""
    failures: list[PreflightFailure] = []
    if facts.account_skus is not None:
        failures += _account_sku(desired, facts.account_skus)
    if facts.rai_policies is not None:
        failures += _rai(plan, facts.rai_policies)
    if facts.models is not None:
        failures += _catalog(desired, plan, facts.models)
    if facts.usages is not None and facts.models is not None:
        failures += _quota(desired, plan, facts)
    if facts.domain is not None and not facts.domain.available:
        failures.append(_domain(desired, facts))
    return failures


def _account_sku(desired: DesiredState, skus: tuple[ResourceSku, ...]) -> list[PreflightFailure]:
    acct = desired.account
    accounts = [s for s in skus if s.resource_type.lower() == "accounts"]
    if not accounts:
        return []  # the list says nothing about accounts: no basis to refuse
    kind_here = [s for s in accounts if s.kind.lower() == acct.kind.lower()]
    if any(s.name.lower() == acct.sku.lower() and s.offered_in(acct.location) for s in kind_here):
        return []
    what = f"account {acct.name} (kind {acct.kind}, sku {acct.sku})"
    offered = sorted({s.name for s in kind_here if s.offered_in(acct.location)})
    if offered:
        why = f"SKU {acct.sku} is not offered for kind {acct.kind} in {acct.location}"
        return [
            PreflightFailure(
                "account", what, why, f"set account.sku to one of: {', '.join(offered)}"
            )
        ]
    regions = sorted(
        {loc for s in kind_here if s.name.lower() == acct.sku.lower() for loc in s.locations}
    )
    why = f"kind {acct.kind} is not offered in {acct.location}"
    fix = f"choose a region that offers it: {_short(regions)}" if regions else "choose another kind"
    return [PreflightFailure("account", what, why, fix)]


def _rai(plan: Plan, existing: tuple[str, ...]) -> list[PreflightFailure]:
    known = {name.lower() for name in existing}
    failures = []
    for spec, _ in _written_deployments(plan):
        name = spec.rai_policy
        if name is None or name in BUILTIN_RAI_POLICIES or name.lower() in known:
            continue
        failures.append(
            PreflightFailure(
                "rai_policy",
                f"deployment {spec.name} (rai_policy {name})",
                f"the account has no RAI policy named {name}",
                "create the policy on the account first, or use one of: "
                + ", ".join(sorted(BUILTIN_RAI_POLICIES)),
            )
        )
    return failures


def _written_deployments(plan: Plan) -> list[tuple[DeploymentSpec, DeploymentState | None]]:
    out: list[tuple[DeploymentSpec, DeploymentState | None]] = []
    for c in plan.changes:
        if c.ref.kind != "deployment":
            continue
        if isinstance(c, Create):
            out.append((c.spec, None))
        elif isinstance(c, (Replace, Update)) and not (isinstance(c, Update) and c.wait_only):
            out.append((c.spec, c.state))
    return out


def _catalog(
    desired: DesiredState, plan: Plan, models: tuple[CatalogModel, ...]
) -> list[PreflightFailure]:
    kind, loc = desired.account.kind, desired.account.location
    failures = []
    for spec, _ in _written_deployments(plan):
        entries = [m for m in models if m.kind.lower() == kind.lower() and m.name == spec.model]
        what = f"deployment {spec.name} ({spec.model} {spec.version}, {spec.sku})"
        if not entries:
            others = sorted({m.name for m in models if m.kind.lower() == kind.lower()})
            failures.append(
                PreflightFailure(
                    "region",
                    what,
                    f"model {spec.model} is not offered for kind {kind} in {loc}",
                    "choose a region that offers it (realtime GlobalStandard: swedencentral, "
                    f"eastus2) or another model; offered here: {_short(others)}",
                )
            )
            continue
        entry = next((m for m in entries if m.version == spec.version), None)
        if entry is None:
            versions = sorted(m.version for m in entries)
            failures.append(
                PreflightFailure(
                    "region",
                    what,
                    f"version {spec.version} of {spec.model} is not offered in {loc}",
                    f"set version to one of: {', '.join(versions)}",
                )
            )
            continue
        failures += _sku(spec, entry, what, loc)
    return failures


def _sku(spec: DeploymentSpec, entry: CatalogModel, what: str, loc: str) -> list[PreflightFailure]:
    sku = _find_sku(entry, spec.sku)
    if sku is None:
        names = ", ".join(s.name for s in entry.skus) or "none"
        why = f"SKU {spec.sku} is not supported for {spec.model} {spec.version} in {loc}"
        return [PreflightFailure("region", what, why, f"set sku to one of: {names}")]
    if sku.max_capacity is not None and spec.capacity > sku.max_capacity:
        why = f"capacity {spec.capacity} exceeds the maximum {sku.max_capacity} for this SKU"
        return [PreflightFailure("capacity", what, why, f"lower capacity to <= {sku.max_capacity}")]
    return []


def _find_sku(entry: CatalogModel | None, name: str) -> CatalogSku | None:
    if entry is None:
        return None
    return next((s for s in entry.skus if s.name.lower() == name.lower()), None)


def _usage_name(
    models: tuple[CatalogModel, ...], kind: str, model: str, version: str, sku: str
) -> str:
    entry = next(
        (
            m
            for m in models
            if m.kind.lower() == kind.lower() and m.name == model and m.version == version
        ),
        None,
    )
    found = _find_sku(entry, sku)
    return (found.usage_name if found and found.usage_name else None) or f"OpenAI.{sku}.{model}"


def _quota(desired: DesiredState, plan: Plan, facts: Discovery) -> list[PreflightFailure]:
    assert facts.models is not None and facts.usages is not None
    kind, loc = desired.account.kind, desired.account.location
    delta: dict[str, float] = defaultdict(float)
    who: dict[str, list[str]] = defaultdict(list)
    for spec, old in _written_deployments(plan):
        name = _usage_name(facts.models, kind, spec.model, spec.version, spec.sku)
        delta[name] += spec.capacity
        who[name].append(f"{spec.name}={spec.capacity}")
        if old is not None:  # an update/replace releases what the old deployment held
            delta[_usage_name(facts.models, kind, old.model, old.version, old.sku)] -= old.capacity
    for c in plan.changes:
        if isinstance(c, Delete) and c.ref.kind == "deployment" and c.state is not None:
            old = c.state
            delta[_usage_name(facts.models, kind, old.model, old.version, old.sku)] -= old.capacity
    usages = {u.name.lower(): u for u in facts.usages}
    failures = []
    for name, need in sorted(delta.items()):
        usage = usages.get(name.lower())
        if usage is None or need <= 0:
            continue
        free = usage.limit - usage.current
        if need > free:
            failures.append(
                PreflightFailure(
                    "quota",
                    f"quota {name} in {loc} ({', '.join(who[name])})",
                    f"the plan needs {need:g} more but only {max(free, 0):g} of {usage.limit:g} "
                    f"are free ({usage.current:g} in use)",
                    "lower capacity, delete unused deployments of this model in the region, "
                    "request more quota, or choose another region",
                )
            )
    return failures


def _domain(desired: DesiredState, facts: Discovery) -> PreflightFailure:
    acct = desired.account
    assert facts.domain is not None
    reason = facts.domain.reason or "it is already used"
    return PreflightFailure(
        "subdomain",
        f"custom subdomain {acct.custom_subdomain}",
        f"not available: {reason}",
        "choose another account.custom_subdomain (globally unique); if an account you deleted "
        "in the last 48 h used it, purge that account (az cognitiveservices account purge)",
    )


def _short(names: list[str], limit: int = 8) -> str:
    if not names:
        return "none"
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more
