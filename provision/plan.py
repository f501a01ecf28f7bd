"""Pure ``diff(desired, actual) -> Plan``: decide what ``up`` must do, explain every no-op.

Order: resource group, soft-deleted account (purge), account, deployments (deletes first, to
free quota), role assignments. Ownership is by tags: a resource carrying another owner's (or
no) tags is never updated or deleted, and a foreign resource holding a name we need is a
``PlanError``.
"""

from __future__ import annotations

from provision.changes import Change, Create, Delete, FieldDiff, NoOp, Plan, Ref, Replace, Update
from provision.errors import PlanError
from provision.model import (
    AccountSpec,
    AccountState,
    ActualState,
    DeploymentSpec,
    DeploymentState,
    DesiredState,
    RoleAssignmentSpec,
    is_owned,
    owner_of,
)

_BUSY = ("Accepted", "Creating", "Updating", "Moving", "ResolvingDNS")
_BAD = ("Failed", "Canceled")


def diff(desired: DesiredState, actual: ActualState) -> Plan:
    """Compare desired with actual state and return the ordered changes (no I/O).

    Raises PlanError when a foreign resource blocks the desired state or when a soft-deleted
    account collides and the policy is ``fail``.
    """
    changes: list[Change] = [_resource_group(desired, actual)]
    account_changes = _account(desired, actual)
    changes += account_changes
    fresh = any(isinstance(c, (Create, Replace)) for c in account_changes)
    changes += _deployments(desired, actual, fresh)
    changes += _role_assignments(desired, actual, fresh)
    return Plan(environment=desired.environment, changes=tuple(changes))


def _resource_group(desired: DesiredState, actual: ActualState) -> Change:
    spec, rg = desired.resource_group, actual.resource_group
    ref = Ref("resource_group", spec.name)
    if rg is None:
        return Create(ref, f"does not exist; create in {spec.location}", spec=spec)
    if rg.provisioning_state == "Deleting":
        raise PlanError(f"{ref} is being deleted; wait until it is gone, then re-run")
    if not is_owned(rg.tags, desired.environment):
        return NoOp(ref, "exists and is not managed by this environment; used as is, never deleted")
    missing = _missing_tags(spec.tags, rg.tags)
    if missing:
        return Update(
            ref, "tags differ", (FieldDiff("tags", _sub(rg.tags, missing), missing),), spec, rg
        )
    return NoOp(ref, f"exists in {rg.location} with the expected tags")


def _account(desired: DesiredState, actual: ActualState) -> list[Change]:
    spec, acct = desired.account, actual.account
    ref = Ref("account", spec.name)
    if acct is None:
        return _create_account(desired, actual)
    if not is_owned(acct.tags, desired.environment):
        raise PlanError(_foreign(ref, acct.tags, desired.environment))
    replace = _account_replace_diffs(spec, acct)
    if replace:
        fields = ", ".join(d.field for d in replace)
        if desired.soft_delete != "purge":
            raise PlanError(_replace_blocked(ref, replace, desired.soft_delete))
        why = (
            f"immutable field(s) changed: {fields}; delete it, purge the soft-deleted copy "
            "(soft_delete = purge), re-create it with its deployments and role assignments"
        )
        return [Replace(ref, why, replace, spec, acct)]
    diffs = _account_update_diffs(spec, acct)
    if diffs:
        return [Update(ref, _update_reason(diffs), diffs, spec, acct)]
    return [NoOp(ref, f"already {spec.kind}/{spec.sku} in {spec.location}, {_acct_summary(acct)}")]


def _create_account(desired: DesiredState, actual: ActualState) -> list[Change]:
    spec, deleted = desired.account, actual.deleted_account
    ref = Ref("account", spec.name)
    if deleted is None:
        return [Create(ref, "does not exist", spec=spec)]
    policy = desired.soft_delete
    if policy == "fail":
        raise PlanError(soft_delete_message(spec.name, deleted.location, deleted.resource_group))
    if policy == "restore":
        why = f"soft-deleted on {deleted.deletion_date or '?'}; restore (soft_delete = restore)"
        return [Create(ref, why, spec=spec, restore=True)]
    purge = Delete(
        Ref("deleted_account", spec.name),
        "soft-deleted copy blocks re-creation; purge (soft_delete = purge)",
        state=deleted,
    )
    return [purge, Create(ref, "does not exist (after purge)", spec=spec)]


