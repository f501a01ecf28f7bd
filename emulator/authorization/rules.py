"""Role-assignment rules: names, ``$filter``, role and principal checks, conflicts, writes.

Rules take and return the typed models of ``models.py`` and raise Azure's errors; storage is
``storage.py``; ``handlers.py`` only translates HTTP.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from emulator import clock
from emulator.authorization import rbac, roles, storage
from emulator.authorization.models import RoleAssignment, RoleAssignmentRequest
from emulator.entra import principals
from emulator.entra.replication import is_replicated
from emulator.errors import ServiceError, bad_request, conflict
from emulator.http import RequestContext
from emulator.store import Store

_ROLE_DEF_ID = re.compile(
    r"(?:/subscriptions/(?P<sub>[^/]+))?/providers/Microsoft\.Authorization/roleDefinitions/"
    r"(?P<guid>[^/]+)",
    re.I,
)
_CLAUSE = re.compile(
    r"\s*(?:(?P<at>atScope\(\))|(?P<field>\w+)\s+eq\s+'(?P<value>(?:[^']|'')*)'"
    r"|assignedTo\('(?P<assigned>[^']*)'\))\s*",
    re.I,
)


def assignment_name(name: str) -> str:
    """The assignment's name (a GUID), lower-cased; 400 ``InvalidRoleAssignmentId`` otherwise."""
    if not rbac.GUID.fullmatch(name):
        raise bad_request(
            "InvalidRoleAssignmentId",
            f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
        )
    return name.lower()


def parse_filter(raw: str | None) -> list[tuple[str, str]]:
    """``atScope() and principalId eq 'x'`` -> ``[("atscope", ""), ("principalid", "x")]``.

    Raises ``ValueError`` for anything else.
    """
    if raw is None or not raw.strip():
        return []
    clauses = []
    for part in re.split(r"\s+and\s+", raw.strip(), flags=re.I):
        match = _CLAUSE.fullmatch(part)
        if match is None:
            raise ValueError(part)
        if match["at"]:
            clauses.append(("atscope", ""))
        elif match["assigned"] is not None:
            clauses.append(("assignedto", match["assigned"]))
        else:
            clauses.append((match["field"].lower(), match["value"].replace("''", "'")))
    return clauses


def unsupported_filter(raw: str, supported: str) -> ServiceError:
    """400 ``UnsupportedQuery``."""
    return bad_request(
        "UnsupportedQuery", f"The filter '{raw}' is not supported. Supported filters: {supported}."
    )


def resolve_role(store: Store, role_definition_id: str) -> roles.RoleDefinition:
    """The built-in role a ``roleDefinitionId`` names (in this subscription, or tenant-level)."""
    match = _ROLE_DEF_ID.fullmatch(role_definition_id.strip())
    if match is None or not rbac.GUID.fullmatch(match["guid"]):
        raise bad_request(
            "InvalidRoleDefinitionId",
            f"The role definition ID '{role_definition_id}' is not valid.",
        )
    role = roles.by_guid(match["guid"])
    ours = str(store.get_meta("subscription_id")).lower()
    if role is None or (match["sub"] and match["sub"].lower() != ours):
        raise bad_request(
            "RoleDefinitionDoesNotExist",
            f"The specified role definition with ID '{match['guid'].lower()}' does not exist.",
        )
    return role


def check_principal(store: Store, request: RoleAssignmentRequest) -> None:
    """Entra lookup, skipped when ``principalType`` is given (as Azure does)."""
    principal_id, principal_type = request.principal_id, request.principal_type
    record = principals.by_object_id(store, principal_id)
    visible = record is not None and is_replicated(store, principal_id, clock.now())
    if principal_type is None and not visible:
        tenant = store.get_meta("tenant_id")
        raise bad_request(
            "PrincipalNotFound",
            f"Principal {principal_id.replace('-', '')} does not exist in the directory "
            f"{tenant}. Check that you have the correct principal ID. If you are creating this "
            "principal and then immediately assigning a role, this error might be related to a "
            "replication delay. In this case, set the role assignment principalType property "
            "to a value, such as ServicePrincipal, User, or Group.  See "
            "https://aka.ms/docs-principaltype",
        )
    if principal_type is not None and visible and principal_type != "ServicePrincipal":
        raise bad_request(
            "UnmatchedPrincipalType",
            f"The PrincipalId '{principal_id.replace('-', '')}' has type 'ServicePrincipal' , "
            f"which is different from specified PrincipalType '{principal_type}'.",
        )


def _same_target(assignment: RoleAssignment, scope: str, principal: str, role: str) -> bool:
    return (
        assignment.scope.lower() == scope.lower()
        and assignment.principal_id.lower() == principal
        and roles.guid_of(assignment.role_definition_id) == role
    )


def check_conflicts(
    store: Store,
    existing: RoleAssignment | None,
    scope: str,
    request: RoleAssignmentRequest,
    role: roles.RoleDefinition,
) -> None:
    """409 when a re-PUT changes what cannot change, or another name holds the same grant."""
    if existing is not None:
        if not _same_target(existing, scope, request.principal_id, role.guid):
            raise conflict(
                "RoleAssignmentUpdateNotPermitted",
                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
            )
        return
    for doc in storage.all_assignments(store):
        if _same_target(RoleAssignment.from_json(doc), scope, request.principal_id, role.guid):
            raise conflict("RoleAssignmentExists", "The role assignment already exists.")


def create_or_update(
    ctx: RequestContext, scope: str, name: str, request: RoleAssignmentRequest
) -> tuple[RoleAssignment, bool]:
    """Validate and store an assignment; returns it and whether it was created."""
    role = resolve_role(ctx.store, request.role_definition_id)
    check_principal(ctx.store, request)
    found = storage.find_by_name(ctx.store, name)
    existing = None if found is None else RoleAssignment.from_json(found)
    check_conflicts(ctx.store, existing, scope, request, role)
    assignment = _assignment(ctx, scope, name, role, request, existing)
    storage.save(ctx.store, assignment.to_json())
    return assignment, existing is None


def _assignment(
    ctx: RequestContext,
    scope: str,
    name: str,
    role: roles.RoleDefinition,
    request: RoleAssignmentRequest,
    existing: RoleAssignment | None,
) -> RoleAssignment:
    now = _now()
    caller = ctx.principal.object_id if ctx.principal else None
    sub = ctx.store.get_meta("subscription_id")
    fresh = RoleAssignment(
        id=storage.assignment_id(scope, name),
        name=name,
        scope=scope,
        role_definition_id=f"/subscriptions/{sub}{roles.ROLE_DEFINITIONS_PATH}{role.guid}",
        principal_id=request.principal_id,
        principal_type=request.principal_type or "ServicePrincipal",
        created_on=now,
        updated_on=now,
        created_by=caller,
        updated_by=caller,
        description=request.description,
        condition=request.condition,
        condition_version=request.condition_version,
        delegated_managed_identity_resource_id=request.delegated_managed_identity_resource_id,
    )
    if existing is None:
        return fresh
    return replace(
        fresh,
        principal_type=request.principal_type or existing.principal_type,
        created_on=existing.created_on,
        created_by=existing.created_by,
    )


def _now() -> str:
    return dt.datetime.fromtimestamp(clock.now(), dt.UTC).isoformat().replace("+00:00", "Z")
