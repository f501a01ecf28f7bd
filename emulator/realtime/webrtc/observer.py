"""The observer (sideband) WebSocket of a WebRTC call:
``GET {endpoint}openai/v1/realtime?call_id=rtc_…``.

A server holding the account's key or an Entra identity with the realtime data action (or a
client secret of that account) watches every event of the call and may steer it with client
events (``session.update``, ``response.create``, …). Closing the observer leaves the call up;
the call ending closes the observer.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from emulator.errors import ServiceError
from emulator.http import RequestContext
from emulator.realtime import handshake
from emulator.realtime.webrtc import core, rest

if TYPE_CHECKING:  # loads aiortc: only once a call exists
    from emulator.realtime.webrtc.call import RtcCall


async def serve_observer(ctx: RequestContext) -> web.StreamResponse:
    """Attach to a live call, or answer 401/404 before the upgrade."""
    subdomain = ctx.params["subdomain"]
    call_id = ctx.query("call_id") or ""
    call = rest.registry(ctx).get(call_id, subdomain)
    if rest.ephemeral_secret(ctx, subdomain) is None:
        if call is None and not (rest.has_credential(ctx) or ctx.query("api-key")):
            raise rest.missing_credential()
        if call is not None:
            request = handshake.HandshakeRequest(
                path_kind="ga",
                subdomain=subdomain,
                query={**ctx.request.query, "model": call.deployment},
                headers=ctx.request.headers,
                method_path="GET /openai/v1/realtime",
            )
            handshake.resolve(request, core.directory(ctx))
    if call is None:
        raise ServiceError(404, "NotFound", f"Call '{call_id}' was not found or has ended.")
    ws = web.WebSocketResponse(autoping=True)
    if not ws.can_prepare(ctx.request).ok:
        raise ServiceError(400, "BadRequest", "This endpoint only accepts WebSocket upgrades.")
    await ws.prepare(ctx.request)
    outgoing: asyncio.Queue[str | None] = asyncio.Queue()
    unsubscribe = call.add_observer(outgoing.put_nowait)
    writer = asyncio.create_task(_write(ws, outgoing))
    ended = asyncio.create_task(call.ended.wait())
    reader = asyncio.create_task(_read(ws, call))
    try:
        await asyncio.wait({ended, reader, writer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        unsubscribe()
        for task in (ended, reader, writer):
            task.cancel()
        with contextlib.suppress(Exception):
            await ws.close(code=1000, message=b"call_ended")
    return ws


async def _read(ws: web.WebSocketResponse, call: RtcCall) -> None:
    async for message in ws:
        if message.type == WSMsgType.TEXT:
            call.receive_text(message.data)
        elif message.type != WSMsgType.BINARY:
            return


async def _write(ws: web.WebSocketResponse, outgoing: asyncio.Queue[str | None]) -> None:
    while True:
        text = await outgoing.get()
        if text is None:
            return
        try:
            await ws.send_str(text)
        except (ConnectionError, RuntimeError):
            return
