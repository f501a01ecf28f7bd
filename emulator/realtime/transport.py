"""The WebSocket side: upgrade after a successful handshake, then pump one ``RealtimeSession``.

All session calls happen on the event loop; blocking speech work (ASR, TTS) runs in a small
thread pool so that one session's recognition never stalls another session's frames. One
writer task sends events in the order the session produced them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import WSMsgType, web

from emulator import clock
from emulator.errors import ServiceError
from emulator.http import RequestContext
from emulator.realtime import handshake
from emulator.realtime.engine import Speech
from emulator.realtime.session import Job, RealtimeSession, Synthesize, Transcribe

log = logging.getLogger("emulator.realtime")

MAX_FRAME_BYTES = 32 * 1024 * 1024  # room for a 15 MiB base64 append plus JSON
STREAM_SPEED = 8.0  # audio seconds sent per wall second (Azure streams faster than real time)
SPEECH_WORKERS = 2  # the reference machine has two cores
_CLOSE = object()
_executor: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    """The shared pool for blocking speech work (created on first use)."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(SPEECH_WORKERS, thread_name_prefix="realtime-speech")
    return _executor


class StoreDirectory:
    """``handshake.Directory`` over the emulator's store, token service and RBAC."""

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx

    def account(self, subdomain: str) -> Any | None:
        from emulator.arm.account_models import find_account_by_subdomain

        return find_account_by_subdomain(self.ctx.store, subdomain)

    def deployment(self, account_id: str, name: str) -> Any | None:
        from emulator.arm.deployment_models import get_deployment

        return get_deployment(self.ctx.store, account_id, name)

    def verify_token(self, token: str) -> str:
        from emulator.entra.tokens import TokenError

        try:
            return self.ctx.services["tokens"].verify(token, handshake.TOKEN_AUDIENCES).object_id
        except TokenError as exc:
            raise ValueError(str(exc)) from None

    def may_use_realtime(self, principal_id: str, scope: str) -> bool:
        from emulator.arm import rbac

        return rbac.has_data_action(
            self.ctx.store,
            principal_id,
            scope,
            handshake.REALTIME_DATA_ACTION,
            self.now(),
            self.ctx.config.role_propagation_seconds,
        )

    def now(self) -> float:
        return clock.now()


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
    _warm_up()
    seconds = ctx.config.realtime_session_seconds
    state = RealtimeSession(target, speech_stack(), now=time.time(), session_seconds=seconds)
    await SessionPump(ws, state, speech_stack()).run()
    return ws


_warm: asyncio.Future[Any] | None = None


def _warm_up() -> None:
    """Start loading the recogniser and synthesizer at the first session, off the loop."""
    global _warm
    if _warm is None:
        stack = speech_stack()
        warm = getattr(stack, "warm_up", None)
        if warm is not None:
            _warm = asyncio.get_running_loop().run_in_executor(executor(), warm)
            _warm.add_done_callback(lambda f: f.cancelled() or f.exception())


def speech_stack() -> Speech:
    """The process-wide offline speech stack."""
    from emulator.realtime.speechkit import shared

    return shared()


class SessionPump:
    """Runs one session over one socket until either side closes or the session expires."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        state: RealtimeSession,
        speech: Speech,
        speed: float | None = None,
    ) -> None:
        self.ws = ws
        self.session = state
        self.speech = speech
        self.speed = speed or STREAM_SPEED
        self._out: asyncio.Queue[Any] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._streamer: asyncio.Task[None] | None = None
        self._stopped = False

    async def run(self) -> None:
        """Pump frames in both directions; returns when the socket is closed."""
        loop = asyncio.get_running_loop()
        writer = asyncio.create_task(self._writer())
        timer = loop.call_later(max(0.0, self.session.expires_at - time.time()), self._expire)
        try:
            self._flush()
            async for message in self.ws:
                if message.type == WSMsgType.TEXT:
                    self._receive(message.data)
                elif message.type == WSMsgType.BINARY:
                    self.session.receive_binary()
                else:
                    break
                self._flush()
                if self.session.closed:
                    break
            if self.session.closed:
                await asyncio.wait_for(asyncio.shield(writer), 5.0)
        finally:
            self._stopped = True
            timer.cancel()
            for task in [*self._tasks, self._streamer, writer]:
                if task is not None and not task.done():
                    task.cancel()
            if not self.ws.closed:
                await self.ws.close()

    def _receive(self, text: str) -> None:
        try:
            self.session.receive_text(text)
        except Exception:  # a bug: keep the trace, tell the client, keep the session
            log.error("unhandled error in a realtime client event\n%s", traceback.format_exc())
            self.session.internal_error()

    def _flush(self) -> None:
        if self._stopped:
            return
        for ev in self.session.events_to_send():
            self._out.put_nowait(ev)
        for job in self.session.jobs_to_run():
            self._spawn(self._run_job(job))
        if self.session.streaming and (self._streamer is None or self._streamer.done()):
            self._streamer = asyncio.create_task(self._stream())
        if self.session.closed:
            self._out.put_nowait(_CLOSE)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_job(self, job: Job) -> None:
        loop = asyncio.get_running_loop()
        try:
            if isinstance(job, Transcribe):
                result: Any = await loop.run_in_executor(
                    executor(), self.speech.transcribe, job.pcm
                )
            else:
                assert isinstance(job, Synthesize)
                result = await loop.run_in_executor(
                    executor(), self.speech.synthesize, job.text, job.voice
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a speech failure ends this turn, not the session
            log.warning("realtime speech job failed: %s", exc)
            if not self._stopped:
                self.session.job_failed(job, "The audio could not be processed.")
        else:
            if not self._stopped:
                self.session.job_done(job, result)
        self._flush()

    async def _stream(self) -> None:
        while self.session.streaming and not self._stopped:
            pause = self.session.next_pause() / self.speed
            for ev in self.session.stream_step():
                self._out.put_nowait(ev)
            self._flush()
            await asyncio.sleep(pause)  # pacing of the audio stream, not synchronisation

    def _expire(self) -> None:
        self.session.expire()
        self._flush()

    async def _writer(self) -> None:
        while True:
            ev = await self._out.get()
            if ev is _CLOSE:
                await self.ws.close(code=1000, message=b"session_expired")
                return
            try:
                await self.ws.send_str(json.dumps(ev, separators=(",", ":")))
            except (ConnectionError, RuntimeError):
                return
