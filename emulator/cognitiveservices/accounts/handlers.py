"""Wire handlers for Microsoft.CognitiveServices/accounts, deletedAccounts, keys, domain check.

Thin: authorize, parse, call ``account_rules``/``account_models``, render. Data-plane lookups
(``find_account_by_subdomain``, ``AccountView``) are re-exported from ``account_models``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.arm import common as rc
from emulator.arm import lro, paging
from emulator.arm.deserialize import coerce
from emulator.authorization import rbac
from emulator.cognitiveservices.accounts import models as am
from emulator.cognitiveservices.accounts import requests, rules
from emulator.cognitiveservices.accounts.fields import ACCOUNT_FIELDS
from emulator.cognitiveservices.accounts.models import (
    AccountView,
    find_account_by_subdomain,
    get_account,
)
from emulator.errors import not_found
from emulator.http import RequestContext, Route, empty_response, json_response

__all__ = ["ROUTES", "AccountView", "find_account_by_subdomain", "get_account"]

NS = "Microsoft.CognitiveServices"
_A = f"{NS}/accounts"


def _scope(sub: str, ctx: RequestContext) -> str:
    return am.account_id(sub, ctx.params["rg"], ctx.params["account"])


def _initial(ctx: RequestContext, doc: dict[str, Any]) -> dict[str, Any]:
    """The body answered to an accepted write: the operation has only just started."""
    body = am.to_json(doc, ctx.base_url, rc.now())
    body["properties"]["provisioningState"] = lro.IN_PROGRESS_STATE[doc["op"]["kind"]]
    return body


async def put_account(ctx: RequestContext) -> web.Response:
    """``PUT $A``: 201 create / 200 update or restore, always an LRO."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_A}/write", _scope(sub, ctx))
    rules.validate_name(ctx.params["account"])
    request = requests.parse_put(coerce(await ctx.json_object(), ACCOUNT_FIELDS))
    with ctx.store.transaction():
        doc, status = rules.put_account(ctx, sub, ctx.params["rg"], ctx.params["account"], request)
    return json_response(_initial(ctx, doc), status, lro.async_headers(ctx, doc["op"]))


async def get_account_handler(ctx: RequestContext) -> web.Response:
    """``GET $A``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_A}/read", _scope(sub, ctx))
    at = rc.now()
    doc = am.require_live(ctx.store, sub, ctx.params["rg"], ctx.params["account"], at)
    return json_response(am.to_json(doc, ctx.base_url, at))


async def patch_account(ctx: RequestContext) -> web.Response:
    """``PATCH $A``: partial update, an LRO (200 + Azure-AsyncOperation)."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_A}/write", _scope(sub, ctx))
    body = coerce(await ctx.json_object(), ACCOUNT_FIELDS)
    with ctx.store.transaction():
        doc = am.require_live(ctx.store, sub, ctx.params["rg"], ctx.params["account"], rc.now())
        doc = rules.patch_account(ctx, doc, requests.parse_patch(body, doc["kind"]))
    return json_response(_initial(ctx, doc), 200, lro.async_headers(ctx, doc["op"]))


async def delete_account(ctx: RequestContext) -> web.Response:
    """``DELETE $A``: soft delete; 202 + Location (204 when absent)."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_A}/delete", _scope(sub, ctx))
    with ctx.store.transaction():
        doc = am.find_live(ctx.store, sub, ctx.params["rg"], ctx.params["account"], rc.now())
        if doc is None:
            return empty_response(204)
        op = rules.delete_account(ctx, doc)
    return empty_response(202, {**lro.async_headers(ctx, op), **lro.location_headers(ctx, op)})


async def list_in_group(ctx: RequestContext) -> web.Response:
    """``GET $S/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts``."""
    sub = rc.subscription_id(ctx)
    at = rc.now()
    group = rc.require_group_for_read(ctx.store, sub, ctx.params["rg"], at)
    rbac.authorize(ctx, f"{_A}/read", group["id"])
    docs = am.live_in(ctx.store, group["id"] + "/providers/", at)
    return paging.paged_response(ctx, [am.to_json(d, ctx.base_url, at) for d in docs])


async def list_in_subscription(ctx: RequestContext) -> web.Response:
    """``GET $S/providers/Microsoft.CognitiveServices/accounts``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_A}/read", f"/subscriptions/{sub}")
    at = rc.now()
    docs = am.live_in(ctx.store, f"/subscriptions/{sub}/", at)
    return paging.paged_response(ctx, [am.to_json(d, ctx.base_url, at) for d in docs])