def soft_delete_message(name: str, location: str, resource_group: str) -> str:
    """Actionable text for a soft-deleted name under policy ``fail``."""
    return (
        f"account {name} was soft-deleted and blocks re-creation for 48 h; "
        "set soft_delete = 'restore' to recover it or 'purge' to destroy it for good, "
        f"or purge it by hand: az cognitiveservices account purge -l {location} "
        f"-g {resource_group} -n {name}"
    )


def _replace_blocked(ref: Ref, diffs: tuple[FieldDiff, ...], policy: str) -> str:
    """Why a replacement cannot go ahead under soft_delete = fail | restore."""
    changed = ", ".join(str(d) for d in diffs)
    return (
        f"{ref} must be replaced ({changed}): deleting it leaves a soft-deleted copy that "
        f"blocks re-creating the name for 48 h, and soft_delete = '{policy}' forbids purging it. "
        "Set soft_delete = 'purge' for this change, give the account a new name, or revert "
        "the field"
    )


def _account_replace_diffs(spec: AccountSpec, acct: AccountState) -> tuple[FieldDiff, ...]:
    out = [FieldDiff(f, getattr(acct, f), getattr(spec, f)) for f in ("kind", "location")]
    out = [d for d in out if str(d.old).lower() != str(d.new).lower()]
    if acct.custom_subdomain and acct.custom_subdomain.lower() != spec.custom_subdomain.lower():
        out.append(FieldDiff("custom_subdomain", acct.custom_subdomain, spec.custom_subdomain))
    return tuple(out)


def _account_update_diffs(spec: AccountSpec, acct: AccountState) -> tuple[FieldDiff, ...]:
    out: list[FieldDiff] = []
    if not acct.custom_subdomain:
        out.append(FieldDiff("custom_subdomain", None, spec.custom_subdomain))
    for name in ("sku", "public_network_access", "disable_local_auth"):
        if getattr(acct, name) != getattr(spec, name):
            out.append(FieldDiff(name, getattr(acct, name), getattr(spec, name)))
    missing = _missing_tags(spec.tags, acct.tags)
    if missing:
        out.append(FieldDiff("tags", _sub(acct.tags, missing), missing))
    out += _state_diff(acct.provisioning_state)
    return tuple(out)


def _deployments(desired: DesiredState, actual: ActualState, fresh: bool) -> list[Change]:
    current = {} if fresh else {d.name: d for d in actual.deployments}
    wanted = {d.name for d in desired.deployments}
    deletes: list[Change] = []
    for name, dep in current.items():
        if name in wanted:
            continue
        ref = Ref("deployment", name)
        if is_owned(dep.tags, desired.environment):
            deletes.append(Delete(ref, "no longer declared by this environment", state=dep))
        else:
            deletes.append(NoOp(ref, "not declared and not managed by this environment; untouched"))
    others = [
        _deployment(spec, current.get(spec.name), desired.environment, fresh)
        for spec in desired.deployments
    ]
    # Deletes and replaces first: they free quota the creates may need.
    others.sort(key=lambda c: 0 if isinstance(c, Replace) else 1)
    return deletes + others


def _deployment(
    spec: DeploymentSpec, dep: DeploymentState | None, environment: str, fresh: bool
) -> Change:
    ref = Ref("deployment", spec.name)
    if dep is None:
        why = "account is being (re)created" if fresh else "does not exist"
        return Create(ref, why, spec=spec)
    if not is_owned(dep.tags, environment):
        raise PlanError(_foreign(ref, dep.tags, environment))
    replace = tuple(
        FieldDiff(f, getattr(dep, f_actual), getattr(spec, f_actual))
        for f, f_actual in (("model", "model"), ("model_format", "model_format"), ("sku", "sku"))
        if getattr(dep, f_actual) != getattr(spec, f_actual)
    )
    if replace:
        why = "model or SKU changed; ARM cannot change it in place"
        return Replace(ref, why, replace, spec, dep)
    diffs = _deployment_update_diffs(spec, dep)
    if diffs:
        return Update(ref, _update_reason(diffs), diffs, spec, dep)
    return NoOp(
        ref,
        f"already {spec.model} {spec.version} on {spec.sku}/{spec.capacity}, "
        f"{spec.version_upgrade_option}",
    )


