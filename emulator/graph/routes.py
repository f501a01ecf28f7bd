"""Microsoft Graph v1.0 routes: service principals, applications, directory objects, users, groups.

Every call needs an Entra token whose audience is Graph: this emulator's Graph resource
(``{emulator}/graph``, what the cloud metadata advertises and the Azure CLI asks for), the public
``https://graph.microsoft.com`` or Graph's application id. Every principal of the emulated tenant
may read the directory (as if granted ``Application.Read.All``).
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from emulator.entra import principals
from emulator.entra.tokens import TokenError, TokenService
from emulator.errors import ServiceError
from emulator.graph import directory
from emulator.graph.errors import GraphError, bad_request, not_found, unauthenticated
from emulator.graph.filters import FilterError, compile_filter
from emulator.http import RequestContext, Route, json_response

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
PUBLIC_GRAPH = "https://graph.microsoft.com"
_VERSION = r"/graph/(?P<version>v1\.0|beta)"
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_MAX_IDS = 1000
_WRITES = ("POST", "PUT", "PATCH", "DELETE")


def graph_audiences(base_url: str) -> list[str]:
    """Audiences a Graph token may carry here."""
    return [base_url + "/graph", PUBLIC_GRAPH, GRAPH_APP_ID]


def _authenticate(ctx: RequestContext) -> principals.PrincipalRecord:
    header = ctx.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header or not token.strip():
        raise unauthenticated("Access token is empty.")
    if scheme.lower() != "bearer":
        raise unauthenticated("Access token validation failure. Invalid authorization scheme.")
    tokens: TokenService = ctx.services["tokens"]
    try:
        claims = tokens.verify(token.strip(), graph_audiences(ctx.base_url))
    except TokenError as exc:
        if "expired" in str(exc):
            raise unauthenticated("Lifetime validation failed, the token is expired.") from None
        if "audience" in str(exc):
            raise unauthenticated("Access token validation failure. Invalid audience.") from None
        raise unauthenticated("Access token validation failure.") from None
    record = principals.by_object_id(ctx.store, claims.object_id)
    if record is None:
        raise unauthenticated("Access token validation failure. The principal no longer exists.")
    return record


def _context_url(ctx: RequestContext, fragment: str) -> str:
    return f"{ctx.base_url}/graph/{ctx.params['version']}/$metadata#{fragment}"


def _select(ctx: RequestContext, entity: dict[str, Any]) -> dict[str, Any]:
    chosen = ctx.query("$select")
    if not chosen:
        return entity
    wanted = {name.strip().lower() for name in chosen.split(",") if name.strip()}
    return {k: v for k, v in entity.items() if k.lower() in wanted or k.startswith("@odata.")}


def _collection(
    ctx: RequestContext, entities: list[dict[str, Any]], entity_name: str, filters: dict[str, str]
) -> web.Response:
    """Answer a list call with ``$filter``, ``$top``, ``$select`` and ``$count`` applied."""
    _authenticate(ctx)
    text = ctx.query("$filter")
    if text:
        try:
            predicate = compile_filter(text, entity_name, filters)
        except FilterError as exc:
            raise bad_request(exc.code, exc.message) from None
        entities = [e for e in entities if predicate(e)]
    total = len(entities)
    top = ctx.query("$top")
    if top is not None:
        if not top.isdigit() or not 1 <= int(top) <= 999:
            raise bad_request("Request_BadRequest", f"Invalid page size specified: '{top}'.")
        entities = entities[: int(top)]
    body: dict[str, Any] = {"@odata.context": _context_url(ctx, ctx.path.rsplit("/", 1)[-1])}
    if (ctx.query("$count") or "").lower() == "true":
        body["@odata.count"] = total
    body["value"] = [_select(ctx, e) for e in entities]
    return json_response(body)


def _check_id(object_id: str) -> None:
    if not _GUID.fullmatch(object_id):
        raise bad_request("Request_BadRequest", f"Invalid object identifier '{object_id}'.")


async def list_service_principals(ctx: RequestContext) -> web.Response:
    """``GET /servicePrincipals`` (``$filter`` on appId, displayName, servicePrincipalNames...)."""
    return _collection(
        ctx,
        directory.service_principals(ctx.store),
        "ServicePrincipal",
        directory.SERVICE_PRINCIPAL_FILTERS,
    )


def _one(
    ctx: RequestContext, entities: list[dict[str, Any]], entity_set: str, key: str, value: str
) -> web.Response:
    match = next((e for e in entities if e[key].lower() == value.lower()), None)
    if match is None:
        raise not_found(value)
    body = {"@odata.context": _context_url(ctx, f"{entity_set}/$entity"), **match}
    return json_response(_select(ctx, body))


def _one_service_principal(ctx: RequestContext, key: str, value: str) -> web.Response:
    return _one(ctx, directory.service_principals(ctx.store), "servicePrincipals", key, value)


async def list_applications(ctx: RequestContext) -> web.Response:
    """``GET /applications`` (``$filter`` on appId, displayName, identifierUris...)."""
    return _collection(
        ctx, directory.applications(ctx.store), "Application", directory.APPLICATION_FILTERS
    )


async def get_application(ctx: RequestContext) -> web.Response:
    """``GET /applications/{id}`` (the application's own object id)."""
    _authenticate(ctx)
    _check_id(ctx.params["id"])
    return _one(ctx, directory.applications(ctx.store), "applications", "id", ctx.params["id"])


async def get_application_by_app_id(ctx: RequestContext) -> web.Response:
    """``GET /applications(appId='{appId}')``."""
    _authenticate(ctx)
    apps = directory.applications(ctx.store)
    return _one(ctx, apps, "applications", "appId", ctx.params["app_id"])


async def me(ctx: RequestContext) -> web.Response:
    """``GET /me``: every emulated identity is an app, so Graph's app-only answer."""
    _authenticate(ctx)
    raise bad_request("BadRequest", "/me request is only valid with delegated authentication flow.")


async def get_service_principal(ctx: RequestContext) -> web.Response:
    """``GET /servicePrincipals/{id}`` (object id)."""
    _authenticate(ctx)
    _check_id(ctx.params["id"])
    return _one_service_principal(ctx, "id", ctx.params["id"])


async def get_service_principal_by_app_id(ctx: RequestContext) -> web.Response:
    """``GET /servicePrincipals(appId='{appId}')`` (Graph's alternate key)."""
    _authenticate(ctx)
    return _one_service_principal(ctx, "appId", ctx.params["app_id"])


async def list_users(ctx: RequestContext) -> web.Response:
    """``GET /users``."""
    return _collection(ctx, directory.users(ctx.store), "User", directory.USER_FILTERS)


async def list_groups(ctx: RequestContext) -> web.Response:
    """``GET /groups``."""
    return _collection(ctx, directory.groups(ctx.store), "Group", directory.GROUP_FILTERS)


async def get_user(ctx: RequestContext) -> web.Response:
    """``GET /users/{id or userPrincipalName}``: the tenant has no users."""
    _authenticate(ctx)
    raise not_found(ctx.params["id"])


async def get_directory_object(ctx: RequestContext) -> web.Response:
    """``GET /directoryObjects/{id}``."""
    _authenticate(ctx)
    _check_id(ctx.params["id"])
    found = directory.directory_objects(ctx.store).get(ctx.params["id"].lower())
    if found is None:
        raise not_found(ctx.params["id"])
    body = {"@odata.context": _context_url(ctx, "directoryObjects/$entity"), **found}
    return json_response(_select(ctx, body))


async def get_by_ids(ctx: RequestContext) -> web.Response:
    """``POST /directoryObjects/getByIds``: ``{"ids": [...], "types": [...]}``; unknown ids are
    left out, as Graph does."""
    _authenticate(ctx)
    body = await _graph_json(ctx)
    ids, types = body.get("ids"), body.get("types")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise bad_request("Request_BadRequest", "The 'ids' property must be a list of strings.")
    if len(ids) > _MAX_IDS:
        raise bad_request("Request_BadRequest", f"At most {_MAX_IDS} ids can be resolved at once.")
    wanted_types = None
    if types is not None:
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise bad_request(
                "Request_BadRequest", "The 'types' property must be a list of strings."
            )
        wanted_types = {t.lower().removeprefix("#microsoft.graph.") for t in types}
    objects = directory.directory_objects(ctx.store)
    found = []
    for object_id in ids:
        entity = objects.get(object_id.lower())
        kind = (
            str(entity["@odata.type"]).removeprefix("#microsoft.graph.").lower() if entity else ""
        )
        if entity is not None and (wanted_types is None or kind in wanted_types):
            found.append(_select(ctx, entity))
    return json_response({"@odata.context": _context_url(ctx, "directoryObjects"), "value": found})


async def _graph_json(ctx: RequestContext) -> dict[str, Any]:
    try:
        return await ctx.json_object()
    except GraphError:
        raise
    except ServiceError as exc:  # ARM-shaped JSON errors become Graph-shaped ones
        raise bad_request("BadRequest", exc.message) from None


async def unknown_segment(ctx: RequestContext) -> web.Response:
    """Any other GET: Graph's answer for a path it does not know."""
    _authenticate(ctx)
    segment = ctx.path.rstrip("/").rsplit("/", 1)[-1]
    raise bad_request("BadRequest", f"Resource not found for the segment '{segment}'.")


async def read_only(ctx: RequestContext) -> web.Response:
    """Writes: the emulated directory is read-only (as for a caller with read permissions)."""
    _authenticate(ctx)
    raise GraphError(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


ROUTES = [
    Route("GET", _VERSION + r"/servicePrincipals", list_service_principals, "graph"),
    Route(
        "GET",
        _VERSION + r"/servicePrincipals\(appId='(?P<app_id>[^']*)'\)",
        get_service_principal_by_app_id,
        "graph",
    ),
    Route("GET", _VERSION + r"/servicePrincipals/(?P<id>[^/]+)", get_service_principal, "graph"),
    Route("GET", _VERSION + r"/applications", list_applications, "graph"),
    Route(
        "GET",
        _VERSION + r"/applications\(appId='(?P<app_id>[^']*)'\)",
        get_application_by_app_id,
        "graph",
    ),
    Route("GET", _VERSION + r"/applications/(?P<id>[^/]+)", get_application, "graph"),
    Route("GET", _VERSION + r"/me", me, "graph"),
    Route("GET", _VERSION + r"/users", list_users, "graph"),
    Route("GET", _VERSION + r"/users/(?P<id>[^/]+)", get_user, "graph"),
    Route("GET", _VERSION + r"/groups", list_groups, "graph"),
    Route("POST", _VERSION + r"/directoryObjects/getByIds", get_by_ids, "graph"),
    Route("GET", _VERSION + r"/directoryObjects/(?P<id>[^/]+)", get_directory_object, "graph"),
    # Last: whatever else reaches /graph answers in Graph's shape, never ARM's.
    Route("GET", r"/graph(?:/.*)?", unknown_segment, "graph"),
    *[Route(method, r"/graph(?:/.*)?", read_only, "graph") for method in _WRITES],
]
