"""One realtime session over WebRTC, implementing :class:`smoke.transport.Transport`.

Opening (:meth:`WebRtcTransport.open`): mint a client secret with the caller's identity (the
scenario's session settings go into it), offer SDP with a microphone track and an
``oai-events`` data channel, post the offer to ``…/realtime/calls`` with the ``ek_`` key, apply
the answer, and wait until ICE and DTLS are connected and the data channel is open. Marks:
``connecting``, ``secret_minted``, ``sdp_exchanged``, ``ice_connected``, ``dtls_connected``,
``connected``.

Afterwards the data channel carries the same JSON events a WebSocket would; the reply audio
arrives on the inbound track and is reported to the protocol (``receive_audio``) between the
server's ``output_audio_buffer.started`` and ``.stopped`` for that response.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np
import soxr

from smoke.audio import silence
from smoke.errors import ConnectionLost, SmokeTimeout
from smoke.realtime.dialects import Dialect, auth_header, session_update_payload
from smoke.realtime.events import ClientEvent, ServerEvent
from smoke.realtime.protocol import ProtocolError, RealtimeProtocol
from smoke.transport import wait_for_change
from smoke.webrtc import checks
from smoke.webrtc.http import ClientSecret, mint_client_secret, post_offer, ssl_context
from smoke.webrtc.media import REPLY_RATE, PromptMicrophone, ReplyAudio, use_loopback_candidates

if TYPE_CHECKING:
    from smoke.checks.base import CheckResult
    from smoke.transport import OpenRequest, PromptAudio

__all__ = ["SECRET_SECONDS", "WebRtcTransport"]

Received = ServerEvent | ProtocolError
SECRET_SECONDS = 600  # the client secret's lifetime (Azure's default); sessions outlive it
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_TAIL_S = 0.3  # RTP audio may trail the data channel's output_audio_buffer.stopped
_PLAYBACK_WAIT_S = 30.0  # a reply longer than this is cut at hang-up
_AUDIO_CHUNK_BYTES = 4800  # report inbound audio in 100 ms chunks


class WebRtcTransport:
    """An open WebRTC realtime session. Create with :meth:`open`; always :meth:`close`."""

    name = "webrtc"

    def __init__(
        self, protocol: RealtimeProtocol, clock: Callable[[], float], pc: Any, secret: ClientSecret
    ) -> None:
        self.protocol = protocol
        self.secret = secret
        self.received: list[Received] = []
        self.call_id = ""
        self.states: list[str] = []  # peer connection states, in order
        self._clock = clock
        self._pc = pc
        self._mic = PromptMicrophone(REPLY_RATE)
        self._channel: Any = None
        self._changed = asyncio.Event()
        self._open = asyncio.Event()
        self._lost: ConnectionLost | None = None
        self._closing = False
        self._marked: set[str] = set()
        self._reply = ReplyAudio()
        self._recording_until: float | None = None  # None: not inside a response's audio
        self._pending_audio = bytearray()
        self._reader: asyncio.Task[None] | None = None

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    async def open(cls, request: OpenRequest) -> WebRtcTransport:
        """Mint, offer, answer, connect; raises HandshakeError, TransportError, SmokeTimeout."""
        from aiortc import RTCPeerConnection, RTCSessionDescription

        target, protocol, clock = request.target, request.protocol, request.clock
        if (urlsplit(target.endpoint).hostname or "") in _LOOPBACK:
            use_loopback_candidates()
        context = ssl_context(target.ca_path)
        credential = await target.credential.secret()
        request.remember_secret(credential)
        header, value = auth_header(target.credential.kind, credential)
        protocol.mark("connecting", clock())
        session = {
            **session_update_payload(Dialect.GA, request.settings),
            "model": target.deployment,
        }
        secret = await mint_client_secret(
            target.endpoint,
            {header: value},
            session,
            seconds=SECRET_SECONDS,
            context=context,
            timeout=request.open_timeout_s,
            secrets=[credential],
        )
        request.remember_secret(secret.value)
        protocol.mark("secret_minted", clock(), expires_at=secret.expires_at)
        transport = cls(protocol, clock, RTCPeerConnection(), secret)
        try:
            await transport._negotiate(target.endpoint, context, request.open_timeout_s)
            answer, transport.call_id = await post_offer(
                target.endpoint,
                secret.value,
                transport._pc.localDescription.sdp,
                context=context,
                timeout=request.open_timeout_s,
                secrets=[credential, secret.value],
            )
            protocol.mark("sdp_exchanged", clock(), call_id=transport.call_id)
            await transport._pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
            await transport._wait_open(request.open_timeout_s)
        except BaseException:
            await transport.close()
            raise
        protocol.mark("connected", clock())
        return transport

    async def _negotiate(self, endpoint: str, context: Any, timeout: float) -> None:
        pc = self._pc
        pc.addTrack(self._mic)
        self._channel = pc.createDataChannel("oai-events")
        self._channel.on("open", self._open.set)
        self._channel.on("message", self._on_message)
        self._channel.on("close", lambda: self._peer_gone("data channel closed"))
        pc.on("track", self._on_track)
        pc.on("iceconnectionstatechange", self._on_ice_state)
        pc.on("connectionstatechange", self._on_state)
        await pc.setLocalDescription(await pc.createOffer())

    async def _wait_open(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (self._open.is_set() and "dtls_connected" in self._marked):
            if self._lost is not None:
                raise self._lost
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise SmokeTimeout("ICE, DTLS and the data channel to connect", timeout)
            self._changed.clear()
            # asyncio.timeout, not wait_for: wait_for can swallow a Ctrl-C on Python 3.11
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._changed.wait()

    # -- peer connection events ------------------------------------------------------------------
    def _mark_once(self, name: str) -> None:
        if name not in self._marked:
            self._marked.add(name)
            self.protocol.mark(name, self._clock())
        self._changed.set()

    def _on_ice_state(self) -> None:
        if self._pc.iceConnectionState in ("checking",):
            return
        if self._pc.iceConnectionState in ("connected", "completed"):
            self._mark_once("ice_connected")
        elif self._pc.iceConnectionState == "failed":
            self._peer_gone("ICE failed")

    def _on_state(self) -> None:
        state = self._pc.connectionState
        self.states.append(state)
        if state == "connected":
            self._mark_once("dtls_connected")
        elif state in ("failed", "closed"):
            self._peer_gone(f"peer connection {state}")

    def _peer_gone(self, reason: str) -> None:
        if self._closing or self._lost is not None:
            return
        self._lost = ConnectionLost(None, reason)
        self.protocol.connection_lost(None, reason, self._clock())
        self._changed.set()

    def _on_message(self, message: Any) -> None:
        now = self._clock()
        if isinstance(message, str):
            self.protocol.receive_text(message, now)
        else:
            self.protocol.receive_bytes(bytes(message), now)
        for item in self.protocol.events_received():
            self.received.append(item)
            if isinstance(item, ServerEvent):
                self._follow_audio(item.type, now)
        self._changed.set()

    def _follow_audio(self, kind: str, now: float) -> None:
        if kind == "output_audio_buffer.started":
            self._recording_until = float("inf")
        elif kind in ("output_audio_buffer.stopped", "output_audio_buffer.cleared"):
            self._recording_until = now + _TAIL_S

    def _on_track(self, track: Any) -> None:
        if track.kind == "audio" and self._reader is None:
            self._reader = asyncio.create_task(self._read_reply(track))

    async def _read_reply(self, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            pcm = self._reply.convert(frame)
            now = self._clock()
            if self._recording_until is not None and now <= self._recording_until:
                self._pending_audio += pcm
                if len(self._pending_audio) >= _AUDIO_CHUNK_BYTES:
                    self._flush_audio(now)
            elif self._pending_audio:
                self._flush_audio(now)

    def _flush_audio(self, now: float) -> None:
        chunk, self._pending_audio = bytes(self._pending_audio), bytearray()
        self.protocol.receive_audio(chunk, REPLY_RATE, now)
        self._changed.set()

    # -- Transport ------------------------------------------------------------------------------
    @property
    def lost(self) -> ConnectionLost | None:
        """Why the session ended without us closing it, if it did."""
        return self._lost

    def now(self) -> float:
        """Seconds on the scenario clock."""
        return self._clock()

    async def send(self, event: ClientEvent) -> None:
        """Send ``event`` on the data channel; raises ConnectionLost."""
        if self._lost is not None:
            raise self._lost
        self.protocol.send(event, self._clock())
        for frame in self.protocol.data_to_send():
            if self._channel is None or self._channel.readyState != "open":
                raise ConnectionLost(None, "the data channel is not open")
            self._channel.send(frame)

    async def send_prompt_audio(self, audio: PromptAudio, deadline_s: float) -> None:
        """Speak the prompt into the microphone track (real time), then its trailing silence."""
        pcm = audio.pcm
        if audio.rate != REPLY_RATE:
            samples = np.frombuffer(pcm, dtype="<i2")
            pcm = soxr.resample(samples, audio.rate, REPLY_RATE).astype("<i2").tobytes()
        pcm += silence(audio.trailing_silence_ms, REPLY_RATE)
        self.protocol.mark(
            "speech_start", self.now(), seconds=round(len(audio.pcm) / 2 / audio.rate, 3)
        )

        def progress(seconds: float) -> None:
            if "speech_end" not in self._marked and seconds >= audio.speech_end_s - 1e-9:
                self._marked.add("speech_end")
                self.protocol.mark("speech_end", self.now(), at_s=round(audio.speech_end_s, 3))

        self._mic.speak(pcm, progress)
        try:
            async with asyncio.timeout(deadline_s):
                await self._mic.finished.wait()
        except TimeoutError:
            raise SmokeTimeout("streaming the prompt", deadline_s) from None
        self.protocol.mark("audio_sent", self.now(), pace="realtime")

    async def wait_until(
        self, condition: Callable[[list[Received]], bool], timeout: float, what: str
    ) -> None:
        """Wait until ``condition(received)`` holds; raises SmokeTimeout or ConnectionLost."""
        await wait_for_change(
            lambda: condition(self.received), self._changed, lambda: self._lost, timeout, what
        )

    async def _finish_playback(self) -> None:
        """The scenario is done at ``response.done``; the reply's audio keeps arriving in real
        time until ``output_audio_buffer.stopped``: wait for it, and for the RTP tail."""
        if self._lost is not None or self._recording_until is None:
            return
        await self.wait_until(
            lambda _r: self._recording_until != float("inf"), _PLAYBACK_WAIT_S, "playback"
        )
        tail = (self._recording_until or 0.0) - self._clock()
        if tail > 0:
            await asyncio.sleep(tail)  # the RTP tail after .stopped: audio still in flight
        if self._pending_audio:
            self._flush_audio(self._clock())
        self._recording_until = None

    def transport_checks(self) -> list[CheckResult]:
        """ICE + DTLS connected, ``output_audio_buffer.started``/``.stopped``, key expiry."""
        return [
            checks.check_connected(self._marked, self.states),
            checks.check_output_audio_buffer(self.received),
            checks.check_client_secret(self.secret),
        ]

    async def close(self) -> None:
        """Let the reply finish playing (bounded), then hang up; never raises."""
        if not self._closing:
            with contextlib.suppress(Exception):
                await self._finish_playback()
            self._closing = True
            if self._lost is None:
                self.protocol.close(self._clock())
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5.0):
                    await self._pc.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
