"""Test and operator hooks under ``/_admin``: settings, request statistics, principals, tokens."""

from __future__ import annotations

from aiohttp import web

from emulator.entra import principals
from emulator.errors import ServiceError, bad_request
from emulator.http import RequestContext, Route, empty_response, json_response


async def get_config(ctx: RequestContext) -> web.Response:
    """Current settings."""
    return json_response(ctx.config.to_dict())


async def patch_config(ctx: RequestContext) -> web.Response:
    """Change settings (partial update), e.g. ``{"throttle_rate": 0.2, "seed": 7}``."""
    try:
        ctx.config.update(await ctx.json_object())
    except ValueError as exc:
        raise bad_request("InvalidSetting", str(exc)) from None
    return json_response(ctx.config.to_dict())


async def get_stats(ctx: RequestContext) -> web.Response:
    """Requests served since start (or the last reset), by service and in order."""
    return json_response(ctx.services["stats"].snapshot())


async def reset_stats(ctx: RequestContext) -> web.Response:
    """Forget the request log."""
    ctx.services["stats"].reset()
    return empty_response(204)


async def add_principal(ctx: RequestContext) -> web.Response:
    """Register a service principal: ``{"name": "ci"}`` -> ids and secret."""
    body = await ctx.json_object()
    try:
        record = principals.add(ctx.store, str(body.get("name", "")), body.get("display_name"))
    except ValueError as exc:
        raise bad_request("InvalidPrincipal", str(exc)) from None
    return json_response(_principal_json(record), status=201)


async def mint_token(ctx: RequestContext) -> web.Response:
    """Issue a token directly (expired or for another audience): tests of token checks."""
    body = await ctx.json_object()
    record = principals.by_name(ctx.store, str(body.get("principal", "")))
    if record is None:
        raise ServiceError(404, "PrincipalNotFound", "No principal with that name.")
    lifetime = body.get("lifetime", ctx.config.token_lifetime_seconds)
    if not isinstance(lifetime, int):
        raise bad_request("InvalidSetting", "'lifetime' must be an integer")
    token, _ = ctx.services["tokens"].issue(
        record,
        str(body.get("audience", "https://cognitiveservices.azure.com")),
        ctx.base_url,
        lifetime,
    )
    return json_response({"access_token": token})


def _principal_json(record: principals.PrincipalRecord) -> dict[str, str]:
    return {
        "name": record.name,
        "client_id": record.client_id,
        "client_secret": record.client_secret,
        "object_id": record.object_id,
        "display_name": record.display_name,
    }


ROUTES = [
    Route("GET", r"/_admin/config", get_config, "admin"),
    Route("PATCH", r"/_admin/config", patch_config, "admin"),
    Route("GET", r"/_admin/stats", get_stats, "admin"),
    Route("DELETE", r"/_admin/stats", reset_stats, "admin"),
    Route("POST", r"/_admin/principals", add_principal, "admin"),
    Route("POST", r"/_admin/tokens", mint_token, "admin"),
]
