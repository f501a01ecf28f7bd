"""Long-running operations: time-based records, their status/result URLs and the ARM headers.

An operation is stored when a write is accepted and never advanced by a poller: its state is
computed from ``start``/``end`` (``end = start + config.lro_seconds``) at read time, so a client
that never polls (the CLI's ``deployment create``) still sees the resource progress. A
``kind="lro"`` fault rule matching the write makes the operation end ``Failed`` with the rule's
code and message. Resources keep a copy of their latest operation (``op``) to derive
``provisioningState`` and to detect concurrent writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from emulator.arm.common import iso, now, subscription_id
from emulator.authorization import rbac
from emulator.errors import ServiceError, not_found
from emulator.http import RequestContext, Route, empty_response, json_response

KIND = "armOperation"
CS_PROVIDER = "Microsoft.CognitiveServices"
RESOURCES_PROVIDER = "Microsoft.Resources"

IN_PROGRESS_STATE = {
    "create": "Creating",
    "update": "Accepted",
    "restore": "Accepted",
    "delete": "Deleting",
    "purge": "Deleting",
}


def start(
    ctx: RequestContext,
    *,
    kind: str,
    resource_id: str,
    resource_type: str,
    location: str,
    provider: str = CS_PROVIDER,
) -> dict[str, Any]:
    """Record a newly accepted operation (consulting LRO fault rules) and return its summary.

    The summary (``id``, ``kind``, ``start``, ``end``, ``error``) is what resources keep as
    ``op``; the full record also names the subscription, location and resource.
    """
    began = now()
    rule = ctx.services["faults"].lro_fault(ctx.request.method, ctx.path)
    error = None if rule is None else {"code": rule.code, "message": rule.message}
    operation_id = str(uuid.uuid4())
    summary: dict[str, Any] = {
        "id": operation_id,
        "kind": kind,
        "start": began,
        "end": began + ctx.config.lro_seconds,
        "error": error,
    }
    record = {
        **summary,
        "errorStatus": rule.status if rule is not None and rule.status >= 400 else 500,
        "subscriptionId": subscription_id(ctx),
        "location": location,
        "provider": provider,
        "resourceId": resource_id,
        "resourceType": resource_type,
    }
    ctx.store.put(KIND, operation_id, record)
    return summary


def running(op: dict[str, Any] | None, at: float | None = None) -> bool:
    """Whether the operation is still in progress."""
    return op is not None and (now() if at is None else at) < op["end"]


def status(op: dict[str, Any] | None, at: float | None = None) -> str:
    """``InProgress``, ``Succeeded`` or ``Failed``."""
    if op is None:
        return "Succeeded"
    if running(op, at):
        return "InProgress"
    return "Failed" if op.get("error") else "Succeeded"


def provisioning_state(op: dict[str, Any] | None, at: float | None = None) -> str:
    """The ``provisioningState`` a resource whose latest operation is ``op`` shows."""
    state = status(op, at)
    if state == "InProgress":
        assert op is not None
        return IN_PROGRESS_STATE.get(op["kind"], "Accepted")
    return state


def completed_delete(op: dict[str, Any] | None, at: float | None = None) -> bool:
    """Whether ``op`` is a deletion that has finished successfully (the resource is gone)."""
    return op is not None and op["kind"] in ("delete", "purge") and status(op, at) == "Succeeded"


def _api_version(ctx: RequestContext) -> str:
    return ctx.query("api-version") or "2025-09-01"


def _status_url(ctx: RequestContext, op: dict[str, Any], segment: str) -> str:
    record = ctx.store.get(KIND, op["id"]) or {}
    sub = record.get("subscriptionId") or subscription_id(ctx)
    if record.get("provider") == RESOURCES_PROVIDER:
        path = f"/subscriptions/{sub}/operationresults/{op['id']}"
    else:
        path = (
            f"/subscriptions/{sub}/providers/{CS_PROVIDER}/locations/{record.get('location')}"
            f"/{segment}/{op['id']}"
        )
    return f"{ctx.base_url}{path}?api-version={_api_version(ctx)}"


def async_headers(ctx: RequestContext, op: dict[str, Any]) -> dict[str, str]:
    """``Azure-AsyncOperation`` (absolute, on the emulator) and ``Retry-After``."""
    return {
        "Azure-AsyncOperation": _status_url(ctx, op, "operationStatuses"),
        "Retry-After": str(ctx.config.retry_after),
    }


def location_headers(ctx: RequestContext, op: dict[str, Any]) -> dict[str, str]:
    """``Location`` (absolute, on the emulator) and ``Retry-After``."""
    return {
        "Location": _status_url(ctx, op, "operationResults"),
        "Retry-After": str(ctx.config.retry_after),
    }


def _record(ctx: RequestContext) -> dict[str, Any]:
    subscription_id(ctx)
    record = ctx.store.get(KIND, ctx.params["op"])
    if record is None or (
        "loc" in ctx.params and record["location"].lower() != ctx.params["loc"].lower()
    ):
        raise not_found(
            "OperationNotFound", f"The operation '{ctx.params['op']}' could not be found."
        )
    action = (
        "Microsoft.Resources/subscriptions/operationresults/read"
        if record["provider"] == RESOURCES_PROVIDER
        else f"{CS_PROVIDER}/locations/operationresults/read"
    )
    rbac.authorize(ctx, action, record["resourceId"])
    return record


async def get_operation_status(ctx: RequestContext) -> web.Response:
    """``GET .../locations/{loc}/operationStatuses/{id}``: always 200 with ``status``."""
    record = _record(ctx)
    state = status(record)
    body: dict[str, Any] = {
        "id": f"/subscriptions/{record['subscriptionId']}/providers/{CS_PROVIDER}/locations/"
        f"{record['location']}/operationStatuses/{record['id']}",
        "name": record["id"],
        "status": state,
        "startTime": iso(record["start"]),
        "resourceId": record["resourceId"],
    }
    if state != "InProgress":
        body["endTime"] = iso(record["end"])
    if state == "Failed":
        body["error"] = record["error"]
    return json_response(body)


ResultRenderer = Callable[[RequestContext, str], "dict[str, Any] | None"]
RESULT_RENDERERS: dict[str, ResultRenderer] = {}
"""Resource type -> the resource's JSON by id: what a finished ``Location`` answers for a write
whose spec says ``final-state-via: location`` (providers register theirs; arm imports none)."""


def register_result(resource_type: str, render: ResultRenderer) -> None:
    """Let finished operations on ``resource_type`` answer their ``Location`` with the resource."""
    RESULT_RENDERERS[resource_type.lower()] = render


def write_headers(ctx: RequestContext, op: dict[str, Any]) -> dict[str, str]:
    """Both polling headers, for writes whose final state is read through ``Location``."""
    return {**async_headers(ctx, op), **location_headers(ctx, op)}


async def get_operation_result(ctx: RequestContext) -> web.Response:
    """``GET .../operationResults/{id}``: 202 while running, then the outcome."""
    record = _record(ctx)
    state = status(record)
    if state == "InProgress":
        return empty_response(202, location_headers(ctx, record))
    if state == "Failed":
        error = record["error"]
        raise ServiceError(record.get("errorStatus", 500), error["code"], error["message"])
    render = RESULT_RENDERERS.get(str(record.get("resourceType", "")).lower())
    if record["kind"] not in ("delete", "purge") and render is not None:
        body = render(ctx, record["resourceId"])
        if body is not None:  # a finished write: its final state is the resource
            return json_response(body)
    return empty_response(200)  # a finished deletion: "200, no body"


_S = r"/subscriptions/(?P<sub>[^/]+)"
_CS_LOC = _S + r"/providers/Microsoft\.CognitiveServices/locations/(?P<loc>[^/]+)"

ROUTES = [
    Route("GET", _CS_LOC + r"/operationStatuses/(?P<op>[^/]+)", get_operation_status),
    Route("GET", _CS_LOC + r"/operationResults/(?P<op>[^/]+)", get_operation_result),
    Route("GET", _S + r"/operationresults/(?P<op>[^/]+)", get_operation_result),
]
