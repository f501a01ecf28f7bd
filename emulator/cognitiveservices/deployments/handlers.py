"""Wire handlers for ``accounts/{a}/deployments/{d}`` and the admin hook that disables one.

``get_deployment`` / ``DeploymentView`` (for the data plane) are re-exported from
``deployment_models``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.arm import common as rc
from emulator.arm import lro, paging
from emulator.arm.deserialize import coerce
from emulator.authorization import rbac
from emulator.cognitiveservices import catalog
from emulator.cognitiveservices.accounts import models as am
from emulator.cognitiveservices.accounts.handlers import ACCOUNT
from emulator.cognitiveservices.deployments import models as dm
from emulator.cognitiveservices.deployments import rules
from emulator.cognitiveservices.deployments.fields import DEPLOYMENT_FIELDS
from emulator.cognitiveservices.deployments.models import DeploymentView, get_deployment
from emulator.errors import bad_request, not_found
from emulator.http import RequestContext, Route, empty_response, json_response

__all__ = ["ROUTES", "DeploymentView", "get_deployment"]

_D = "Microsoft.CognitiveServices/accounts/deployments"
ADMIN_STATES = {"disabled": "Disabled", "failed": "Failed", "succeeded": None}


def _account(ctx: RequestContext, action: str) -> dict[str, Any]:
    sub = rc.subscription_id(ctx)
    scope = am.account_id(sub, ctx.params["rg"], ctx.params["account"])
    if "deployment" in ctx.params:
        scope = dm.key(scope, ctx.params["deployment"])
    rbac.authorize(ctx, f"{_D}/{action}", scope)
    return am.require_live(ctx.store, sub, ctx.params["rg"], ctx.params["account"], rc.now())


def _existing(ctx: RequestContext, account: dict[str, Any]) -> dict[str, Any] | None:
    doc = ctx.store.get(dm.KIND, dm.key(account["id"], ctx.params["deployment"]))
    return None if doc is None or dm.is_gone(doc, rc.now()) else doc


def _not_found(ctx: RequestContext, account: dict[str, Any]) -> Exception:
    return rc.resource_not_found(
        f"{_D.rsplit('/', 1)[0]}/{account['name']}/deployments",
        ctx.params["deployment"],
        account["resourceGroup"],
    )


def _initial(doc: dict[str, Any]) -> dict[str, Any]:
    body = dm.to_json(doc, rc.now())
    if not doc.get("adminState"):
        body["properties"]["provisioningState"] = lro.IN_PROGRESS_STATE[doc["op"]["kind"]]
    return body


async def put_deployment(ctx: RequestContext) -> web.Response:
    """``PUT $D``: 201 create / 200 update, an LRO (Azure-AsyncOperation)."""
    body = coerce(await ctx.json_object(), DEPLOYMENT_FIELDS)
    with ctx.store.transaction():
        account = _account(ctx, "write")
        rules.validate_name(ctx.params["deployment"])
        spec = rules.parse(body)
        doc, status = rules.put_deployment(ctx, account, ctx.params["deployment"], spec)
    return json_response(_initial(doc), status, lro.async_headers(ctx, doc["op"]))


async def patch_deployment(ctx: RequestContext) -> web.Response:
    """``PATCH $D`` ``{tags, sku}``: 202 + ``Location`` (the spec's ``final-state-via: location``:
    the finished ``Location`` answers the deployment) and ``Azure-AsyncOperation``."""
    body = coerce(await ctx.json_object(), DEPLOYMENT_FIELDS)
    with ctx.store.transaction():
        account = _account(ctx, "write")
        doc = _existing(ctx, account)
        if doc is None:
            raise _not_found(ctx, account)
        doc = rules.patch_deployment(ctx, account, doc, rules.parse_patch(body))
    return json_response(_initial(doc), 202, lro.write_headers(ctx, doc["op"]))


def _final_state(ctx: RequestContext, resource_id: str) -> dict[str, Any] | None:
    doc = ctx.store.get(dm.KIND, resource_id)
    return None if doc is None else dm.to_json(doc, rc.now())


lro.register_result("deployment", _final_state)  # the resource_type rules.py records


async def get_deployment_handler(ctx: RequestContext) -> web.Response:
    """``GET $D``."""
    account = _account(ctx, "read")
    doc = _existing(ctx, account)
    if doc is None:
        raise _not_found(ctx, account)
    return json_response(dm.to_json(doc, rc.now()))


async def delete_deployment(ctx: RequestContext) -> web.Response:
    """``DELETE $D``: 202 + Location (204 when absent)."""
    with ctx.store.transaction():
        account = _account(ctx, "delete")
        doc = _existing(ctx, account)
        if doc is None:
            return empty_response(204)
        op = rules.delete_deployment(ctx, account, doc)
    return empty_response(202, lro.location_headers(ctx, op))


async def list_deployments(ctx: RequestContext) -> web.Response:
    """``GET $A/deployments``."""
    account = _account(ctx, "read")
    at = rc.now()
    docs = [d for d in am.deployment_docs(ctx.store, account["id"]) if not dm.is_gone(d, at)]
    return paging.paged_response(ctx, [dm.to_json(d, at) for d in docs])


async def list_deployment_skus(ctx: RequestContext) -> web.Response:
    """``GET $D/skus``: the SKUs the deployment's model offers."""
    account = _account(ctx, "read")
    doc = _existing(ctx, account)
    if doc is None:
        raise _not_found(ctx, account)
    model = doc["properties"]["model"]
    specs = [
        m
        for m in catalog.models_for(account["location"], account["kind"])
        if m.name == model["name"] and m.version == model["version"]
    ]
    value = [
        {
            "resourceType": _D,
            "sku": {"name": s.name},
            "capacity": {
                "minimum": 1,
                "maximum": s.max_capacity,
                "step": 1,
                "default": s.default_capacity,
            },
        }
        for m in specs
        for s in m.skus
    ]
    return json_response({"value": value})


