"""The "readiness pending" marker: a tag on the environment's own resource group.

Why a tag: ownership is stateless (tags, deterministic names; no state file to lose), so the
fact "the data plane has not yet been proven to accept the granted identities" lives in the
cloud as well. ``up`` adds the tag in the same write that creates or tags the resource group
(the first change of every plan), before any deployment or role assignment is written, and
removes it only after readiness passed. A run killed anywhere after that first write leaves the
tag behind, so the rerun proves readiness again (and exits 4 if it still fails) instead of
saying "no changes" with exit 0.

A resource group this environment does not own is never tagged; for such an environment the
state cannot be recorded, so every waiting ``up`` proves readiness (``pending`` says True).
The planner ignores extra tags, so the marker is never drift.
"""

from __future__ import annotations

from dataclasses import replace

from provision.backends.base import Backend
from provision.changes import Create, FieldDiff, NoOp, Plan, Update
from provision.model import MARKER_TAG, ActualState, DesiredState, is_owned

PENDING = "pending"


def pending(desired: DesiredState, actual: ActualState) -> bool:
    """True when readiness must be proven although nothing changed."""
    rg = actual.resource_group
    if rg is None:
        return False  # nothing exists yet: the plan will create (and mark) it
    if not is_owned(rg.tags, desired.environment):
        return True  # cannot record it: prove every time
    return rg.tags.get(MARKER_TAG) == PENDING


def mark(plan: Plan, desired: DesiredState, actual: ActualState) -> Plan:
    """``plan`` with the marker added to its resource-group change (a Create or an Update
    gets the tag; an owned, unchanged group becomes a tag update). Foreign groups: unchanged."""
    if not plan.changes or plan.changes[0].ref.kind != "resource_group":
        return plan
    first, rg = plan.changes[0], actual.resource_group
    tag = {MARKER_TAG: PENDING}
    marked = first
    if isinstance(first, Create):
        marked = replace(first, spec=replace(first.spec, tags={**first.spec.tags, **tag}))
    elif isinstance(first, Update):
        spec = replace(first.spec, tags={**first.spec.tags, **tag})
        marked = replace(
            first, spec=spec, diffs=(*first.diffs, FieldDiff(MARKER_TAG, None, PENDING))
        )
    elif isinstance(first, NoOp) and rg is not None and is_owned(rg.tags, desired.environment):
        if rg.tags.get(MARKER_TAG) == PENDING:
            return plan
        spec = replace(desired.resource_group, tags={**desired.resource_group.tags, **tag})
        marked = Update(
            first.ref,
            "mark readiness pending until the data plane accepts the identities",
            (FieldDiff(MARKER_TAG, None, PENDING),),
            spec,
            rg,
        )
    return replace(plan, changes=(marked, *plan.changes[1:]))


def clear(backend: Backend, desired: DesiredState, actual: ActualState) -> bool:
    """Remove the marker after readiness passed; returns whether a write was needed."""
    rg = actual.resource_group
    if rg is None or MARKER_TAG not in rg.tags or not is_owned(rg.tags, desired.environment):
        return False
    tags = {k: v for k, v in rg.tags.items() if k != MARKER_TAG}
    backend.put_resource_group(rg.name, rg.location, tags)
    return True
