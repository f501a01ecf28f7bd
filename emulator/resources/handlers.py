"""Wire handlers for Microsoft.Resources resource groups (``$S/resourcegroups/{rg}``)."""

from __future__ import annotations

from aiohttp import web

from emulator.arm import common as rc
from emulator.arm import lro, paging
from emulator.authorization import rbac
from emulator.http import RequestContext, Route, empty_response, json_response
from emulator.resources import models as gm

_RG = "Microsoft.Resources/subscriptions/resourceGroups"


def _scope(sub: str, ctx: RequestContext) -> str:
    return rc.group_id(sub, ctx.params["rg"])


async def put_group(ctx: RequestContext) -> web.Response:
    """``PUT``: 201 created, 200 updated (not an LRO)."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_RG}/write", _scope(sub, ctx))
    gm.validate_name(ctx.params["rg"])
    request = gm.parse_put(await ctx.json_object())
    with ctx.store.transaction():
        doc, status = gm.put_group(ctx, sub, ctx.params["rg"], request)
    return json_response(gm.to_json(doc, rc.now()), status)


def _require(ctx: RequestContext, sub: str) -> dict:
    doc = gm.live(ctx, sub, ctx.params["rg"], rc.now())
    if doc is None:
        raise rc.group_not_found(ctx.params["rg"])
    return doc


async def get_group(ctx: RequestContext) -> web.Response:
    """``GET`` (and ``HEAD``: 204 when the group exists, 404 without a body otherwise)."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_RG}/read", _scope(sub, ctx))
    if ctx.request.method == "HEAD":
        exists = gm.live(ctx, sub, ctx.params["rg"], rc.now()) is not None
        return empty_response(204 if exists else 404)
    return json_response(gm.to_json(_require(ctx, sub), rc.now()))


async def patch_group(ctx: RequestContext) -> web.Response:
    """``PATCH``: tags and managedBy."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_RG}/write", _scope(sub, ctx))
    body = await ctx.json_object()
    with ctx.store.transaction():
        doc = gm.patch_group(ctx, _require(ctx, sub), body)
    return json_response(gm.to_json(doc, rc.now()))


async def delete_group(ctx: RequestContext) -> web.Response:
    """``DELETE``: 202 + Location; polling it gives 202 while running, then 200."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_RG}/delete", _scope(sub, ctx))
    with ctx.store.transaction():
        op = gm.delete_group(ctx, sub, _require(ctx, sub))
    return empty_response(202, lro.location_headers(ctx, op))


async def list_groups(ctx: RequestContext) -> web.Response:
    """``GET $S/resourcegroups[?$top=N]``: paged; ``$top`` sets the page size (see paging)."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_RG}/read", f"/subscriptions/{sub}")
    size = paging.top(ctx)
    at = rc.now()
    docs = [
        d
        for d in ctx.store.list(rc.GROUP_KIND, f"/subscriptions/{sub}/")
        if not rc.group_gone(d, at)
    ]
    return paging.paged_response(ctx, [gm.to_json(d, at) for d in docs], page_size=size)


_S = r"/subscriptions/(?P<sub>[^/]+)"
_GROUP = _S + r"/resourceGroups/(?P<rg>[^/]+)"

ROUTES = [
    Route("GET", _S + r"/resourceGroups", list_groups),
    Route("PUT", _GROUP, put_group),
    Route("GET", _GROUP, get_group),
    Route("HEAD", _GROUP, get_group),
    Route("PATCH", _GROUP, patch_group),
    Route("DELETE", _GROUP, delete_group),
]
