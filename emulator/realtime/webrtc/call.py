"""One WebRTC call: the ``SessionLink`` between a peer connection and a realtime session.

The session core and its runner are the ones the WebSocket path uses (``media="track"``).
What differs is the I/O: client events arrive on the data channel the caller opened (any
label) or from observer WebSockets; microphone audio arrives as an Opus track and goes in as
PCM; reply audio leaves as an Opus track, and the track reports when a response's audio has
drained (``output_audio_buffer.stopped``). Hang-up (the peer connection closing or failing,
``…/calls/{id}/hangup``, or the session expiring) ends the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from emulator.realtime.ids import event as server_event
from emulator.realtime.ids import new_id
from emulator.realtime.webrtc.media import InboundAudio, ReplyTrack

log = logging.getLogger("emulator.realtime.webrtc")

APPEND_BYTES = 1920  # feed the session 40 ms of microphone audio at a time (two RTP frames)
# The data channel events Microsoft's browser sample receives with ?webrtcfilter=on (D4).
FILTERED_EVENTS = frozenset(
    {
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "output_audio_buffer.started",
        "output_audio_buffer.stopped",
        "conversation.item.input_audio_transcription.completed",
        "conversation.item.added",
        "conversation.item.created",
        "response.output_text.delta",
        "response.output_text.done",
        "response.output_audio_transcript.delta",
        "response.output_audio_transcript.done",
    }
)
Sink = Callable[[str], None]


class RtcCall:
    """One call's session side; ``peer.CallRegistry`` owns its peer connection."""

    def __init__(self, call_id: str, deployment: str, *, filtered: bool) -> None:
        self.id = call_id
        self.deployment = deployment
        self.filtered = filtered
        self.track = ReplyTrack(self._audio_drained)
        self.ended = asyncio.Event()
        self.runner: Any = None  # session_runner.SessionRunner, set by ``run``
        self._channel: Any = None
        self._backlog: list[str] = []  # data channel messages before the channel opened
        self._observers: set[Sink] = set()
        self._reader: asyncio.Task[None] | None = None
        self._inbound = InboundAudio()
        self._pending_pcm = bytearray()

    # -- wiring --------------------------------------------------------------------------------
    def run(self, runner: Any) -> None:
        """Start serving with ``runner`` (a ``SessionRunner`` over this link)."""
        self.runner = runner
        runner.start()

    def attach_channel(self, channel: Any) -> None:
        """The caller's data channel (whatever its label)."""
        self._channel = channel
        channel.on("message", self._on_channel_message)
        if channel.readyState == "open":
            self._drain_backlog()
        else:
            channel.on("open", self._drain_backlog)

    def attach_track(self, track: Any) -> None:
        """The caller's microphone."""
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_track(track))

    def add_observer(self, sink: Sink) -> Callable[[], None]:
        """An observer WebSocket: gets every event; returns the unsubscribe function."""
        self._observers.add(sink)
        return lambda: self._observers.discard(sink)

    def receive_text(self, text: str) -> None:
        """A client event from the data channel or an observer."""
        if not self.ended.is_set():
            self.runner.receive_text(text)

    def hang_up(self) -> None:
        """End the session (peer gone, hangup request, expiry); idempotent."""
        if self.ended.is_set():
            return
        self.ended.set()
        if self._reader is not None:
            self._reader.cancel()
        self.track.stop()
        if self.runner is not None:
            with contextlib.suppress(RuntimeError):  # no loop left: nothing to stop
                asyncio.get_running_loop().create_task(self.runner.stop())

    # -- SessionLink ---------------------------------------------------------------------------
    async def send_event(self, event: dict[str, Any]) -> None:
        """Deliver one server event to the observers and the data channel."""
        kind = event.get("type")
        if kind == "response.done":
            self.track.finish(event["response"]["id"])
        elif kind == "output_audio_buffer.started":
            self.track.expect(event["response_id"])
        self._deliver(event)
        if kind == "input_audio_buffer.speech_started" and self._interrupts():
            # The caller talks over the reply still playing: the rest of it is dropped (the
            # response itself may be done already; the core cancels it when it is not).
            cut = self.track.clear()
            if cut is not None:
                self._deliver(server_event("output_audio_buffer.cleared", response_id=cut))

    def _interrupts(self) -> bool:
        if self.track.playing is None or self.runner is None:
            return False
        turn = self.runner.session.settings.turn_detection() or {}
        return bool(turn.get("interrupt_response", True))

    def _deliver(self, event: dict[str, Any]) -> None:
        text = json.dumps(event, separators=(",", ":"))
        for sink in list(self._observers):
            sink(text)
        if self.filtered and event.get("type") not in FILTERED_EVENTS:
            return
        if self._channel is not None and self._channel.readyState == "open":
            self._channel.send(text)
        else:
            self._backlog.append(text)

    async def play_audio(self, pcm: bytes) -> None:
        """Queue reply audio on the outbound track."""
        self.track.play(pcm)

    async def clear_audio(self) -> None:
        """Drop reply audio not yet played."""
        self.track.clear()

    async def close(self, reason: str) -> None:
        """The session ended (expiry): hang up."""
        log.info("WebRTC call %s closed: %s", self.id, reason)
        self.hang_up()

    # -- internals -----------------------------------------------------------------------------
    def _on_channel_message(self, message: Any) -> None:
        if self.ended.is_set():
            return
        if isinstance(message, bytes):
            self.runner.receive_binary()
        else:
            self.runner.receive_text(message)

    def _drain_backlog(self) -> None:
        backlog, self._backlog = self._backlog, []
        for text in backlog:
            self._channel.send(text)

    async def _read_track(self, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        while not self.ended.is_set():
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self._pending_pcm += self._inbound.convert(frame)
            if len(self._pending_pcm) >= APPEND_BYTES:
                pcm, self._pending_pcm = bytes(self._pending_pcm), bytearray()
                self.runner.receive_pcm(pcm)

    def _audio_drained(self, response_id: str) -> None:
        if not self.ended.is_set():
            self.runner.audio_played(response_id)


def new_call_id() -> str:
    """``rtc_…`` as Azure names calls."""
    return new_id("rtc")
