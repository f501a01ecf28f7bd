"""URL table of the WebRTC data plane and the sample page.

The observer WebSocket shares its path with the GA realtime WebSocket
(``…/openai/v1/realtime``); ``realtime_ga`` sends ``?call_id=`` requests to the observer,
``Bearer ek_…`` upgrades to the ephemeral-key session, everything else to the WebSocket
transport.
"""

from __future__ import annotations

from aiohttp import web

from emulator.http import RequestContext, Route
from emulator.realtime.webrtc import ephemeral_ws, observer, rest, sample, secrets

_ACCOUNT = r"/dataplane/(?P<subdomain>[A-Za-z0-9-]+)"
_SAMPLE = r"/samples/webrtc/(?P<subdomain>[A-Za-z0-9-]+)/(?P<deployment>[A-Za-z0-9._-]+)"

ROUTES: list[Route] = [
    Route(
        "POST",
        _ACCOUNT + r"/openai/v1/realtime/client_secrets",
        rest.create_client_secret,
        "dataplane",
    ),
    Route("POST", _ACCOUNT + r"/openai/v1/realtime/calls", rest.create_call, "dataplane"),
    Route(
        "POST",
        _ACCOUNT + r"/openai/v1/realtime/calls/(?P<call_id>rtc_[A-Za-z0-9]+)/hangup",
        rest.hang_up,
        "dataplane",
    ),
    Route("GET", _SAMPLE, sample.page, "sample"),
    Route("POST", _SAMPLE + r"/token", sample.token, "sample"),
]


async def realtime_ga(ctx: RequestContext) -> web.StreamResponse:
    """``GET …/openai/v1/realtime``: the observer of a call, or a GA WebSocket session."""
    if ctx.query("call_id") is not None and ctx.query("model") is None:
        return await observer.serve_observer(ctx)
    token = rest.bearer_token(ctx)
    if token is not None and secrets.is_ephemeral(token):
        return await ephemeral_ws.serve(ctx)
    from emulator.realtime import websocket

    return await websocket.serve_ga(ctx)
