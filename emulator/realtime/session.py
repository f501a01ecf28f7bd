"""The emulator's server-side realtime session: a sans-I/O state machine, one per WebSocket.

Feed client frames with ``receive_text``; then send ``events_to_send()`` in order, run
``jobs_to_run()`` (ASR/TTS, blocking: off the event loop) and report each result with
``job_done``; while ``streaming`` is true, pull ``stream_step()`` batches at the pace you
want. Nothing here touches sockets, threads or clocks (``now`` is passed in).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from emulator.realtime import params as p
from emulator.realtime.client_events import CLIENT_EVENTS, Job, Synthesize, Transcribe
from emulator.realtime.engine import Speech, VadStream
from emulator.realtime.handshake import SessionTarget
from emulator.realtime.ids import event, new_id
from emulator.realtime.items import Conversation, Item, Part, decode_base64, parse_client_item
from emulator.realtime.responses import INPUT_AUDIO_TOKENS_PER_SECOND, ResponseRun, text_tokens

SESSION_SECONDS = 30 * 60  # Azure's maximum session length
MAX_APPEND_BASE64 = 15 * 1024 * 1024
MIN_COMMIT_MS = 100.0
PCM_BYTES_PER_MS = 48.0  # PCM16 mono 24 kHz


class RealtimeSession:
    """One realtime conversation in the target's dialect."""

    def __init__(
        self,
        target: SessionTarget,
        speech: Speech,
        *,
        now: float,
        session_seconds: float = SESSION_SECONDS,
    ) -> None:
        self.target = target
        self.dialect = target.dialect
        self.speech = speech
        self.expires_at = int(now + session_seconds)
        self.config = self.dialect.default_session(new_id("sess"), target.model, self.expires_at)
        self.conversation = Conversation()
        self.active: ResponseRun | None = None
        self.closed = False
        self._out: list[dict[str, Any]] = []
        self._jobs: list[Job] = []
        self._buffer = bytearray()  # uncommitted PCM16 24 kHz
        self._buffer_start_ms = 0.0  # session audio time of _buffer[0]
        self._vad: VadStream | None = None
        self._decoder: tuple[str, Callable[[bytes], bytes]] | None = None
        self._speech_item: str | None = None
        self._speech_start_ms = 0
        self._pending_reply: dict[str, Any] | None = None  # active response awaiting its input
        self._spoken = False  # assistant audio exists: the voice is fixed
        self._emit(event("session.created", session=self.config))

    # -- the caller's side ------------------------------------------------------------------
    def events_to_send(self) -> list[dict[str, Any]]:
        """Server events produced since the last call, in order."""
        out, self._out = self._out, []
        return out

    def jobs_to_run(self) -> list[Job]:
        """Blocking speech work requested since the last call."""
        jobs, self._jobs = self._jobs, []
        return jobs

    @property
    def streaming(self) -> bool:
        """Whether the active response has deltas or closing events to send."""
        return self.active is not None and self.active.ready and not self.active.finished

    def stream_step(self) -> list[dict[str, Any]]:
        """The next batch of the active response (the transport paces the calls)."""
        if self.active is None:
            return []
        batch = self.active.step()
        if self.active.finished:
            self._finish_active()
        return batch

    def next_pause(self) -> float:
        """Audio seconds covered by the next batch (for pacing)."""
        return self.active.seconds_left() if self.active is not None else 0.0

    def job_done(self, job: Job, result: Any) -> None:
        """Report a finished job: transcript text, or synthesised PCM16 24 kHz."""
        if isinstance(job, Transcribe):
            self._transcribed(job, str(result))
        elif (
            self.active is not None
            and self.active.id == job.response_id
            and not self.active.finished
        ):
            fmt = self.active.settings.audio_format
            self.active.item.parts[0].audio = result  # kept for truncate/retrieve
            self.active.set_reply(
                job.text, self.speech.encode(fmt, result), self.speech.bytes_per_ms(fmt)
            )
            self._spoken = True

    def job_failed(self, job: Job, message: str) -> None:
        """Report a job that raised: transcription failure event, or a failed response."""
        if isinstance(job, Transcribe):
            item = self.conversation.find(job.item_id)
            if item is not None:
                item.parts[0].transcript = ""
            if job.emit_events:
                self._emit(
                    event(
                        "conversation.item.input_audio_transcription.failed",
                        item_id=job.item_id,
                        content_index=0,
                        error={
                            "type": "transcription_error",
                            "code": "audio_unintelligible",
                            "message": message,
                            "param": None,
                        },
                    )
                )
            self._advance_reply()
        elif self.active is not None and self.active.id == job.response_id:
            self.active.set_reply(job.text, None, PCM_BYTES_PER_MS)

    def expire(self) -> None:
        """The 30-minute limit: cancel what runs, send ``session_expired``, stop serving."""
        if self.closed:
            return
        self._cancel_active("client_cancelled")
        self._error(
            "session_expired", "Your session hit the maximum duration of 30 minutes.", None, None
        )
        self.closed = True

    def receive_text(self, raw: str) -> None:
        """Handle one client text frame; problems become ``error`` events (session stays open)."""
        if self.closed:
            return
        try:
            message = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._error(
                "invalid_json",
                f"We could not parse the JSON body of your request. ({exc.msg}).",
                None,
                None,
            )
            return
        if not isinstance(message, dict):
            self._error("invalid_event", "Event must be a JSON object.", None, None)
            return
        client_id = message.get("event_id") if isinstance(message.get("event_id"), str) else None
        kind = message.get("type")
        if kind is None:
            self._error("invalid_event", "The 'type' field is missing.", None, client_id)
            return
        try:
            p.string(kind, "type")
            validator = CLIENT_EVENTS.get(kind)
            if validator is None:
                p.one_of(*CLIENT_EVENTS)(kind, "type")
                return
            body = validator(message, "")
            getattr(self, "_on_" + kind.replace(".", "_"))(body)
        except p.ParamError as exc:
            self._error(exc.code, exc.message, exc.param, client_id)

    def receive_binary(self) -> None:
        """Binary frames are not part of the protocol."""
        self._error(
            "invalid_event", "Binary frames are not supported; send JSON text frames.", None, None
        )

    # -- client events ------------------------------------------------------------------------
    def _on_session_update(self, body: dict[str, Any]) -> None:
        patch = self.dialect.validate_update(body["session"])
        merged = self.dialect.merge(self.config, patch)
        if self._spoken and self._voice(merged) != self._voice(self.config):
            param = "session.audio.output.voice" if self.dialect.name == "ga" else "session.voice"
            raise p.ParamError(
                "cannot_update_voice",
                "Cannot update a conversation's voice if assistant audio is present.",
                param,
            )
        if self.dialect.turn_detection(merged) != self.dialect.turn_detection(self.config):
            self._vad = None
        self.config = merged
        self._emit(event("session.updated", session=self.config))

    def _on_input_audio_buffer_append(self, body: dict[str, Any]) -> None:
        audio = body["audio"]
        if len(audio) > MAX_APPEND_BASE64:
            raise p.ParamError(
                "invalid_value",
                f"Invalid 'audio': audio chunk too large. Expected "
                f"at most {MAX_APPEND_BASE64} characters of base64 per event, "
                f"but got {len(audio)}.",
                "audio",
            )
        fmt = self.dialect.input_format(self.config)
        if self._decoder is None or self._decoder[0] != fmt:
            self._decoder = (fmt, self.speech.decoder(fmt))
        pcm = self._decoder[1](decode_base64(audio, "audio"))
        self._buffer += pcm
        turn = self.dialect.turn_detection(self.config)
        if turn is None:
            return
        if self._vad is None:
            start_ms = int(
                self._buffer_start_ms + (len(self._buffer) - len(pcm)) / PCM_BYTES_PER_MS
            )
            self._vad = self.speech.vad(turn, start_ms)
        for kind, ms in self._vad.feed(pcm):
            if kind == "start":
                self._speech_started(turn, ms)
            elif kind == "stop" and self._speech_item is not None:
                self._speech_stopped(turn, ms)

    def _on_input_audio_buffer_commit(self, body: dict[str, Any]) -> None:
        have_ms = len(self._buffer) / PCM_BYTES_PER_MS
        if have_ms < MIN_COMMIT_MS:
            raise p.ParamError(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected "
                f"at least 100ms of audio, but buffer only has {have_ms:.2f}ms of "
                "audio.",
                None,
            )
        self._commit(self._speech_item or new_id("item"), bytes(self._buffer))

    def _on_input_audio_buffer_clear(self, body: dict[str, Any]) -> None:
        self._drop_buffer(len(self._buffer))
        self._speech_item = None
        if self._vad is not None:
            self._vad.reset()
        self._emit(event("input_audio_buffer.cleared"))

    def _on_conversation_item_create(self, body: dict[str, Any]) -> None:
        fmt = self.dialect.input_format(self.config)
        item = parse_client_item(
            body["item"], self.dialect, lambda raw: self.speech.decode(fmt, raw)
        )
        if self.conversation.find(item.id) is not None:
            raise p.ParamError(
                "item_create_duplicate_item_id",
                f"Item with id '{item.id}' already exists.",
                "item.id",
            )
        previous = self.conversation.insert(item, body.get("previous_item_id"))
        self._announce_item(item, previous)
        for part in item.parts:
            if part.kind == "audio" and part.transcript is None:
                self._jobs.append(
                    Transcribe(
                        new_id("job"),
                        item.id,
                        part.audio or b"",
                        self.dialect.transcription(self.config) is not None,
                    )
                )

    def _on_conversation_item_retrieve(self, body: dict[str, Any]) -> None:
        item = self._item(body["item_id"], "item_retrieve_invalid_item_id")
        self._emit(
            event("conversation.item.retrieved", item=item.wire(self.dialect, with_audio=True))
        )

    def _on_conversation_item_delete(self, body: dict[str, Any]) -> None:
        item = self._item(body["item_id"], "item_delete_invalid_item_id")
        self.conversation.delete(item.id)
        self._emit(event("conversation.item.deleted", item_id=item.id))

    def _on_conversation_item_truncate(self, body: dict[str, Any]) -> None:
        item = self._item(body["item_id"], "item_truncate_invalid_item_id")
        if item.role != "assistant" or not item.parts or item.parts[0].kind != "audio":
            raise p.ParamError(
                "item_truncate_invalid_item_id",
                "Only assistant messages with audio can be truncated.",
                "item_id",
            )
        if body["content_index"] != 0:
            raise p.ParamError(
                "invalid_value", "Invalid 'content_index': no such content part.", "content_index"
            )
        part = item.parts[0]
        length_ms = len(part.audio or b"") / PCM_BYTES_PER_MS
        if body["audio_end_ms"] > length_ms:
            raise p.ParamError(
                "invalid_value",
                f"Audio content of {length_ms:.0f}ms is already "
                f"shorter than {body['audio_end_ms']}ms",
                "audio_end_ms",
            )
        part.audio = (part.audio or b"")[: int(body["audio_end_ms"] * PCM_BYTES_PER_MS)]
        part.transcript = ""
        self._emit(
            event(
                "conversation.item.truncated",
                item_id=item.id,
                content_index=0,
                audio_end_ms=body["audio_end_ms"],
            )
        )

    def _on_response_create(self, body: dict[str, Any]) -> None:
        params = self.dialect.validate_response(body.get("response") or {})
        if self.active is not None:
            raise p.ParamError(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{self.active.id}. Wait until the response is finished before "
                "creating a new one.",
                None,
            )
        self._start_response(params)

    def _on_response_cancel(self, body: dict[str, Any]) -> None:
        wanted = body.get("response_id")
        if self.active is None or (wanted and wanted != self.active.id):
            raise p.ParamError(
                "response_cancel_not_active", "Cancellation failed: no active response found", None
            )
        self._cancel_active("client_cancelled")

    def _on_output_audio_buffer_clear(self, body: dict[str, Any]) -> None:
        raise p.ParamError(
            "invalid_request_error",
            "output_audio_buffer.clear is only supported for WebRTC and SIP sessions.",
            "type",
        )

    # -- audio input ---------------------------------------------------------------------------
    def _speech_started(self, turn: dict[str, Any], ms: int) -> None:
        start = max(int(self._buffer_start_ms), ms)  # ms includes the prefix padding
        self._speech_item = new_id("item")
        self._speech_start_ms = start
        self._emit(
            event(
                "input_audio_buffer.speech_started", audio_start_ms=start, item_id=self._speech_item
            )
        )
        if self.active is not None and turn.get("interrupt_response", True):
            self._cancel_active("turn_detected")

    def _speech_stopped(self, turn: dict[str, Any], ms: int) -> None:
        item_id = self._speech_item
        assert item_id is not None
        self._emit(event("input_audio_buffer.speech_stopped", audio_end_ms=ms, item_id=item_id))
        # audio before the padded start of speech is dropped, as the service does
        self._drop_buffer(int((self._speech_start_ms - self._buffer_start_ms) * PCM_BYTES_PER_MS))
        self._commit(item_id, bytes(self._buffer))
        if turn.get("create_response", True) and self.active is None:
            self._start_response({})

    def _drop_buffer(self, nbytes: int) -> None:
        nbytes = max(0, min(nbytes - nbytes % 2, len(self._buffer)))
        del self._buffer[:nbytes]
        self._buffer_start_ms += nbytes / PCM_BYTES_PER_MS

    def _commit(self, item_id: str, pcm: bytes) -> None:
        self._drop_buffer(len(pcm))
        self._speech_item = None
        if self._vad is not None:
            self._vad.reset()
        item = Item(item_id, "message", role="user", parts=[Part("audio", audio=pcm)])
        previous = self.conversation.insert(item, None)
        self._emit(
            event("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id)
        )
        self._announce_item(item, previous)
        self._jobs.append(
            Transcribe(
                new_id("job"), item_id, pcm, self.dialect.transcription(self.config) is not None
            )
        )

    def _transcribed(self, job: Transcribe, text: str) -> None:
        item = self.conversation.find(job.item_id)
        if item is not None:
            for part in item.parts:
                if part.kind == "audio" and part.transcript is None:
                    part.transcript = text
        if job.emit_events:
            seconds = round(len(job.pcm) / PCM_BYTES_PER_MS / 1000, 3)
            self._emit(
                event(
                    "conversation.item.input_audio_transcription.delta",
                    item_id=job.item_id,
                    content_index=0,
                    delta=text,
                )
            )
            self._emit(
                event(
                    "conversation.item.input_audio_transcription.completed",
                    item_id=job.item_id,
                    content_index=0,
                    transcript=text,
                    usage={"type": "duration", "seconds": seconds},
                )
            )
        self._advance_reply()

    # -- responses -----------------------------------------------------------------------------
    def _start_response(self, params: dict[str, Any]) -> None:
        settings = self.dialect.output_settings(self.config, params)
        in_conversation = settings.conversation != "none"
        run = ResponseRun(
            self.dialect,
            settings,
            conversation_id=self.conversation.id if in_conversation else None,
            previous_item_id=self.conversation.last_id() if in_conversation else None,
            input_usage=self._input_usage(),
        )
        source = self._reply_source(params)
        if in_conversation:
            self.conversation.insert(run.item, None)
        self.active = run
        self._pending_reply = {"source": source, "instructions": params.get("instructions")}
        self._emit_all(run.opening())
        self._advance_reply()

    def _reply_source(self, params: dict[str, Any]) -> Any:
        """Where the reply's input comes from: an item id, a literal text, or nothing."""
        if "input" in params:
            for raw in reversed(params["input"]):
                if isinstance(raw, dict) and raw.get("type") == "item_reference":
                    item = self.conversation.find(str(raw.get("id")))
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
        for item in reversed(self.conversation.items):
            if item.type == "message" and item.role == "user":
                return ("item", item.id)
        return ("text", "")

    def _advance_reply(self) -> None:
        run, pending = self.active, self._pending_reply
        if run is None or pending is None or run.finished:
            return
        kind, value = pending["source"]
        heard: str | None = value
        if kind == "item":
            item = self.conversation.find(value)
            heard = item.heard() if item is not None else ""
            if heard is None:
                return  # wait for the transcript
        if not heard and pending["instructions"]:
            heard = pending["instructions"]
        self._pending_reply = None
        text = self.speech.reply(heard or "")
        if run.settings.audio:
            self._jobs.append(Synthesize(new_id("job"), run.id, text, run.settings.voice))
        else:
            run.set_reply(text, None, PCM_BYTES_PER_MS)

    def _cancel_active(self, reason: str) -> None:
        if self.active is None:
            return
        self._emit_all(self.active.cancel(reason))
        self._finish_active()

    def _finish_active(self) -> None:
        self.active = None
        self._pending_reply = None

    def _input_usage(self) -> tuple[int, int]:
        text, audio_ms = 0, 0.0
        for item in self.conversation.items:
            for part in item.parts:
                if part.kind == "text":
                    text += text_tokens(part.text or "")
                elif part.kind == "audio" and item.role != "assistant":
                    audio_ms += len(part.audio or b"") / PCM_BYTES_PER_MS
        return text, int(audio_ms / 1000 * INPUT_AUDIO_TOKENS_PER_SECOND + 0.5)

    # -- helpers -------------------------------------------------------------------------------
    def _announce_item(self, item: Item, previous: str | None) -> None:
        wire = item.wire(self.dialect)
        if self.dialect.name == "ga":
            self._emit(event("conversation.item.added", previous_item_id=previous, item=wire))
            self._emit(event("conversation.item.done", previous_item_id=previous, item=wire))
        else:
            self._emit(event("conversation.item.created", previous_item_id=previous, item=wire))

    def _item(self, item_id: str, code: str) -> Item:
        item = self.conversation.find(item_id)
        if item is None:
            raise p.ParamError(code, f"Item with item_id not found: {item_id}", "item_id")
        return item

    def _voice(self, config: dict[str, Any]) -> str:
        if self.dialect.name == "ga":
            return str(config["audio"]["output"]["voice"])
        return str(config["voice"])

    def _error(self, code: str, message: str, param: str | None, client_id: str | None) -> None:
        self._emit(
            event(
                "error",
                error={
                    "type": "invalid_request_error",
                    "code": code,
                    "message": message,
                    "param": param,
                    "event_id": client_id,
                },
            )
        )

    def _emit(self, ev: dict[str, Any]) -> None:
        self._out.append(ev)

    def _emit_all(self, events: list[dict[str, Any]]) -> None:
        self._out.extend(events)
