"""Microsoft.Authorization wire handlers: built-in role definitions and role assignments at
any scope (api-version 2022-04-01 behaviour; any api-version is accepted).

Thin: authorize, parse, call ``rules``/``storage``, render. Models are in ``models.py``.
"""

from __future__ import annotations

from aiohttp import web

from emulator.arm import paging
from emulator.arm.deserialize import coerce
from emulator.authorization import rbac, roles, rules, scopes, storage
from emulator.authorization.fields import ROLE_ASSIGNMENT_FIELDS
from emulator.authorization.models import RoleAssignmentRequest
from emulator.entra import replication
from emulator.errors import bad_request, not_found
from emulator.http import RequestContext, Route, empty_response, json_response

_SCOPE = r"(?P<scope>(?:/[^/]+)*?)"
_AUTHZ = r"/providers/Microsoft\.Authorization"


# -- role definitions ----------------------------------------------------------------------
async def list_role_definitions(ctx: RequestContext) -> web.Response:
    """``GET {scope}/providers/Microsoft.Authorization/roleDefinitions[?$filter=...]``."""
    scope = _read_scope(ctx, "Microsoft.Authorization/roleDefinitions/read")
    raw = ctx.query("$filter")
    try:
        clauses = rules.parse_filter(raw)
    except ValueError:
        clauses = [("invalid", "")]
    found = list(roles.BUILT_IN_ROLES)
    for name, value in clauses:
        if name == "rolename":
            found = [r for r in found if r.name.lower() == value.lower()]
        elif name == "type":
            found = [r for r in found if r.role_type.lower() == value.lower()]
        elif name != "atscope":
            raise rules.unsupported_filter(str(raw), "roleName eq '{name}', type eq '{type}'")
    sub = rbac.subscription_of(scope)
    return json_response({"value": [role.wire(sub) for role in found]})


async def get_role_definition(ctx: RequestContext) -> web.Response:
    """``GET {scope}/providers/Microsoft.Authorization/roleDefinitions/{id}`` (and get_by_id)."""
    scope = _read_scope(ctx, "Microsoft.Authorization/roleDefinitions/read")
    guid = ctx.params["name"]
    if not rbac.GUID.fullmatch(guid):
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
    name = rules.assignment_name(ctx.params["name"])
    doc = storage.get(ctx.store, scope, name)
    if doc is None:
        raise not_found("RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
    return json_response(doc)


async def delete_role_assignment(ctx: RequestContext) -> web.Response:
    """``DELETE ...roleAssignments/{guid}``: 200 with the deleted assignment, 204 if absent."""
    scope = rbac.resolve_scope(ctx, ctx.params["scope"])
    rbac.authorize(ctx, "Microsoft.Authorization/roleAssignments/delete", scope)
    name = rules.assignment_name(ctx.params["name"])
    with ctx.store.transaction():
        doc = storage.delete(ctx.store, scope, name)
    return empty_response(204) if doc is None else json_response(doc)


async def put_role_assignment(ctx: RequestContext) -> web.Response:
    """``PUT ...roleAssignments/{guid}``: 201 created, 200 when re-PUT with the same content.

    The scope must exist (404 ``ResourceGroupNotFound`` / ``ResourceNotFound``, see scopes).
    """
    scope = rbac.resolve_scope(ctx, ctx.params["scope"])
    rbac.authorize(ctx, "Microsoft.Authorization/roleAssignments/write", scope)
    scopes.require_existing(ctx.store, scope)
    name = rules.assignment_name(ctx.params["name"])
    body = coerce(await ctx.json_object(), ROLE_ASSIGNMENT_FIELDS)
    request = RoleAssignmentRequest.from_body(body, scope)
    with ctx.store.transaction():
        assignment, created = rules.create_or_update(ctx, scope, name, request)
    return json_response(assignment.to_json(), status=201 if created else 200)


async def list_role_assignments(ctx: RequestContext) -> web.Response:
    """``GET {scope}/providers/Microsoft.Authorization/roleAssignments[?$filter=...]``.

    Without ``atScope()``: assignments at, above and below the scope (Azure's list_for_scope);
    with it: at and above. ``principalId eq`` / ``assignedTo()`` narrow to one principal.
    """
    scope = rbac.resolve_scope(ctx, ctx.params["scope"])
    rbac.authorize(ctx, "Microsoft.Authorization/roleAssignments/read", scope)
    raw = ctx.query("$filter")
    try:
        clauses = dict(rules.parse_filter(raw))
    except ValueError:
        clauses = {"invalid": ""}
    if set(clauses) - {"atscope", "principalid", "assignedto"}:
        raise rules.unsupported_filter(
            str(raw), "atScope(), principalId eq '{id}', assignedTo('{id}'), combined with 'and'"
        )
    principal = (clauses.get("principalid") or clauses.get("assignedto") or "").lower()
    found = storage.visible_from(
        ctx.store, scope, principal=principal, at_scope_only="atscope" in clauses
    )
    return paging.paged_response(ctx, found)


ROUTES = [
    Route("GET", _SCOPE + _AUTHZ + r"/roleDefinitions", list_role_definitions),
    Route("GET", _SCOPE + _AUTHZ + r"/roleDefinitions/(?P<name>[^/]+)", get_role_definition),
    Route("GET", _SCOPE + _AUTHZ + r"/roleAssignments", list_role_assignments),
    Route("GET", _SCOPE + _AUTHZ + r"/roleAssignments/(?P<name>[^/]+)", get_role_assignment),
    Route("PUT", _SCOPE + _AUTHZ + r"/roleAssignments/(?P<name>[^/]+)", put_role_assignment),
    Route("DELETE", _SCOPE + _AUTHZ + r"/roleAssignments/(?P<name>[^/]+)", delete_role_assignment),
    *replication.ROUTES,
]