async def list_keys(ctx: RequestContext) -> web.Response:
    """``POST $A/listKeys``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_A}/listKeys/action", _scope(sub, ctx))
    doc = am.require_live(ctx.store, sub, ctx.params["rg"], ctx.params["account"], rc.now())
    return json_response(rules.list_keys(doc))


async def regenerate_key(ctx: RequestContext) -> web.Response:
    """``POST $A/regenerateKey`` ``{"keyName": "Key1"|"Key2"}``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{_A}/regenerateKey/action", _scope(sub, ctx))
    body = await ctx.json_object()
    with ctx.store.transaction():
        doc = am.require_live(ctx.store, sub, ctx.params["rg"], ctx.params["account"], rc.now())
        keys = rules.regenerate_key(ctx.store, doc, body)
    return json_response(keys)


async def check_domain_availability(ctx: RequestContext) -> web.Response:
    """``POST $S/providers/Microsoft.CognitiveServices/checkDomainAvailability``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{NS}/checkDomainAvailability/action", f"/subscriptions/{sub}")
    return json_response(rules.check_domain(ctx.store, await ctx.json_object()))


# -- deletedAccounts ----------------------------------------------------------------------------
def _deleted(ctx: RequestContext, sub: str) -> dict[str, Any] | None:
    doc = ctx.store.get(am.KIND, am.account_id(sub, ctx.params["rg"], ctx.params["account"]))
    at = rc.now()
    if doc is None or not am.is_soft_deleted(doc, at):
        return None
    if doc["location"] != rc.normalize_location(ctx.params["loc"]):
        return None
    return doc


def _deleted_not_found(ctx: RequestContext) -> Exception:
    return not_found(
        "ResourceNotFound",
        f"The deleted account '{ctx.params['account']}' in location '{ctx.params['loc']}' and "
        f"resource group '{ctx.params['rg']}' was not found.",
    )


async def get_deleted(ctx: RequestContext) -> web.Response:
    """``GET $S/providers/.../locations/{loc}/resourceGroups/{rg}/deletedAccounts/{a}``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(
        ctx, f"{NS}/locations/resourceGroups/deletedAccounts/read", f"/subscriptions/{sub}"
    )
    doc = _deleted(ctx, sub)
    if doc is None:
        raise _deleted_not_found(ctx)
    return json_response(am.to_json(doc, ctx.base_url, rc.now(), deleted=True))


async def list_deleted(ctx: RequestContext) -> web.Response:
    """``GET $S/providers/Microsoft.CognitiveServices/deletedAccounts``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{NS}/deletedAccounts/read", f"/subscriptions/{sub}")
    at = rc.now()
    docs = am.soft_deleted_in(ctx.store, sub, at)
    return paging.paged_response(ctx, [am.to_json(d, ctx.base_url, at, deleted=True) for d in docs])


async def purge_deleted(ctx: RequestContext) -> web.Response:
    """``DELETE`` a deleted account: purge; 202 + Location (204 when absent)."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(
        ctx, f"{NS}/locations/resourceGroups/deletedAccounts/delete", f"/subscriptions/{sub}"
    )
    with ctx.store.transaction():
        doc = _deleted(ctx, sub)
        if doc is None:
            return empty_response(204)
        op = rules.purge(ctx, doc)
    return empty_response(202, lro.location_headers(ctx, op))


_S = r"/subscriptions/(?P<sub>[^/]+)"
_PROV = _S + r"/providers/Microsoft\.CognitiveServices"
_RG = _S + r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.CognitiveServices/accounts"
ACCOUNT = _RG + r"/(?P<account>[^/]+)"
_DELETED = (
    _PROV + r"/locations/(?P<loc>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/deletedAccounts/(?P<account>[^/]+)"
)

ROUTES = [
    Route("GET", _RG, list_in_group),
    Route("GET", _PROV + r"/accounts", list_in_subscription),
    Route("POST", _PROV + r"/checkDomainAvailability", check_domain_availability),
    Route("GET", _PROV + r"/deletedAccounts", list_deleted),
    Route("GET", _DELETED, get_deleted),
    Route("DELETE", _DELETED, purge_deleted),
    Route("PUT", ACCOUNT, put_account),
    Route("GET", ACCOUNT, get_account_handler),
    Route("PATCH", ACCOUNT, patch_account),
    Route("DELETE", ACCOUNT, delete_account),
    Route("POST", ACCOUNT + r"/listKeys", list_keys),
    Route("POST", ACCOUNT + r"/regenerateKey", regenerate_key),
]
