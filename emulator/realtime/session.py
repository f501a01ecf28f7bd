"""The emulator's server-side realtime session: a sans-I/O state machine, one per WebSocket.

Feed client frames with ``receive_text``; then send ``events_to_send()`` in order, run
``jobs_to_run()`` (ASR/TTS, blocking: off the event loop) and report each result with
``job_done``; while ``streaming`` is true, pull ``stream_step()`` batches at the pace you
want. Nothing here touches sockets, threads or clocks (``now`` is passed in).

The session is layered by responsibility: ``session_state`` (shared state and queues),
``response_control`` (responses), ``audio_turns`` (input audio and VAD turns) and this module
(client event dispatch, session configuration, conversation items).
"""

from __future__ import annotations

import json
from typing import Any

from emulator.realtime import params as p
from emulator.realtime.audio_turns import AudioTurns
from emulator.realtime.client_events import CLIENT_EVENTS, Job, Synthesize, Transcribe
from emulator.realtime.ids import event, new_id
from emulator.realtime.items import parse_client_item
from emulator.realtime.session_state import (
    MAX_APPEND_BASE64,
    MIN_COMMIT_MS,
    PCM_BYTES_PER_MS,
    SESSION_SECONDS,
)

__all__ = [
    "MAX_APPEND_BASE64",
    "MIN_COMMIT_MS",
    "PCM_BYTES_PER_MS",
    "SESSION_SECONDS",
    "Job",
    "RealtimeSession",
    "Synthesize",
    "Transcribe",
]


MAX_DEPTH = 64  # nesting deeper than any real event (the emulator's own limit)


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


class RealtimeSession(AudioTurns):
    """One realtime conversation in the target's dialect."""

    # -- the caller's side ------------------------------------------------------------------
    def job_done(self, job: Job, result: Any) -> None:
        """Report a finished job: transcript text, or synthesised PCM16 24 kHz."""
        if isinstance(job, Transcribe):
            self._transcribed(job, str(result))
        else:
            self._synthesized(job, result)

    def job_failed(self, job: Job, message: str) -> None:
        """Report a job that raised: transcription failure event, or a failed response."""
        if isinstance(job, Transcribe):
            self._transcription_failed(job, message)
        else:
            self._synthesis_failed(job)

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
            message = parse_event(raw)
        except ValueError as exc:
            self._error(
                "invalid_json",
                f"We could not parse the JSON body of your request. ({exc}).",
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

    def internal_error(self) -> None:
        """A client event hit a bug in the emulator: say so, and keep the session open."""
        self._emit(
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
