"""Microsoft.Authorization: built-in role definitions and role assignments at any scope.

Wire behaviour follows api-version 2022-04-01 (any api-version is accepted). Role
assignments are stored by id (kind ``roleAssignment``) in the shape ARM serves, the same
shape ``emulator.seed`` writes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from aiohttp import web

from emulator import clock
from emulator.arm import paging
from emulator.arm.deserialize import coerce
from emulator.authorization import rbac, roles, scopes
from emulator.authorization.fields import PRINCIPAL_TYPES, ROLE_ASSIGNMENT_FIELDS
from emulator.entra import principals, replication
from emulator.entra.replication import is_replicated
from emulator.errors import ServiceError, bad_request, conflict, not_found
from emulator.http import RequestContext, Route, empty_response, json_response
from emulator.seed import ROLE_ASSIGNMENT_KIND
from emulator.store import Store

_GUID = rbac.GUID
_SCOPE = r"(?P<scope>(?:/[^/]+)*?)"
_AUTHZ = r"/providers/Microsoft\.Authorization"
_ASSIGNMENTS_PATH = "/providers/Microsoft.Authorization/roleAssignments/"
_ROLE_DEF_ID = re.compile(
    r"(?:/subscriptions/(?P<sub>[^/]+))?/providers/Microsoft\.Authorization/roleDefinitions/"
    r"(?P<guid>[^/]+)",
    re.I,
)
_STR_FIELDS = (
    "principalType",
    "description",
    "condition",
    "conditionVersion",
    "delegatedManagedIdentityResourceId",
    "scope",
)


def _assignment_id(scope: str, name: str) -> str:
    return f"{'' if scope == '/' else scope}{_ASSIGNMENTS_PATH}{name}"


# -- $filter -------------------------------------------------------------------------------
_CLAUSE = re.compile(
    r"\s*(?:(?P<at>atScope\(\))|(?P<field>\w+)\s+eq\s+'(?P<value>(?:[^']|'')*)'"
    r"|assignedTo\('(?P<assigned>[^']*)'\))\s*",
    re.I,
)


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


def _unsupported_filter(raw: str, supported: str) -> ServiceError:
    return bad_request(
        "UnsupportedQuery", f"The filter '{raw}' is not supported. Supported filters: {supported}."
    )


# -- role definitions ----------------------------------------------------------------------
async def list_role_definitions(ctx: RequestContext) -> web.Response:
    """``GET {scope}/providers/Microsoft.Authorization/roleDefinitions[?$filter=...]``."""
    scope = _read_scope(ctx, "Microsoft.Authorization/roleDefinitions/read")
    raw = ctx.query("$filter")
    try:
        clauses = parse_filter(raw)
    except ValueError:
        clauses = [("invalid", "")]
    found = list(roles.BUILT_IN_ROLES)
    for name, value in clauses:
        if name == "rolename":
            found = [r for r in found if r.name.lower() == value.lower()]
        elif name == "type":
            found = [r for r in found if r.role_type.lower() == value.lower()]
        elif name != "atscope":
            raise _unsupported_filter(str(raw), "roleName eq '{name}', type eq '{type}'")
    sub = rbac.subscription_of(scope)
    return json_response({"value": [role.wire(sub) for role in found]})


async def get_role_definition(ctx: RequestContext) -> web.Response:
    """``GET {scope}/providers/Microsoft.Authorization/roleDefinitions/{id}`` (and get_by_id)."""
    scope = _read_scope(ctx, "Microsoft.Authorization/roleDefinitions/read")
    guid = ctx.params["name"]
    if not _GUID.fullmatch(guid):
        raise bad_request(
            "InvalidRoleDefinitionId", f"The role definition ID '{guid}' is not valid."
        )
    role = roles.by_guid(guid)
    if role is None:
        raise not_found(
            "RoleDefinitionDoesNotExist",
            f"The specified role definition with ID '{guid.lower()}' does not exist.",
        )
    return json_response(role.wire(rbac.subscription_of(scope)))


def _read_scope(ctx: RequestContext, action: str) -> str:
    # Built-in definitions are tenant metadata: readable by anyone at the root scope.
    scope = rbac.resolve_scope(ctx, ctx.params["scope"])
    if scope != "/" and not scope.lower().startswith("/providers/"):
        rbac.authorize(ctx, action, scope)
    return scope


# -- role assignments ----------------------------------------------------------------------
async def get_role_assignment(ctx: RequestContext) -> web.Response:
    """``GET {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}``."""
    scope = rbac.resolve_scope(ctx, ctx.params["scope"])
    rbac.authorize(ctx, "Microsoft.Authorization/roleAssignments/read", scope)
    name = _assignment_name(ctx.params["name"])
    doc = ctx.store.get(ROLE_ASSIGNMENT_KIND, _assignment_id(scope, name))
    if doc is None:
        raise not_found("RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
    return json_response(doc)


async def delete_role_assignment(ctx: RequestContext) -> web.Response:
    """``DELETE ...roleAssignments/{guid}``: 200 with the deleted assignment, 204 if absent."""
    scope = rbac.resolve_scope(ctx, ctx.params["scope"])
    rbac.authorize(ctx, "Microsoft.Authorization/roleAssignments/delete", scope)
    name = _assignment_name(ctx.params["name"])
    key = _assignment_id(scope, name)
    with ctx.store.transaction():
        doc = ctx.store.get(ROLE_ASSIGNMENT_KIND, key)
        if doc is None:
            return empty_response(204)
        ctx.store.delete(ROLE_ASSIGNMENT_KIND, key)
    return json_response(doc)


async def put_role_assignment(ctx: RequestContext) -> web.Response:
    """``PUT ...roleAssignments/{guid}``: 201 created, 200 when re-PUT with the same content.

    The scope must exist (404 ``ResourceGroupNotFound`` / ``ResourceNotFound``, see scopes).
    """
    scope = rbac.resolve_scope(ctx, ctx.params["scope"])
    rbac.authorize(ctx, "Microsoft.Authorization/roleAssignments/write", scope)
    scopes.require_existing(ctx.store, scope)
    name = _assignment_name(ctx.params["name"])
    body = coerce(await ctx.json_object(), ROLE_ASSIGNMENT_FIELDS)
    props = _assignment_properties(body, scope)
    role = _role_definition(ctx, props["roleDefinitionId"])
    _check_principal(ctx, props["principalId"], props.get("principalType"))
    with ctx.store.transaction():
        existing = _find_by_name(ctx.store, name)
        _check_conflicts(ctx.store, existing, name, scope, props["principalId"], role.guid)
        doc = _assignment_doc(ctx, scope, name, role, props, existing)
        ctx.store.put(ROLE_ASSIGNMENT_KIND, doc["id"], doc)
    return json_response(doc, status=200 if existing else 201)


async def list_role_assignments(ctx: RequestContext) -> web.Response:
    """``GET {scope}/providers/Microsoft.Authorization/roleAssignments[?$filter=...]``.

    Without ``atScope()``: assignments at, above and below the scope (Azure's list_for_scope);
    with it: at and above. ``principalId eq`` / ``assignedTo()`` narrow to one principal.
    """
    scope = rbac.resolve_scope(ctx, ctx.params["scope"])
    rbac.authorize(ctx, "Microsoft.Authorization/roleAssignments/read", scope)
    raw = ctx.query("$filter")
    try:
        clauses = dict(parse_filter(raw))
    except ValueError:
        clauses = {"invalid": ""}
    if set(clauses) - {"atscope", "principalid", "assignedto"}:
        raise _unsupported_filter(
            str(raw), "atScope(), principalId eq '{id}', assignedTo('{id}'), combined with 'and'"
        )
    principal = (clauses.get("principalid") or clauses.get("assignedto") or "").lower()
    found = []
    for doc in ctx.store.list(ROLE_ASSIGNMENT_KIND):
        props = doc["properties"]
        if principal and str(props["principalId"]).lower() != principal:
            continue
        above = rbac.scope_covers(props["scope"], scope)
        below = rbac.scope_covers(scope, props["scope"])
        if above or (below and "atscope" not in clauses):
            found.append(doc)
    return paging.paged_response(ctx, found)


def _assignment_name(name: str) -> str:
    if not _GUID.fullmatch(name):
        raise bad_request(
            "InvalidRoleAssignmentId",
            f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
        )
    return name.lower()


def _assignment_properties(body: dict[str, Any], scope: str) -> dict[str, Any]:
    props = body.get("properties")
    if not isinstance(props, dict):
        if props is None:
            raise _missing("properties")
        raise _wrong_type("properties", "an object")
    for required in ("roleDefinitionId", "principalId"):
        if props.get(required) is None:
            raise _missing(f"properties.{required}")
    for name in ("roleDefinitionId", "principalId", *_STR_FIELDS):
        if props.get(name) is not None and not isinstance(props[name], str):
            raise _wrong_type(f"properties.{name}", "a string")
    if not _GUID.fullmatch(props["principalId"]):
        raise bad_request(
            "InvalidPrincipalId", "A valid principal ID must be provided for role assignment."
        )
    if props.get("scope") and rbac.canonical_scope(props["scope"]).lower() != scope.lower():
        raise bad_request(
            "InvalidCreateRoleAssignmentRequest",
            f"The request to create role assignment is not valid. Role assignment scope "
            f"'{props['scope']}' must match the scope specified on the URI '{scope}'.",
        )
    kind = props.get("principalType")
    if kind is not None:
        canonical = next((t for t in PRINCIPAL_TYPES if t.lower() == kind.lower()), None)
        if canonical is None:
            raise bad_request(
                "InvalidRequestContent",
                f"The request content was invalid and could not be deserialized: 'Requested "
                f"value '{kind}' was not found. Valid principal types: "
                f"{', '.join(PRINCIPAL_TYPES)}.'",
            )
        props = {**props, "principalType": canonical}
    return {**props, "principalId": props["principalId"].lower()}


def _missing(field: str) -> ServiceError:
    return bad_request(
        "MissingRequiredProperty", f"The required property '{field}' is missing.", target=field
    )


def _wrong_type(field: str, expected: str) -> ServiceError:
    return bad_request(
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: "
        f"'{field}' must be {expected}.",
        target=field,
    )


def _role_definition(ctx: RequestContext, role_definition_id: str) -> roles.RoleDefinition:
    match = _ROLE_DEF_ID.fullmatch(role_definition_id.strip())
    if match is None or not _GUID.fullmatch(match["guid"]):
        raise bad_request(
            "InvalidRoleDefinitionId",
            f"The role definition ID '{role_definition_id}' is not valid.",
        )
    role = roles.by_guid(match["guid"])
    ours = str(ctx.store.get_meta("subscription_id")).lower()
    if role is None or (match["sub"] and match["sub"].lower() != ours):
        raise bad_request(
            "RoleDefinitionDoesNotExist",
            f"The specified role definition with ID '{match['guid'].lower()}' does not exist.",
        )
    return role


def _check_principal(ctx: RequestContext, principal_id: str, principal_type: str | None) -> None:
    """Entra lookup, skipped when ``principalType`` is given (as Azure does)."""
    record = principals.by_object_id(ctx.store, principal_id)
    visible = record is not None and is_replicated(ctx.store, principal_id, clock.now())
    if principal_type is None and not visible:
        tenant = ctx.store.get_meta("tenant_id")
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


def _find_by_name(store: Store, name: str) -> dict[str, Any] | None:
    return next((d for d in store.list(ROLE_ASSIGNMENT_KIND) if d["name"].lower() == name), None)


def _check_conflicts(
    store: Store,
    existing: dict[str, Any] | None,
    name: str,
    scope: str,
    principal_id: str,
    role_guid: str,
) -> None:
    if existing is not None:
        props = existing["properties"]
        if (
            props["scope"].lower() != scope.lower()
            or props["principalId"].lower() != principal_id
            or roles.guid_of(props["roleDefinitionId"]) != role_guid
        ):
            raise conflict(
                "RoleAssignmentUpdateNotPermitted",
                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
            )
        return
    for doc in store.list(ROLE_ASSIGNMENT_KIND):
        props = doc["properties"]
        if (
            props["scope"].lower() == scope.lower()
            and props["principalId"].lower() == principal_id
            and roles.guid_of(props["roleDefinitionId"]) == role_guid
        ):
            raise conflict("RoleAssignmentExists", "The role assignment already exists.")


def _assignment_doc(
    ctx: RequestContext,
    scope: str,
    name: str,
    role: roles.RoleDefinition,
    props: dict[str, Any],
    existing: dict[str, Any] | None,
) -> dict[str, Any]:
    now = _now()
    caller = ctx.principal.object_id if ctx.principal else None
    before = existing["properties"] if existing else {}
    sub = ctx.store.get_meta("subscription_id")
    return {
        "id": _assignment_id(scope, name),
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"/subscriptions/{sub}{roles.ROLE_DEFINITIONS_PATH}{role.guid}",
            "principalId": props["principalId"],
            "principalType": props.get("principalType")
            or before.get("principalType")
            or "ServicePrincipal",
            "scope": scope,
            "condition": props.get("condition"),
            "conditionVersion": props.get("conditionVersion"),
            "createdOn": before.get("createdOn", now),
            "updatedOn": now,
            "createdBy": before.get("createdBy", caller),
            "updatedBy": caller,
            "delegatedManagedIdentityResourceId": props.get("delegatedManagedIdentityResourceId"),
            "description": props.get("description"),
        },
    }


def _now() -> str:
    return dt.datetime.fromtimestamp(clock.now(), dt.UTC).isoformat().replace("+00:00", "Z")


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


ROUTES = [
    Route("GET", _SCOPE + _AUTHZ + r"/roleDefinitions", list_role_definitions),
    Route("GET", _SCOPE + _AUTHZ + r"/roleDefinitions/(?P<name>[^/]+)", get_role_definition),
    Route("GET", _SCOPE + _AUTHZ + r"/roleAssignments", list_role_assignments),
    Route("GET", _SCOPE + _AUTHZ + r"/roleAssignments/(?P<name>[^/]+)", get_role_assignment),
    Route("PUT", _SCOPE + _AUTHZ + r"/roleAssignments/(?P<name>[^/]+)", put_role_assignment),
    Route("DELETE", _SCOPE + _AUTHZ + r"/roleAssignments/(?P<name>[^/]+)", delete_role_assignment),
    *replication.ROUTES,
]
