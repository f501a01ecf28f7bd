"""The WebSocket adapter: upgrade after a successful handshake, then run one session over it.

The session core and its runner are transport-agnostic (``session``, ``session_runner``);
this module only turns text frames into ``receive_text`` calls and server events into text
frames.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import WSMsgType, web

from emulator.errors import ServiceError
from emulator.http import RequestContext
from emulator.realtime import handshake
from emulator.realtime.directory import StoreDirectory
from emulator.realtime.session import RealtimeSession
from emulator.realtime.session_runner import SessionRunner, speech_stack, warm_up

MAX_FRAME_BYTES = 32 * 1024 * 1024  # room for a 15 MiB base64 append plus JSON


async def serve_ga(ctx: RequestContext) -> web.StreamResponse:
    """``GET /dataplane/{subdomain}/openai/v1/realtime?model=…`` (GA dialect)."""
    return await _serve(ctx, "ga")


async def serve_preview(ctx: RequestContext) -> web.StreamResponse:
    """``GET /dataplane/{subdomain}/openai/realtime?api-version=…&deployment=…``."""
    return await _serve(ctx, "preview")


async def _serve(ctx: RequestContext, path_kind: str) -> web.StreamResponse:
    prefix = f"/dataplane/{ctx.params['subdomain']}"
    request = handshake.HandshakeRequest(
        path_kind=path_kind,
        subdomain=ctx.params["subdomain"],
        query=ctx.request.query,
        headers=ctx.request.headers,
        method_path=f"GET {ctx.path[len(prefix) :]}",
    )
    target = handshake.resolve(request, StoreDirectory(ctx))
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES, autoping=True)
    if not ws.can_prepare(ctx.request).ok:
        raise ServiceError(400, "BadRequest", "This endpoint only accepts WebSocket upgrades.")
    await ws.prepare(ctx.request)
    warm_up()
    seconds = ctx.config.realtime_session_seconds
    session = RealtimeSession(target, speech_stack(), now=time.time(), session_seconds=seconds)
    await run_over_websocket(ws, SessionRunner(session, WebSocketLink(ws)))
    return ws


class WebSocketLink:
    """``session_runner.SessionLink`` over an aiohttp WebSocket (no media track)."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send_event(self, event: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(event, separators=(",", ":")))

    async def play_audio(self, pcm: bytes) -> None:
        raise RuntimeError("a WebSocket session sends audio as events")

    async def clear_audio(self) -> None:
        return None

    async def close(self, reason: str) -> None:
        await self.ws.close(code=1000, message=reason.encode())


async def run_over_websocket(ws: web.WebSocketResponse, runner: SessionRunner) -> None:
    """Pump frames until either side closes or the session expires."""
    runner.start()
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                runner.receive_text(message.data)
            elif message.type == WSMsgType.BINARY:
                runner.receive_binary()
            else:
                break
            if runner.closed:
                break
        await runner.finish()
    finally:
        await runner.stop()
        if not ws.closed:
            await ws.close()
