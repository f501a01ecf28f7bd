"""Discovery: the regional model catalog, quota usages, account SKUs and the admin quota hook.

Subscription-wide SKU lists and model capacities are in ``capacity``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.arm import common as rc
from emulator.authorization import rbac
from emulator.cognitiveservices import catalog
from emulator.cognitiveservices.accounts import models as am
from emulator.cognitiveservices.deployments import models as dm
from emulator.errors import bad_request
from emulator.http import RequestContext, Route, json_response
from emulator.store import Store

NS = "Microsoft.CognitiveServices"


def usages(store: Store, sub: str, location: str) -> list[dict[str, Any]]:
    """Usage items of a region: Σ deployed capacity per usage name, and the account count."""
    at = rc.now()
    totals = dm.usage_totals(store, sub, location, at)
    items = []
    for usage, (label, _default) in sorted(catalog.usages_for(location).items()):
        items.append(
            {
                "name": {"value": usage, "localizedValue": label},
                "currentValue": float(totals.get(usage, 0)),
                "limit": float(catalog.quota_limit(store, sub, location, usage)),
                "unit": "Count",
                "status": "Included",
            }
        )
    accounts = [
        d for d in am.live_in(store, f"/subscriptions/{sub}/", at) if d["location"] == location
    ]
    items.append(
        {
            "name": {
                "value": catalog.ACCOUNT_COUNT,
                "localizedValue": "Cognitive Services total account limit",
            },
            "currentValue": float(len(accounts)),
            "limit": float(catalog.quota_limit(store, sub, location, catalog.ACCOUNT_COUNT)),
            "unit": "Count",
            "status": "Included",
        }
    )
    return items


async def location_models(ctx: RequestContext) -> web.Response:
    """``GET $S/providers/Microsoft.CognitiveServices/locations/{loc}/models``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{NS}/locations/models/read", f"/subscriptions/{sub}")
    loc = rc.normalize_location(ctx.params["loc"])
    at = rc.now()
    value = [
        {"kind": kind, "skuName": "S0", "model": catalog.model_json(m, at)}
        for kind in catalog.ACCOUNT_KINDS_WITH_MODELS
        for m in catalog.models_for(loc, kind)
    ]
    return json_response({"value": value})


async def location_usages(ctx: RequestContext) -> web.Response:
    """``GET $S/providers/Microsoft.CognitiveServices/locations/{loc}/usages``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{NS}/locations/usages/read", f"/subscriptions/{sub}")
    loc = rc.normalize_location(ctx.params["loc"])
    return json_response({"value": usages(ctx.store, sub, loc)})


def _account(ctx: RequestContext, action: str) -> dict[str, Any]:
    sub = rc.subscription_id(ctx)
    rbac.authorize(
        ctx, f"{NS}/accounts/{action}", am.account_id(sub, ctx.params["rg"], ctx.params["account"])
    )
    return am.require_live(ctx.store, sub, ctx.params["rg"], ctx.params["account"], rc.now())


async def account_models(ctx: RequestContext) -> web.Response:
    """``GET $A/models``: models deployable on the account (not the deployed ones)."""
    doc = _account(ctx, "models/read")
    models = catalog.models_for(doc["location"], doc["kind"])
    return json_response({"value": [catalog.model_json(m, rc.now()) for m in models]})


async def account_usages(ctx: RequestContext) -> web.Response:
    """``GET $A/usages``: the region's usages as seen from the account."""
    doc = _account(ctx, "usages/read")
    return json_response({"value": usages(ctx.store, doc["subscriptionId"], doc["location"])})


async def account_skus(ctx: RequestContext) -> web.Response:
    """``GET $A/skus``."""
    doc = _account(ctx, "skus/read")
    return json_response({"value": [{"resourceType": am.TYPE, "sku": doc["sku"]}]})


async def admin_quota(ctx: RequestContext) -> web.Response:
    """``PATCH /_admin/quota`` ``{"location", "usageName", "limit"}``: override a quota limit."""
    body = await ctx.json_object()
    loc, usage, limit = body.get("location"), body.get("usageName"), body.get("limit")
    if (
        not isinstance(loc, str)
        or not isinstance(usage, str)
        or isinstance(limit, bool)
        or not isinstance(limit, int)
        or limit < 0
    ):
        raise bad_request(
            "InvalidSetting", "expected {'location': str, 'usageName': str, 'limit': int >= 0}"
        )
    sub = rc.known_subscription(ctx.store)
    location = rc.normalize_location(loc)
    catalog.set_quota_limit(ctx.store, sub, location, usage, limit)
    return json_response({"location": location, "usageName": usage, "limit": limit})


_S = r"/subscriptions/(?P<sub>[^/]+)"
_LOC = _S + r"/providers/Microsoft\.CognitiveServices/locations/(?P<loc>[^/]+)"
_A = (
    _S + r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.CognitiveServices/accounts/"
    r"(?P<account>[^/]+)"
)

ROUTES = [
    Route("GET", _LOC + r"/models", location_models),
    Route("GET", _LOC + r"/usages", location_usages),
    Route("GET", _A + r"/models", account_models),
    Route("GET", _A + r"/usages", account_usages),
    Route("GET", _A + r"/skus", account_skus),
    Route("PATCH", r"/_admin/quota", admin_quota, "admin"),
]
