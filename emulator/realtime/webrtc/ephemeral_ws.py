"""A client secret on the GA realtime WebSocket: ``Authorization: Bearer ek_…``.

Evidence for accepting it: the openai SDK documents a client secret as "usable in client
environments to authenticate connections to the Realtime API" (``RealtimeSessionCreateResponse
.client_secret``), OpenAI's realtime guide uses ephemeral keys for WebSocket connections from
browsers, and Azure clients open the Azure realtime socket with a minted secret (BerriAI/litellm
#38645, for transcription sessions that require ephemeral authentication). The secret's
session configuration applies, the ``model`` query (if given) must name the secret's
deployment, and the preview path (``/openai/realtime``) does not take secrets (401 there).
"""

from __future__ import annotations

import dataclasses
import time

from aiohttp import web

from emulator.errors import ServiceError
from emulator.http import RequestContext
from emulator.realtime.dialects import GA
from emulator.realtime.webrtc import rest


async def serve(ctx: RequestContext) -> web.StreamResponse:
    """Open a GA WebSocket session authorised by an ephemeral key."""
    from emulator.realtime.session import RealtimeSession
    from emulator.realtime.session_runner import SessionRunner, speech_stack, warm_up
    from emulator.realtime.websocket import MAX_FRAME_BYTES, WebSocketLink, run_over_websocket

    secret = rest.ephemeral_secret(ctx, ctx.params["subdomain"])
    assert secret is not None  # the caller routes only ek_ bearers here
    if ctx.query("api-version") is not None:
        raise ServiceError(
            401,
            "401",
            "The api-version query parameter is not supported on the GA endpoint "
            "(/openai/v1/realtime).",
        )
    model = ctx.query("model")
    if model is not None and model != secret.target.deployment:
        raise ServiceError(
            401,
            "401",
            f"Unauthorized. The client secret was issued for deployment "
            f"'{secret.target.deployment}', not '{model}'.",
        )
    target = rest.still_served(ctx, secret.target)
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES, autoping=True)
    if not ws.can_prepare(ctx.request).ok:
        raise ServiceError(400, "BadRequest", "This endpoint only accepts WebSocket upgrades.")
    await ws.prepare(ctx.request)
    warm_up()
    session = RealtimeSession(
        dataclasses.replace(target, dialect=GA),
        speech_stack(),
        now=time.time(),
        session_seconds=ctx.config.realtime_session_seconds,
        session_config=secret.session,
    )
    await run_over_websocket(ws, SessionRunner(session, WebSocketLink(ws)))
    return ws
