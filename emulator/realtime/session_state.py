"""The state every part of a realtime session shares, and the way it talks back.

``SessionState`` holds the conversation, the uncommitted input audio, the active response and
the two queues the transport drains: server events (``events_to_send``) and blocking speech
work (``jobs_to_run``). The behaviour is layered on top of it: ``response_control`` (responses),
``audio_turns`` (input audio, VAD turns, transcription) and ``session`` (the client's events).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.realtime import params as p
from emulator.realtime.client_events import Job
from emulator.realtime.engine import Speech, VadStream
from emulator.realtime.handshake import SessionTarget
from emulator.realtime.ids import event, new_id
from emulator.realtime.items import Conversation, Item
from emulator.realtime.responses import ResponseRun

SESSION_SECONDS = 30 * 60  # Azure's maximum session length
MAX_APPEND_BASE64 = 15 * 1024 * 1024
MIN_COMMIT_MS = 100.0
PCM_BYTES_PER_MS = 48.0  # PCM16 mono 24 kHz


class SessionState:
    """One realtime conversation's state in the target's dialect, and its outgoing queues."""

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
