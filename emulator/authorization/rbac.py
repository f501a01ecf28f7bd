"""Role-based access control: who may do what where (ARM actions and data actions).

Azure's model: a principal holds role assignments at scopes; an assignment applies to its
scope and everything below it. A role grants an action when one of its ``actions`` matches
and none of its ``notActions`` does (``*`` matches any run of characters, case-insensitive);
the effective permission is the union over all applicable assignments. Data actions work
the same with ``dataActions``/``notDataActions``. Role assignments are stored by
``emulator.seed`` as kind ``roleAssignment`` in ARM wire shape.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from typing import Any

from emulator import errors
from emulator.authorization import roles
from emulator.http import RequestContext
from emulator.seed import ROLE_ASSIGNMENT_KIND
from emulator.store import Store

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
GRANTED = "granted"
PROPAGATING = "propagating"
DENIED = "denied"

# Roles suggested in error messages, least privileged first.
_SUGGESTION_ORDER = (
    roles.OPENAI_USER,
    roles.COGNITIVE_SERVICES_USER,
    roles.OPENAI_CONTRIBUTOR,
    roles.READER,
    roles.COGNITIVE_SERVICES_CONTRIBUTOR,
    roles.CONTRIBUTOR,
    roles.USER_ACCESS_ADMINISTRATOR,
    roles.OWNER,
)

_CANONICAL_SEGMENTS = {
    name.lower(): name
    for name in (
        "subscriptions",
        "resourceGroups",
        "providers",
        "Microsoft.Authorization",
        "Microsoft.CognitiveServices",
        "Microsoft.Management",
        "Microsoft.Resources",
        "accounts",
        "deployments",
        "managementGroups",
        "roleAssignments",
        "roleDefinitions",
    )
}


# -- matching ------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def _pattern(permission: str) -> re.Pattern[str]:
    parts = (re.escape(part) for part in permission.split("*"))
    return re.compile(".*".join(parts), re.IGNORECASE)


def action_matches(permission: str, action: str) -> bool:
    """Whether a role permission (``Microsoft.CognitiveServices/*/read``) covers ``action``."""
    return _pattern(permission).fullmatch(action) is not None


def _any_match(permissions: Iterable[str], action: str) -> bool:
    return any(action_matches(p, action) for p in permissions)


def role_permits(role: roles.RoleDefinition, action: str, *, data: bool = False) -> bool:
    """Whether one role grants ``action`` (a data action when ``data``)."""
    if data:
        return _any_match(role.data_actions, action) and not _any_match(
            role.not_data_actions, action
        )
    return _any_match(role.actions, action) and not _any_match(role.not_actions, action)


def canonical_scope(scope: str) -> str:
    """A scope with ARM's canonical casing of fixed segments and no trailing slash.

    Names chosen by users keep their casing; the subscription GUID is lower-cased.
    """
    segments = [s for s in scope.strip().split("/") if s]
    if not segments:
        return "/"
    out = []
    for index, segment in enumerate(segments):
        previous = segments[index - 1].lower() if index else ""
        if previous == "subscriptions":
            out.append(segment.lower())
        else:
            out.append(_CANONICAL_SEGMENTS.get(segment.lower(), segment))
    return "/" + "/".join(out)


def scope_covers(assignment_scope: str, target_scope: str) -> bool:
    """Whether an assignment at ``assignment_scope`` applies at ``target_scope`` (inheritance).

    Compared case-insensitively on segment boundaries: ``/subscriptions/a/resourceGroups/rg``
    covers ``.../rg/providers/...`` but not ``.../rg2``.
    """
    outer = canonical_scope(assignment_scope).lower()
    inner = canonical_scope(target_scope).lower()
    return outer == "/" or inner == outer or inner.startswith(outer + "/")


# -- scopes from URLs ---------------------------------------------------------------------
def resolve_scope(ctx: RequestContext, raw: str) -> str:
    """Validate a scope from the URL and return it in canonical casing.

    Accepted: ``/`` (tenant root), management groups, and the subscription, its resource
    groups and resources; another subscription is 404 ``SubscriptionNotFound``.
    """
    parts = [p for p in raw.split("/") if p]
    if not parts:
        return "/"
    head = parts[0].lower()
    if head == "providers" and len(parts) == 4 and parts[1].lower() == "microsoft.management":
        return canonical_scope(raw)
    if head != "subscriptions" or len(parts) < 2:
        raise errors.bad_request(
            "MissingSubscription",
            "The request did not have a subscription or a valid tenant level resource provider.",
        )
    check_subscription(ctx, parts[1])
    rest = [p.lower() for p in parts[2:]]
    if rest[:1] == ["resourcegroups"]:
        rest = rest[2:] if len(rest) >= 2 else ["?"]
    if rest and (rest[0] != "providers" or len(rest) < 4 or len(rest) % 2):
        raise errors.bad_request("InvalidScope", f"The scope '{raw}' is not a valid Azure scope.")
    return canonical_scope(raw)


def check_subscription(ctx: RequestContext, subscription_id: str) -> None:
    """400 for a malformed subscription id, 404 for one this emulator does not hold."""
    if not GUID.fullmatch(subscription_id):
        raise errors.bad_request(
            "InvalidSubscriptionId",
            f"The provided subscription identifier '{subscription_id}' is malformed or invalid.",
        )
    if subscription_id.lower() != str(ctx.store.get_meta("subscription_id")).lower():
        raise errors.not_found(
            "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found."
        )


def subscription_of(scope: str) -> str | None:
    """The subscription id in a scope, if any."""
    parts = [p for p in scope.split("/") if p]
    return parts[1] if len(parts) >= 2 and parts[0].lower() == "subscriptions" else None


# -- assignments ---------------------------------------------------------------------------
def assignments_of(store: Store, principal_id: str) -> list[dict[str, Any]]:
    """Every stored role assignment (wire JSON) held by the principal, at any scope."""
    wanted = principal_id.lower()
    return [
        doc
        for doc in store.list(ROLE_ASSIGNMENT_KIND)
        if str(doc["properties"].get("principalId", "")).lower() == wanted
    ]


def role_of(assignment: dict[str, Any]) -> roles.RoleDefinition | None:
    """The role definition an assignment refers to (None if unknown)."""
    return roles.by_guid(roles.guid_of(str(assignment["properties"].get("roleDefinitionId", ""))))


def created_at(assignment: dict[str, Any]) -> float:
    """``properties.createdOn`` as a POSIX timestamp (0 when missing or unparsable)."""
    raw = assignment["properties"].get("createdOn")
    try:
        parsed = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


def is_granted(store: Store, principal_id: str, action: str, scope: str) -> bool:
    """Whether the principal's role assignments grant the management ``action`` at ``scope``."""
    for assignment in assignments_of(store, principal_id):
        role = role_of(assignment)
        if (
            role is not None
            and scope_covers(assignment["properties"]["scope"], scope)
            and role_permits(role, action)
        ):
            return True
    return False


def authorization_failed(
    client: str, object_id: str, action: str, scope: str
) -> errors.ServiceError:
    """ARM's 403 for a caller whose roles do not grant ``action`` at ``scope``."""
    return errors.ServiceError(
        403,
        "AuthorizationFailed",
        f"The client '{client}' with object id '{object_id}' does not have authorization to "
        f"perform action '{action}' over scope '{scope}' or the scope is invalid. If access "
        "was recently granted, please refresh your credentials.",
    )


def authorize(ctx: RequestContext, action: str, scope: str) -> None:
    """Raise 403 ``AuthorizationFailed`` unless the caller's roles grant ``action`` at ``scope``."""
    principal = ctx.principal
    if principal is None:
        raise errors.authentication_missing()
    if not is_granted(ctx.store, principal.object_id, action, scope):
        raise authorization_failed(principal.client_id, principal.object_id, action, scope)


# -- data plane ----------------------------------------------------------------------------
def data_access(
    store: Store,
    principal_id: str,
    scope: str,
    action: str,
    now: float,
    propagation_seconds: float = 0.0,
) -> str:
    """``GRANTED``, ``PROPAGATING`` (granted by an assignment still within the propagation
    delay) or ``DENIED`` for a data action at ``scope``."""
    pending = False
    for assignment in assignments_of(store, principal_id):
        role = role_of(assignment)
        if role is None or not scope_covers(assignment["properties"]["scope"], scope):
            continue
        if not role_permits(role, action, data=True):
            continue
        if now - created_at(assignment) >= propagation_seconds:
            return GRANTED
        pending = True
    return PROPAGATING if pending else DENIED


def has_data_action(
    store: Store,
    principal_id: str,
    scope: str,
    action: str,
    now: float,
    propagation_seconds: float = 0.0,
) -> bool:
    """Whether the principal holds an *effective* assignment granting the data action at scope.

    An assignment becomes effective ``propagation_seconds`` after its ``createdOn``.
    """
    return data_access(store, principal_id, scope, action, now, propagation_seconds) == GRANTED


def role_granting(action: str, *, data: bool = False) -> str | None:
    """The name of the least-privileged built-in role that grants ``action``, for messages."""
    for role in _SUGGESTION_ORDER:
        if role_permits(role, action, data=data):
            return role.name
    return None
