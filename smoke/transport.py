"""The transport seam: scenarios drive a :class:`Transport`; WebSocket and WebRTC implement it.

Both adapters sit over the same sans-I/O core (:class:`~smoke.realtime.protocol.RealtimeProtocol`):
every event that arrives (over the socket, or the WebRTC data channel) is fed to
``protocol.receive_text``; every event to send goes through ``protocol.send`` and then
``protocol.data_to_send()``. The checks only ever read ``protocol.log``.

What differs per transport:

- **opening**: an :data:`Opener` takes an :class:`OpenRequest` and returns an open transport.
  A refusal with an HTTP status (at the upgrade, at ``client_secrets`` or at ``calls``) must
  raise :class:`~smoke.errors.HandshakeError` so the readiness policy can retry it; TCP/TLS
  trouble raises :class:`~smoke.errors.TransportError`; a slow open
  :class:`~smoke.errors.SmokeTimeout`. Every secret the opener uses (token, key, ``ek_`` key)
  goes to ``request.remember_secret`` first, so reports can redact it.
- **prompt audio**: :meth:`Transport.send_prompt_audio` (WebSocket: ``input_audio_buffer.append``
  chunks, burst or real-time paced; WebRTC: the microphone track, real time by nature). It marks
  ``speech_start`` when it starts, ``speech_end`` when the audio sent reaches the end of speech
  (only when paced in real time, where that instant is meaningful) and ``audio_sent`` at the end.
- **received audio**: in-band ``response.output_audio.delta`` events are logged as events. A
  transport that receives audio out of band (WebRTC's inbound track) reports it with
  ``protocol.receive_audio(pcm, rate, at)``; the audio checks and metrics use those chunks when a
  response carried no audio deltas.
- **own checks**: :meth:`Transport.transport_checks` returns checks only this transport can
  make (WebRTC: ICE/DTLS connected, ``output_audio_buffer.started``/``.stopped``, key expiry);
  milestone marks such as ``secret_minted``/``sdp_exchanged`` become metrics when present.

:func:`opener_for` maps a transport name to its opener; ``webrtc`` lives in ``smoke.webrtc``
(imported only when asked for, so aiortc stays optional for WebSocket runs).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, cast

from smoke.errors import UsageError

if TYPE_CHECKING:
    import asyncio

    from smoke.checks.base import CheckResult
    from smoke.errors import SessionError
    from smoke.realtime.dialects import SessionSettings
    from smoke.realtime.events import ClientEvent, ServerEvent
    from smoke.realtime.protocol import ProtocolError, RealtimeProtocol
    from smoke.targets import Target

__all__ = [
    "TRANSPORT_NAMES",
    "Clock",
    "OpenRequest",
    "Opener",
    "PromptAudio",
    "Transport",
    "TransportName",
    "opener_for",
]

TransportName = Literal["websocket", "webrtc"]
TRANSPORT_NAMES: tuple[TransportName, ...] = ("websocket", "webrtc")
Clock = Callable[[], float]


@dataclass(frozen=True, kw_only=True)
class OpenRequest:
    """Everything an opener needs for one session on ``target``."""

    target: Target
    protocol: RealtimeProtocol
    clock: Clock  # seconds on the scenario clock; pass clock() as ``at`` to the protocol
    settings: SessionSettings  # what the scenario asks for (WebRTC: the client secret's session)
    open_timeout_s: float = 15.0
    remember_secret: Callable[[str], None] = lambda _secret: None


@dataclass(frozen=True, kw_only=True)
class PromptAudio:
    """The spoken prompt and how to send it: ``burst`` (as fast as accepted) or ``realtime``."""

    pcm: bytes  # PCM16 mono at ``rate``, speech then nothing
    rate: int
    speech_end_s: float  # where speech stops inside ``pcm``
    trailing_silence_ms: int = 1500  # silence appended so server VAD sees the end of speech
    chunk_ms: int = 100
    pace: Literal["burst", "realtime"] = "burst"


class Transport(Protocol):
    """One open realtime session over some transport."""

    name: str  # "websocket" or "webrtc": reports name the transport of every check
    protocol: RealtimeProtocol

    @property
    def received(self) -> list[ServerEvent | ProtocolError]:
        """Every event (and protocol error) received so far, oldest first."""
        ...

    @property
    def lost(self) -> SessionError | None:
        """Why the session ended without us closing it, if it did."""
        ...

    def now(self) -> float:
        """Seconds on the scenario clock."""
        ...

    async def send(self, event: ClientEvent) -> None:
        """Send one client event; raises ConnectionLost or SmokeTimeout."""
        ...

    async def send_prompt_audio(self, audio: PromptAudio, deadline_s: float) -> None:
        """Send the prompt (then its trailing silence); raises SmokeTimeout past ``deadline_s``."""
        ...

    async def wait_until(
        self,
        condition: Callable[[list[ServerEvent | ProtocolError]], bool],
        timeout: float,
        what: str,
    ) -> None:
        """Wait until ``condition(received)``; raises SmokeTimeout or the loss reason."""
        ...

    def transport_checks(self) -> list[CheckResult]:
        """Checks only this transport can make (called after :meth:`close`)."""
        ...

    async def close(self) -> None:
        """Close gracefully, bounded in time; never raises."""
        ...


Opener = Callable[[OpenRequest], Awaitable[Transport]]

_OPENERS: dict[str, tuple[str, str]] = {
    "websocket": ("smoke.client", "open_websocket"),
    "webrtc": ("smoke.webrtc", "open_webrtc"),
}


def opener_for(name: str) -> Opener:
    """The opener of transport ``name``; UsageError when unknown or not installed."""
    where = _OPENERS.get(name)
    if where is None:
        raise UsageError(f"unknown transport {name!r}; use websocket or webrtc")
    module_name, attribute = where
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"transport {name} is not available here ({exc})") from None
    return cast(Opener, getattr(module, attribute))


async def wait_for_change(
    condition: Callable[[], bool],
    changed: asyncio.Event,
    lost: Callable[[], BaseException | None],
    timeout: float,
    what: str,
) -> None:
    """Wait until ``condition()`` holds, waking whenever ``changed`` is set.

    The one wait loop both adapters use for ``Transport.wait_until``: raises the adapter's loss
    (``lost()``) as soon as it is known, or ``SmokeTimeout(what, timeout)``.
    """
    import asyncio
    import contextlib

    from smoke.errors import SmokeTimeout

    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0.0, timeout)
    while not condition():
        failure = lost()
        if failure is not None:
            raise failure
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise SmokeTimeout(what, timeout)
        changed.clear()
        # asyncio.timeout, not wait_for: wait_for can swallow a Ctrl-C on Python 3.11
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(remaining):
                await changed.wait()
