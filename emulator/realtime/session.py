"""The emulator's server-side realtime session: a sans-I/O core, one per connection.

Feed client events with ``receive_text`` (a WebSocket text frame or a WebRTC data-channel
message) and microphone audio with ``receive_pcm`` (WebRTC); then send ``events_to_send()``
in order, play ``audio_to_play()`` (``media="track"`` only), run ``jobs_to_run()`` (ASR/TTS,
blocking: off the event loop) and report each result with ``job_done``; while ``streaming``
is true, pull ``stream_step()`` batches at the pace you want. Nothing here touches sockets,
threads or clocks (``now`` is passed in); ``session_runner.SessionRunner`` does that.

The session is composed of parts, each owning the state it changes: ``SessionConfig`` (the
session object), ``InputAudio`` (buffer, VAD turns, transcripts), ``ConversationItems``
(items), ``ResponseControl`` (the active response) and the ``Outbox`` they all write to.
``_handlers`` is the one table from client event type to the method that handles it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

from emulator.realtime import validation as p
from emulator.realtime.client_events import CLIENT_EVENTS
from emulator.realtime.conversation import Conversation
from emulator.realtime.conversation_items import ConversationItems
from emulator.realtime.handshake import SessionTarget
from emulator.realtime.ids import event
from emulator.realtime.input_audio import MAX_APPEND_BASE64, MIN_COMMIT_MS, InputAudio
from emulator.realtime.outbox import Outbox
from emulator.realtime.response_control import PCM_BYTES_PER_MS, ResponseControl
from emulator.realtime.session_config import SessionConfig
from emulator.realtime.speech_jobs import Job, Synthesize, Transcribe
from emulator.realtime.speech_protocol import Speech

__all__ = [
    "MAX_APPEND_BASE64",
    "MIN_COMMIT_MS",
    "PCM_BYTES_PER_MS",
    "SESSION_SECONDS",
    "Job",
    "Media",
    "RealtimeSession",
    "Synthesize",
    "Transcribe",
]

SESSION_SECONDS = 30 * 60  # Azure's maximum session length
MAX_DEPTH = 64  # nesting deeper than any real event (the emulator's own limit)
Media = Literal["events", "track"]
Handler = Callable[[dict[str, Any]], None]


def parse_event(raw: str) -> Any:
    """Strict JSON of one client frame: no ``NaN``/``Infinity`` (not JSON, and they could not
    be echoed back), no nesting beyond ``MAX_DEPTH``; ``ValueError`` says what is wrong."""

    def constant(name: str) -> Any:
        raise ValueError(f"'{name}' is not a valid JSON value")

    try:
        message = json.loads(raw, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise ValueError(exc.msg) from None
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    level, frontier = 0, [message]
    while frontier:
        level += 1
        if level > MAX_DEPTH:
            raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
        frontier = [
            child
            for node in frontier
            if isinstance(node, (dict, list))
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, (dict, list))
        ]
    return message


class RealtimeSession:
    """One realtime conversation in the target's dialect.

    ``media="track"`` (WebRTC): reply audio is queued as PCM16 24 kHz for ``audio_to_play``
    rather than sent as audio delta events, and the ``output_audio_buffer.*`` events apply.
    ``session_config``: a ``session`` object given before the session starts (a WebRTC call or
    client secret), validated as ``session.update`` validates it (raises ``ParamError``).
    """

    def __init__(
        self,
        target: SessionTarget,
        speech: Speech,
        *,
        now: float,
        session_seconds: float = SESSION_SECONDS,
        media: Media = "events",
        session_config: dict[str, Any] | None = None,
    ) -> None:
        self.target = target
        self.dialect = target.dialect
        self.speech = speech
        self.media = media
        self.expires_at = int(now + session_seconds)
        self.closed = False
        self.outbox = Outbox()
        self.conversation = Conversation()
        self.settings = SessionConfig(
            self.dialect,
            target.model,
            self.expires_at,
            self.outbox,
            voice_locked=lambda: self.responses.spoken,
            on_turn_detection_changed=lambda: self.input_audio.turn_detection_changed(),
        )
        self.items = ConversationItems(self.settings, self.conversation, self.outbox, speech)
        self.responses = ResponseControl(
            self.settings, self.conversation, self.outbox, speech, track_audio=media == "track"
        )
        self.input_audio = InputAudio(
            self.settings, self.items, self.responses, self.outbox, speech
        )
        self._handlers = self._handler_table()
        if session_config is not None:
            self.settings.preset(session_config)
        self.settings.announce()

    def _handler_table(self) -> dict[str, Handler]:
        """Client event type -> handler (``CLIENT_EVENTS`` validates the body first)."""
        return {
            "session.update": self.settings.update,
            "input_audio_buffer.append": self.input_audio.append,
            "input_audio_buffer.commit": self.input_audio.commit,
            "input_audio_buffer.clear": self.input_audio.clear,
            "conversation.item.create": self.items.create,
            "conversation.item.retrieve": self.items.retrieve,
            "conversation.item.delete": self.items.delete,
            "conversation.item.truncate": self.items.truncate,
            "response.create": self.responses.create,
            "response.cancel": self.responses.cancel,
            "output_audio_buffer.clear": self.responses.clear_output_audio,
        }

    @property
    def config(self) -> dict[str, Any]:
        """The session object as the client last saw it."""
        return self.settings.current

    # -- input ----------------------------------------------------------------------------------
    def receive_text(self, raw: str) -> None:
        """Handle one client event frame; problems become ``error`` events (session stays open)."""
        if self.closed:
            return
        try:
            message = parse_event(raw)
        except ValueError as exc:
            self.outbox.error(
                "invalid_json", f"We could not parse the JSON body of your request. ({exc}).", None
            )
            return
        if not isinstance(message, dict):
            self.outbox.error("invalid_event", "Event must be a JSON object.", None)
            return
        client_id = message.get("event_id") if isinstance(message.get("event_id"), str) else None
        kind = message.get("type")
        if kind is None:
            self.outbox.error("invalid_event", "The 'type' field is missing.", None, client_id)
            return
        try:
            self._dispatch(kind, message)
        except p.ParamError as exc:
            self.outbox.error(exc.code, exc.message, exc.param, client_id)

    def _dispatch(self, kind: Any, message: dict[str, Any]) -> None:
        p.string(kind, "type")
        validator, handler = CLIENT_EVENTS.get(kind), self._handlers.get(kind)
        if validator is None or handler is None:
            p.one_of(*CLIENT_EVENTS)(kind, "type")
            return
        handler(validator(message, ""))

    def receive_pcm(self, pcm: bytes) -> None:
        """Microphone audio as PCM16 24 kHz mono (a WebRTC track), through the same buffer and
        VAD as ``input_audio_buffer.append``."""
        if not self.closed:
            self.input_audio.receive_pcm(pcm)

    def receive_binary(self) -> None:
        """Binary frames are not part of the protocol."""
        self.outbox.error(
            "invalid_event", "Binary frames are not supported; send JSON text frames.", None
        )

    def internal_error(self) -> None:
        """A client event hit a bug in the emulator: say so, and keep the session open."""
        self.outbox.emit(
            event(
                "error",
                error={
                    "type": "server_error",
                    "code": None,
                    "message": "The server had an error while processing your request.",
                    "param": None,
                    "event_id": None,
                },
            )
        )

    def expire(self) -> None:
        """The 30-minute limit: cancel what runs, send ``session_expired``, stop serving."""
        if self.closed:
            return
        self.responses.cancel_active("client_cancelled")
        self.outbox.error(
            "session_expired", "Your session hit the maximum duration of 30 minutes.", None
        )
        self.closed = True

    # -- output ---------------------------------------------------------------------------------
    def events_to_send(self) -> list[dict[str, Any]]:
        """Server events produced since the last call, in order."""
        return self.outbox.take_events()

    def jobs_to_run(self) -> list[Job]:
        """Blocking speech work requested since the last call."""
        return self.outbox.take_jobs()

    def audio_to_play(self) -> list[bytes]:
        """Reply audio (PCM16 24 kHz) for the outbound track since the last call."""
        return self.outbox.take_audio()

    def audio_cleared(self) -> bool:
        """Whether the track must drop unplayed audio (once per ``output_audio_buffer.clear``)."""
        cleared, self.outbox.audio_cleared = self.outbox.audio_cleared, False
        return cleared

    def output_audio_played(self, response_id: str) -> None:
        """The track finished playing a response's audio (``output_audio_buffer.stopped``)."""
        self.responses.audio_played(response_id)

    def job_done(self, job: Job, result: Any) -> None:
        """Report a finished job: transcript text, or synthesised PCM16 24 kHz."""
        if isinstance(job, Transcribe):
            self.input_audio.transcribed(job, str(result))
        elif isinstance(job, Synthesize):
            self.responses.synthesized(job, result)

    def job_failed(self, job: Job, message: str) -> None:
        """Report a job that raised: transcription failure event, or a failed response."""
        if isinstance(job, Transcribe):
            self.input_audio.transcription_failed(job, message)
        elif isinstance(job, Synthesize):
            self.responses.synthesis_failed(job)

    @property
    def streaming(self) -> bool:
        """Whether the active response has deltas or closing events to send."""
        return self.responses.streaming

    def stream_step(self) -> list[dict[str, Any]]:
        """The next batch of the active response (the runner paces the calls)."""
        return self.responses.stream_step()

    def next_pause(self) -> float:
        """Audio seconds covered by the next batch (for pacing)."""
        return self.responses.next_pause()
