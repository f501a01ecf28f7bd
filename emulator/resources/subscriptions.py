"""Subscriptions and tenants (what ``az login`` reads); cloud metadata is ``emulator.cloud``."""

from __future__ import annotations

from aiohttp import web

from emulator.errors import ServiceError
from emulator.http import RequestContext, Route, json_response


def _subscription(ctx: RequestContext) -> dict:
    sub = ctx.store.get_meta("subscription_id")
    return {
        "id": f"/subscriptions/{sub}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub,
        "tenantId": ctx.store.get_meta("tenant_id"),
        "displayName": "Emulator subscription",
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


async def list_subscriptions(ctx: RequestContext) -> web.Response:
    """``GET /subscriptions``."""
    return json_response({"value": [_subscription(ctx)], "count": {"type": "Total", "value": 1}})


async def get_subscription(ctx: RequestContext) -> web.Response:
    """``GET /subscriptions/{id}``."""
    if ctx.params["sub"].lower() != ctx.store.get_meta("subscription_id"):
        raise ServiceError(
            404,
            "SubscriptionNotFound",
            f"The subscription '{ctx.params['sub']}' could not be found.",
        )
    return json_response(_subscription(ctx))


async def list_tenants(ctx: RequestContext) -> web.Response:
    """``GET /tenants``."""
    tenant = ctx.store.get_meta("tenant_id")
    return json_response(
        {"value": [{"id": f"/tenants/{tenant}", "tenantId": tenant, "tenantCategory": "Home"}]}
    )


ROUTES = [
    Route("GET", r"/subscriptions", list_subscriptions),
    Route("GET", r"/subscriptions/(?P<sub>[^/]+)", get_subscription),
    Route("GET", r"/tenants", list_tenants),
]