def _deployment_update_diffs(spec: DeploymentSpec, dep: DeploymentState) -> tuple[FieldDiff, ...]:
    out = [
        FieldDiff(f, getattr(dep, f), getattr(spec, f))
        for f in ("version", "capacity", "version_upgrade_option")
        if getattr(dep, f) != getattr(spec, f)
    ]
    # An unset rai_policy means "service default": do not fight what ARM filled in.
    if spec.rai_policy is not None and dep.rai_policy != spec.rai_policy:
        out.append(FieldDiff("rai_policy", dep.rai_policy, spec.rai_policy))
    missing = _missing_tags(spec.tags, dep.tags)
    if missing:
        out.append(FieldDiff("tags", _sub(dep.tags, missing), missing))
    out += _state_diff(dep.provisioning_state)
    return tuple(out)


def _role_assignments(desired: DesiredState, actual: ActualState, fresh: bool) -> list[Change]:
    scope = desired.account_id.lower()
    current = [] if fresh else [a for a in actual.role_assignments if a.scope.lower() == scope]
    changes: list[Change] = []
    matched: set[str] = set()
    for spec in desired.role_assignments:
        ref = Ref("role_assignment", _ra_label(spec))
        hit = next(
            (
                a
                for a in current
                if a.principal_id.lower() == spec.principal_id.lower()
                and a.role_definition_guid.lower() == spec.role_definition_guid
            ),
            None,
        )
        if hit is None:
            why = "account is being (re)created" if fresh else "not granted yet"
            changes.append(Create(ref, f"{why}; assignment {spec.name}", spec=spec))
            continue
        matched.add(hit.name)
        if hit.name == spec.name:
            changes.append(NoOp(ref, f"already granted by assignment {hit.name}"))
        else:
            changes.append(
                NoOp(ref, f"already granted by assignment {hit.name} (not managed here)")
            )
    for a in current:
        if a.name not in matched and a.owned_by(desired.environment):
            ref = Ref("role_assignment", f"{a.name} ({a.principal_id})")
            changes.insert(0, Delete(ref, "no longer declared by this environment", state=a))
    return changes


def _ra_label(spec: RoleAssignmentSpec) -> str:
    return f"{spec.role_name} -> {spec.principal}"


def _state_diff(state: str) -> list[FieldDiff]:
    if state in _BUSY or state in _BAD:
        return [FieldDiff("provisioning_state", state, "Succeeded")]
    return []


def _update_reason(diffs: tuple[FieldDiff, ...]) -> str:
    if all(d.field == "provisioning_state" for d in diffs):
        old = diffs[0].old
        if old in _BAD:
            return f"provisioning state is {old}; re-apply"
        return f"still {old}; wait until Succeeded"
    return "changed: " + ", ".join(d.field for d in diffs)


def _missing_tags(wanted: dict[str, str], have: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in sorted(wanted.items()) if have.get(k) != v}


def _sub(tags: dict[str, str], keys: dict[str, str]) -> dict[str, str]:
    return {k: tags[k] for k in sorted(keys) if k in tags}


def _acct_summary(acct: AccountState) -> str:
    auth = "Entra only" if acct.disable_local_auth else "keys allowed"
    return f"subdomain {acct.custom_subdomain}, network {acct.public_network_access}, {auth}"


def _foreign(ref: Ref, tags: dict[str, str], environment: str) -> str:
    owner = owner_of(tags)
    who = f"environment {owner!r}" if owner else "nothing (no managed-by tag)"
    return (
        f"{ref} exists but is managed by {who}, not {environment!r}; "
        "choose another name, or adopt it by tagging it "
        f"managed-by=provision environment={environment}"
    )