async def admin_set_state(ctx: RequestContext) -> web.Response:
    """``PATCH /_admin/deployments`` ``{"id": deployment id, "provisioningState": "Disabled"}``.

    ``"Disabled"``/``"Failed"`` override the deployment's state (the data plane refuses it);
    ``"Succeeded"`` or null clears the override.
    """
    body = await ctx.json_object()
    rid = body.get("id")
    state = body.get("provisioningState")
    if not isinstance(rid, str) or (
        state is not None and (not isinstance(state, str) or state.lower() not in ADMIN_STATES)
    ):
        raise bad_request(
            "InvalidSetting", "expected {'id': str, 'provisioningState': Disabled|Failed|Succeeded}"
        )
    with ctx.store.transaction():
        doc = ctx.store.get(dm.KIND, rid)
        if doc is None or dm.is_gone(doc, rc.now()):
            raise not_found("DeploymentNotFound", f"No deployment with id '{rid}'.")
        doc["adminState"] = None if state is None else ADMIN_STATES[state.lower()]
        ctx.store.put(dm.KIND, doc["id"], doc)
    return json_response(dm.to_json(doc, rc.now()))


DEPLOYMENT = ACCOUNT + r"/deployments/(?P<deployment>[^/]+)"

ROUTES = [
    Route("GET", ACCOUNT + r"/deployments", list_deployments),
    Route("PUT", DEPLOYMENT, put_deployment),
    Route("PATCH", DEPLOYMENT, patch_deployment),
    Route("GET", DEPLOYMENT, get_deployment_handler),
    Route("DELETE", DEPLOYMENT, delete_deployment),
    Route("GET", DEPLOYMENT + r"/skus", list_deployment_skus),
    Route("PATCH", r"/_admin/deployments", admin_set_state, "admin"),
]
