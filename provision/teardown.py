"""Pure ``plan_down(desired, actual, purge=...) -> Plan``: what ``down`` may remove.

Only resources carrying this environment's tags are deleted. An owned account that holds
foreign deployments or role assignments is kept (deleting it would delete them too), and an
owned resource group is deleted only when nothing else lives in it.
"""

from __future__ import annotations

from provision.changes import Change, Delete, NoOp, Plan, Ref
from provision.model import ActualState, DesiredState, is_owned, owner_of


def plan_down(desired: DesiredState, actual: ActualState, *, purge: bool = False) -> Plan:
    """Decide the deletions for ``down``; every kept resource says why."""
    changes: list[Change] = []
    scope = desired.account_id.lower()
    env = desired.environment
    assignments = [a for a in actual.role_assignments if a.scope.lower() == scope]
    for a in assignments:
        ref = Ref("role_assignment", f"{a.name} ({a.principal_id})")
        if a.owned_by(env):
            changes.append(Delete(ref, "managed by this environment", state=a))
        else:
            changes.append(NoOp(ref, "not managed by this environment; untouched"))
    foreign_children: list[str] = [
        f"role assignment {a.name}" for a in assignments if not a.owned_by(env)
    ]
    for dep in actual.deployments:
        ref = Ref("deployment", dep.name)
        if is_owned(dep.tags, env):
            changes.append(Delete(ref, "managed by this environment", state=dep))
        else:
            changes.append(NoOp(ref, "not managed by this environment; untouched"))
            foreign_children.append(f"deployment {dep.name}")
    account_gone = _account(desired, actual, purge, foreign_children, changes)
    changes.append(_resource_group(desired, actual, account_gone))
    return Plan(environment=env, changes=tuple(changes))


def _account(
    desired: DesiredState,
    actual: ActualState,
    purge: bool,
    foreign_children: list[str],
    changes: list[Change],
) -> bool:
    """Append the account's change(s); return True when no account will remain."""
    acct, env = actual.account, desired.environment
    ref = Ref("account", desired.account.name)
    if acct is None:
        changes.append(NoOp(ref, "does not exist"))
        _purge(desired, actual, purge, changes, deleting=False)
        return True
    if not is_owned(acct.tags, env):
        owner = owner_of(acct.tags) or "nobody"
        changes.append(NoOp(ref, f"managed by {owner}, not this environment; untouched"))
        return False
    if foreign_children:
        why = "kept: it holds resources not managed by this environment: " + ", ".join(
            foreign_children
        )
        changes.append(NoOp(ref, why))
        return False
    changes.append(Delete(ref, "managed by this environment (soft delete, 48 h)", state=acct))
    _purge(desired, actual, purge, changes, deleting=True)
    return True


def _purge(
    desired: DesiredState, actual: ActualState, purge: bool, changes: list[Change], deleting: bool
) -> None:
    ref = Ref("deleted_account", desired.account.name)
    deleted = actual.deleted_account
    if deleting:
        if purge:
            changes.append(Delete(ref, "--purge: free the name and subdomain now"))
        return
    if deleted is None:
        return
    if purge:
        changes.append(Delete(ref, "--purge: soft-deleted copy is purged", state=deleted))
    else:
        changes.append(NoOp(ref, "soft-deleted; kept for 48 h (use --purge to free the name)"))


def _resource_group(desired: DesiredState, actual: ActualState, account_gone: bool) -> Change:
    rg = actual.resource_group
    ref = Ref("resource_group", desired.resource_group.name)
    if rg is None:
        return NoOp(ref, "does not exist")
    if not is_owned(rg.tags, desired.environment):
        return NoOp(ref, "not managed by this environment; untouched")
    if not account_gone:
        return NoOp(ref, "kept: the account in it is kept")
    if actual.group_resource_ids is None:
        return NoOp(ref, "kept: its contents were not inspected")
    ours = desired.account_id.lower()
    others = sorted(i for i in (actual.group_resource_ids or ()) if not i.lower().startswith(ours))
    if others:
        names = ", ".join(i.rsplit("/", 1)[-1] for i in others)
        return NoOp(ref, f"kept: it holds resources not managed by this environment: {names}")
    return Delete(ref, "managed by this environment and empty", state=rg)
