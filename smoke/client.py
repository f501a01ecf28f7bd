"""The WebSocket transport: one realtime session over ``websockets``, frames pumped through the
sans-I/O protocol. It implements :class:`smoke.transport.Transport`; :func:`open_websocket` is its
opener.

:meth:`RealtimeClient.connect` opens the socket (TLS with an optional CA bundle, auth header,
bounded handshake) and maps every failure to a :mod:`smoke.errors` type — an HTTP status on the
upgrade becomes :class:`~smoke.errors.HandshakeError`. A background task reads frames into the
:class:`~smoke.realtime.protocol.RealtimeProtocol`; callers wait on conditions over the received
events with :meth:`RealtimeClient.wait_until`, which always has a deadline.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.utils
import json
import math
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)

from smoke.audio import chunk_bytes, silence
from smoke.errors import (
    ConnectionLost,
    HandshakeError,
    ProtocolViolation,
    SmokeTimeout,
    TransportError,
    UsageError,
)
from smoke.realtime.dialects import auth_header
from smoke.realtime.events import ClientEvent, InputAudioBufferAppend, ServerEvent
from smoke.realtime.protocol import MAX_FRAME_BYTES, ProtocolError, RealtimeProtocol
from smoke.transport import wait_for_change

if TYPE_CHECKING:
    from smoke.checks.base import CheckResult
    from smoke.transport import OpenRequest, PromptAudio

__all__ = ["ConnectSettings", "RealtimeClient", "Received", "WebSocketTransport", "open_websocket"]

Received = ServerEvent | ProtocolError
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_BODY_EXCERPT = 300


@dataclass(frozen=True, kw_only=True)
class ConnectSettings:
    """How to open one realtime WebSocket. ``headers`` may hold a secret: never print them."""

    url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    ca_path: Path | None = None
    open_timeout: float = 15.0
    send_timeout: float = 10.0
    close_timeout: float = 3.0
    max_size: int = MAX_FRAME_BYTES  # a larger frame closes the socket (1009): reported, not read
    max_events: int = 50_000
    user_agent: str = "realtime-smoke/0.1"


def _ssl_context(settings: ConnectSettings) -> ssl.SSLContext | None:
    if not settings.url.startswith("wss://"):
        return None
    cafile = str(settings.ca_path) if settings.ca_path else None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"cannot load CA bundle {settings.ca_path}: {exc}") from None


def _handshake_error(
    status: int, headers: Any, body: bytes | None, secrets: list[str]
) -> HandshakeError:
    """The refusal as a HandshakeError: Azure error code, a short detail, Retry-After."""
    code, detail = _handshake_detail(_scrub((body or b"").decode("utf-8", "replace"), secrets))
    return HandshakeError(status, detail, _retry_after(headers), code)


def _handshake_detail(text: str) -> tuple[str | None, str]:
    """``(code, "code: message")`` from an Azure-style JSON error body, else a text excerpt."""
    text = text.strip()
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError, RecursionError):
        error = None
    if isinstance(error, dict):
        parts = [str(error[k]) for k in ("code", "message") if error.get(k)]
        code = error.get("code")
        return (str(code) if code else None), ": ".join(parts)[:_BODY_EXCERPT]
    return None, " ".join(text.split())[:_BODY_EXCERPT]


def _scrub(text: str, secrets: list[str]) -> str:
    """``text`` without our own credentials, before any excerpt could cut one in half."""
    for secret in secrets:
        text = text.replace(secret, "[REDACTED]")
    return text


def _header_secrets(headers: dict[str, str]) -> list[str]:
    """The secret parts of our request headers: whole values and Bearer tokens."""
    out = []
    for value in headers.values():
        out.append(value)
        scheme, _, token = value.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            out.append(token.strip())
    return sorted((v for v in out if len(v) >= 4), key=len, reverse=True)


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (Azure OpenAI) or ``Retry-After``.

    ``Retry-After`` is either delta-seconds or an HTTP date; anything unparsable is ignored.
    """
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("Retry-After")
    seconds = _number(value)
    if seconds is not None or not value:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return None if number is None or math.isnan(number) else max(0.0, number)


