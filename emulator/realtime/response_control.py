"""Responses: ``response.create``/``response.cancel``, where a reply's input comes from, and
the streaming of the active response (its audio is synthesised by a ``Synthesize`` job)."""

from __future__ import annotations

from typing import Any

from emulator.realtime import validation as p
from emulator.realtime.conversation import Conversation, parse_client_item
from emulator.realtime.ids import event, new_id
from emulator.realtime.outbox import Outbox
from emulator.realtime.response_stream import (
    INPUT_AUDIO_TOKENS_PER_SECOND,
    ResponseStream,
    text_tokens,
)
from emulator.realtime.session_config import SessionConfig
from emulator.realtime.speech_jobs import Synthesize
from emulator.realtime.speech_protocol import Speech

PCM_BYTES_PER_MS = 48.0  # PCM16 mono 24 kHz
_ITEM_REFERENCE = p.obj({"type": p.string, "id": p.string}, ("type", "id"))


class ResponseControl:
    """Owns the active response, the reply it waits for, and whether assistant audio exists.

    ``track_audio``: reply audio goes to the outbox as PCM16 24 kHz for a media track
    (WebRTC) instead of ``response.output_audio.delta`` events.
    """

    def __init__(
        self,
        config: SessionConfig,
        conversation: Conversation,
        outbox: Outbox,
        speech: Speech,
        *,
        track_audio: bool = False,
    ) -> None:
        self._config = config
        self._conversation = conversation
        self._outbox = outbox
        self._speech = speech
        self._track_audio = track_audio
        self.active: ResponseStream | None = None
        self._pending_reply: dict[str, Any] | None = None  # the active response awaits input
        self.spoken = False  # assistant audio exists: the voice is fixed
        self._playing: str | None = None  # response id whose audio the track is playing

    # -- client events --------------------------------------------------------------------------
    def create(self, body: dict[str, Any]) -> None:
        """``response.create``."""
        response = body.get("response")
        dialect = self._config.dialect
        params = dialect.validate_response({} if response is None else response)
        self._check_input(params.get("input", []))
        if self.active is not None:
            raise p.ParamError(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{self.active.id}. Wait until the response is finished before "
                "creating a new one.",
                None,
            )
        self.start(params)

    def cancel(self, body: dict[str, Any]) -> None:
        """``response.cancel`` (of the active response, or of the one named)."""
        wanted = body.get("response_id")
        if self.active is None or (wanted and wanted != self.active.id):
            raise p.ParamError(
                "response_cancel_not_active", "Cancellation failed: no active response found", None
            )
        self.cancel_active("client_cancelled")

    def clear_output_audio(self, body: dict[str, Any]) -> None:
        """``output_audio_buffer.clear``: WebRTC/SIP only; stops the reply being played."""
        if not self._track_audio:
            raise p.ParamError(
                "invalid_request_error",
                "output_audio_buffer.clear is only supported for WebRTC and SIP sessions.",
                "type",
            )
        self.cancel_active("client_cancelled")
        self._outbox.clear_audio()
        response_id, self._playing = self._playing, None
        self._outbox.emit(event("output_audio_buffer.cleared", response_id=response_id))

    # -- streaming (the runner's side) ----------------------------------------------------------
    @property
    def streaming(self) -> bool:
        """Whether the active response has deltas or closing events to send."""
        return self.active is not None and self.active.ready and not self.active.finished

    def stream_step(self) -> list[dict[str, Any]]:
        """The next batch of the active response (the runner paces the calls)."""
        if self.active is None:
            return []
        batch, audio = self.active.step()
        if audio and self._track_audio:
            if self._playing != self.active.id:
                self._playing = self.active.id
                self._outbox.emit(event("output_audio_buffer.started", response_id=self.active.id))
            self._outbox.play(audio)
        if self.active.finished:
            self._finish_active()
        return batch

    def next_pause(self) -> float:
        """Audio seconds covered by the next batch (for pacing)."""
        return self.active.seconds_left() if self.active is not None else 0.0

    def audio_played(self, response_id: str) -> None:
        """The track finished playing ``response_id``'s audio: ``output_audio_buffer.stopped``."""
        if self._playing == response_id:
            self._playing = None
            self._outbox.emit(event("output_audio_buffer.stopped", response_id=response_id))

    def synthesized(self, job: Synthesize, pcm: bytes) -> None:
        """The reply's audio is ready: the active response can stream it."""
        run = self.active
        if run is None or run.id != job.response_id or run.finished:
            return
        run.item.parts[0].audio = pcm  # kept for truncate/retrieve
        if self._track_audio:
            run.set_reply(job.text, pcm, PCM_BYTES_PER_MS)
        else:
            fmt = run.settings.audio_format
            run.set_reply(job.text, self._speech.encode(fmt, pcm), self._speech.bytes_per_ms(fmt))
        self.spoken = True

    def synthesis_failed(self, job: Synthesize) -> None:
        """No audio: the response still completes, with its transcript only."""
        if self.active is not None and self.active.id == job.response_id:
            self.active.set_reply(job.text, None, PCM_BYTES_PER_MS)

    # -- responses ------------------------------------------------------------------------------
    def start(self, params: dict[str, Any]) -> None:
        """Open a response (``response.create`` or a VAD turn) and ask for its reply."""
        dialect = self._config.dialect
        settings = dialect.output_settings(self._config.current, params)
        in_conversation = settings.conversation != "none"
        run = ResponseStream(
            dialect,
            settings,
            conversation_id=self._conversation.id if in_conversation else None,
            previous_item_id=self._conversation.last_id() if in_conversation else None,
            input_usage=self._input_usage(),
            audio_events=not self._track_audio,
        )
        source = self._reply_source(params)
        if in_conversation:
            self._conversation.insert(run.item, None)
        self.active = run
        self._pending_reply = {"source": source, "instructions": params.get("instructions")}
        self._outbox.emit_all(run.opening())
        self.advance_reply()

    def advance_reply(self) -> None:
        """Decide the reply once its input is known (a transcript may still be pending)."""
        run, pending = self.active, self._pending_reply
        if run is None or pending is None or run.finished:
            return
        kind, value = pending["source"]
        heard: str | None = value
        if kind == "item":
            item = self._conversation.find(value)
            heard = item.heard() if item is not None else ""
            if heard is None:
                return  # wait for the transcript
        if not heard and pending["instructions"]:
            heard = pending["instructions"]
        self._pending_reply = None
        text = self._speech.reply(heard or "")
        if run.settings.audio:
            self._outbox.request(Synthesize(new_id("job"), run.id, text, run.settings.voice))
        else:
            run.set_reply(text, None, PCM_BYTES_PER_MS)

    def cancel_active(self, reason: str) -> None:
        """End the active response now (``client_cancelled`` or ``turn_detected``)."""
        if self.active is None:
            return
        self._outbox.emit_all(self.active.cancel(reason))
        self._finish_active()

    def _finish_active(self) -> None:
        self.active = None
        self._pending_reply = None

    def _check_input(self, entries: list[Any]) -> None:
        """``response.input``: item references or items as ``conversation.item.create`` takes."""
        fmt = self._config.input_format()
        for index, raw in enumerate(entries):
            param = f"response.input[{index}]"
            if isinstance(raw, dict) and raw.get("type") == "item_reference":
                _ITEM_REFERENCE(raw, param)
            else:
                parse_client_item(
                    raw,
                    self._config.dialect,
                    lambda pcm: self._speech.decode(fmt, pcm),
                    param,
                )

    def _reply_source(self, params: dict[str, Any]) -> tuple[str, str]:
        """Where the reply's input comes from: an item id, a literal text, or nothing."""
        if "input" in params:
            for raw in reversed(params["input"]):
                if isinstance(raw, dict) and raw.get("type") == "item_reference":
                    item = self._conversation.find(str(raw.get("id")))
                    if item is not None and item.role == "user":
                        return ("item", item.id)
                elif isinstance(raw, dict) and raw.get("role") == "user":
                    texts = [
                        c.get("text") or c.get("transcript") or ""
                        for c in raw.get("content", [])
                        if isinstance(c, dict)
                    ]
                    return ("text", " ".join(texts))
            return ("text", "")
        for item in reversed(self._conversation.items):
            if item.type == "message" and item.role == "user":
                return ("item", item.id)
        return ("text", "")

    def _input_usage(self) -> tuple[int, int]:
        text, audio_ms = 0, 0.0
        for item in self._conversation.items:
            for part in item.parts:
                if part.kind == "text":
                    text += text_tokens(part.text or "")
                elif part.kind == "audio" and item.role != "assistant":
                    audio_ms += len(part.audio or b"") / PCM_BYTES_PER_MS
        return text, int(audio_ms / 1000 * INPUT_AUDIO_TOKENS_PER_SECOND + 0.5)
