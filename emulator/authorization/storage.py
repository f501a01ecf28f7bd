"""Where role assignments live: store kind ``roleAssignment``, key = the assignment's id.

Every read and write of assignment documents goes through here; rules and handlers never
touch the store's kind names.
"""

from __future__ import annotations

from typing import Any

from emulator.authorization import rbac
from emulator.seed import ROLE_ASSIGNMENT_KIND
from emulator.store import Store

ASSIGNMENTS_PATH = "/providers/Microsoft.Authorization/roleAssignments/"


def assignment_id(scope: str, name: str) -> str:
    """The id of assignment ``name`` (a lower-case GUID) at ``scope``."""
    return f"{'' if scope == '/' else scope}{ASSIGNMENTS_PATH}{name}"


def get(store: Store, scope: str, name: str) -> dict[str, Any] | None:
    """The assignment ``name`` at ``scope``."""
    return store.get(ROLE_ASSIGNMENT_KIND, assignment_id(scope, name))


def find_by_name(store: Store, name: str) -> dict[str, Any] | None:
    """The assignment called ``name`` at any scope (names are tenant-wide unique GUIDs)."""
    return next((d for d in store.list(ROLE_ASSIGNMENT_KIND) if d["name"].lower() == name), None)


def all_assignments(store: Store) -> list[dict[str, Any]]:
    """Every assignment document."""
    return store.list(ROLE_ASSIGNMENT_KIND)


def save(store: Store, doc: dict[str, Any]) -> None:
    """Insert or replace an assignment document."""
    store.put(ROLE_ASSIGNMENT_KIND, doc["id"], doc)


def delete(store: Store, scope: str, name: str) -> dict[str, Any] | None:
    """Remove an assignment; returns what was removed (None if absent)."""
    key = assignment_id(scope, name)
    doc = store.get(ROLE_ASSIGNMENT_KIND, key)
    if doc is not None:
        store.delete(ROLE_ASSIGNMENT_KIND, key)
    return doc


def delete_assignments_under(store: Store, scope: str) -> int:
    """Remove the role assignments at ``scope`` and below (its resource was deleted)."""
    doomed = [
        doc["id"]
        for doc in store.list(ROLE_ASSIGNMENT_KIND)
        if rbac.scope_covers(scope, doc["properties"]["scope"])
    ]
    for key in doomed:
        store.delete(ROLE_ASSIGNMENT_KIND, key)
    return len(doomed)


def visible_from(
    store: Store, scope: str, *, principal: str = "", at_scope_only: bool = False
) -> list[dict[str, Any]]:
    """Assignments at, above and (unless ``at_scope_only``) below ``scope``, optionally of one
    principal (lower-case object id)."""
    found = []
    for doc in store.list(ROLE_ASSIGNMENT_KIND):
        props = doc["properties"]
        if principal and str(props["principalId"]).lower() != principal:
            continue
        above = rbac.scope_covers(props["scope"], scope)
        below = rbac.scope_covers(scope, props["scope"])
        if above or (below and not at_scope_only):
            found.append(doc)
    return found