_TOO_BIG = 1009  # WebSocket close code "message too big": our max_size refused a frame
_BURST_CHUNK_MS = 1000  # burst sending: larger appends, fewer frames (still far below caps)


class RealtimeClient:
    """An open realtime WebSocket session. Create with :meth:`connect`; always :meth:`close`."""

    name = "websocket"

    def __init__(
        self,
        ws: ClientConnection,
        protocol: RealtimeProtocol,
        settings: ConnectSettings,
        clock: Callable[[], float],
    ) -> None:
        self.protocol = protocol
        self.received: list[Received] = []
        self._ws = ws
        self._settings = settings
        self._clock = clock
        self._changed = asyncio.Event()
        self._lost: ConnectionLost | ProtocolViolation | None = None
        self._closing = False
        self._pump_task = asyncio.create_task(self._pump())

    @classmethod
    async def connect(
        cls, settings: ConnectSettings, protocol: RealtimeProtocol, clock: Callable[[], float]
    ) -> RealtimeClient:
        """Open the socket; raises HandshakeError, TransportError, SmokeTimeout or UsageError."""
        host = urlsplit(settings.url).hostname or ""
        protocol.mark("connecting", clock())
        try:
            ws = await connect(
                settings.url,
                additional_headers=settings.headers,
                ssl=_ssl_context(settings),
                open_timeout=settings.open_timeout,
                close_timeout=settings.close_timeout,
                max_size=settings.max_size,
                user_agent_header=settings.user_agent,
                compression=None,
                proxy=None if host in _LOOPBACK else True,
                ping_interval=None,
            )
        except InvalidStatus as exc:
            response = exc.response
            raise _handshake_error(
                response.status_code,
                response.headers,
                bytes(response.body or b""),
                _header_secrets(settings.headers),
            ) from None
        except InvalidURI as exc:
            raise UsageError(f"invalid realtime URL: {exc}") from None
        except InvalidHandshake as exc:
            raise TransportError(f"invalid WebSocket handshake: {exc}") from None
        except TimeoutError:
            raise SmokeTimeout("the WebSocket handshake", settings.open_timeout) from None
        except ssl.SSLCertVerificationError as exc:
            raise TransportError(
                f"TLS certificate not trusted for {host} ({exc.verify_message}); "
                "pass the server's CA bundle"
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise TransportError(f"cannot connect to {host}: {exc.strerror or exc}") from None
        protocol.mark("connected", clock())
        return cls(ws, protocol, settings, clock)

    async def _pump(self) -> None:
        """Read frames until the socket closes; record why it closed if we did not ask."""
        lost: ConnectionLost | ProtocolViolation
        try:
            async for message in self._ws:
                self._feed(message)
                if len(self.received) > self._settings.max_events:
                    lost = ProtocolViolation(
                        f"more than {self._settings.max_events} events in one session; stopped"
                    )
                    break
            else:
                lost = ConnectionLost(self._ws.close_code, self._ws.close_reason or "")
        except ConnectionClosed as exc:
            frame = exc.rcvd or exc.sent
            lost = ConnectionLost(frame.code if frame else None, frame.reason if frame else "")
            if frame is not None and frame.code == _TOO_BIG and exc.rcvd is None:
                lost = ProtocolViolation(
                    f"the server sent a frame over the {self._settings.max_size}-byte cap"
                )
                self.protocol.mark("frame_too_large", self._clock(), cap=self._settings.max_size)
        except Exception as exc:  # noqa: BLE001 - never die silently: waiters must learn why
            lost = ProtocolViolation(f"could not process a frame ({type(exc).__name__})")
        if not self._closing:
            self.protocol.connection_lost(getattr(lost, "code", None), str(lost), self._clock())
            self._lost = lost
        self._changed.set()

    def _feed(self, message: str | bytes) -> None:
        now = self._clock()
        if isinstance(message, str):
            self.protocol.receive_text(message, now)
        else:
            self.protocol.receive_bytes(message, now)
        self.received.extend(self.protocol.events_received())
        self._changed.set()

    @property
    def lost(self) -> ConnectionLost | ProtocolViolation | None:
        """Why the connection ended without us closing it, if it did."""
        return self._lost

    def now(self) -> float:
        """Seconds on the session clock."""
        return self._clock()

    async def send(self, event: ClientEvent) -> None:
        """Send ``event``; raises ConnectionLost or SmokeTimeout."""
        if self._lost is not None:
            raise self._lost
        self.protocol.send(event, self._clock())
        for frame in self.protocol.data_to_send():
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                # (Ctrl-C) that races with completion, and the run would not stop.
                async with asyncio.timeout(self._settings.send_timeout):
                    await self._ws.send(frame)
            except ConnectionClosed as exc:
                frame_info = exc.rcvd or exc.sent
                raise ConnectionLost(frame_info.code if frame_info else None) from None
            except TimeoutError:
                raise SmokeTimeout(f"sending {event.type}", self._settings.send_timeout) from None

    async def wait_until(
        self, condition: Callable[[list[Received]], bool], timeout: float, what: str
    ) -> None:
        """Wait until ``condition(received)`` holds; raises SmokeTimeout or ConnectionLost."""
        await wait_for_change(
            lambda: condition(self.received), self._changed, lambda: self._lost, timeout, what
        )

    async def send_prompt_audio(self, audio: PromptAudio, deadline_s: float) -> None:
        """Append the prompt and its trailing silence: burst (as fast as accepted) or real time.

        Burst sends large chunks back to back (the server buffers them; Azure accepts audio
        faster than real time). Real-time pacing sends ~100 ms chunks at speaking speed, as a
        live microphone would, and marks ``speech_end`` when the audio sent reaches it.
        """
        rate, paced = audio.rate, audio.pace == "realtime"
        chunk_ms = audio.chunk_ms if paced else max(audio.chunk_ms, _BURST_CHUNK_MS)
        chunks = list(chunk_bytes(audio.pcm, rate, chunk_ms))
        chunks += chunk_bytes(silence(audio.trailing_silence_ms, rate), rate, chunk_ms)
        loop = asyncio.get_running_loop()
        began, sent_s, marked = loop.time(), 0.0, not paced
        self.protocol.mark("speech_start", self.now(), seconds=round(len(audio.pcm) / 2 / rate, 3))
        for chunk in chunks:
            await self.send(InputAudioBufferAppend(audio=base64.b64encode(chunk).decode("ascii")))
            sent_s += len(chunk) / (2 * rate)
            if paced:
                pause = began + sent_s - loop.time()
                if pause > deadline_s - (loop.time() - began):
                    raise SmokeTimeout("streaming the prompt", deadline_s)
                if pause > 0:
                    await asyncio.sleep(pause)  # pacing the microphone, not synchronisation
            if not marked and sent_s >= audio.speech_end_s - 1e-9:
                self.protocol.mark("speech_end", self.now(), at_s=round(audio.speech_end_s, 3))
                marked = True
        self.protocol.mark("audio_sent", self.now(), pace=audio.pace)

    def transport_checks(self) -> list[CheckResult]:
        """The WebSocket path has no checks of its own: the protocol checks cover it."""
        return []

    async def close(self) -> None:
        """Close gracefully (bounded by ``close_timeout``) and stop the reader."""
        if not self._closing:
            self._closing = True
            if self._lost is None:
                self.protocol.close(self._clock())
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self._settings.close_timeout + 1):
                    await self._ws.close()
        self._pump_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._pump_task


WebSocketTransport = RealtimeClient


async def open_websocket(request: OpenRequest) -> RealtimeClient:
    """The WebSocket opener of :mod:`smoke.transport`: auth header, TLS, bounded handshake."""
    target = request.target
    secret = await target.credential.secret()
    request.remember_secret(secret)
    name, value = auth_header(target.credential.kind, secret)
    settings = ConnectSettings(
        url=target.url,
        headers={name: value},
        ca_path=target.ca_path,
        open_timeout=request.open_timeout_s,
    )
    return await RealtimeClient.connect(settings, request.protocol, request.clock)
