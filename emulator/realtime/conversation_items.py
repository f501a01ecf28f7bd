"""The ``conversation.item.*`` client events over the session's ``Conversation``."""

from __future__ import annotations

from typing import Any

from emulator.realtime import validation as p
from emulator.realtime.conversation import Conversation, Item, parse_client_item
from emulator.realtime.ids import event, new_id
from emulator.realtime.outbox import Outbox
from emulator.realtime.session_config import SessionConfig
from emulator.realtime.speech_jobs import Transcribe
from emulator.realtime.speech_protocol import Speech

PCM_BYTES_PER_MS = 48.0  # PCM16 mono 24 kHz


class ConversationItems:
    """Creates, retrieves, deletes and truncates items; announces every new item."""

    def __init__(
        self, config: SessionConfig, conversation: Conversation, outbox: Outbox, speech: Speech
    ) -> None:
        self._config = config
        self.conversation = conversation
        self._outbox = outbox
        self._speech = speech

    # -- client events --------------------------------------------------------------------------
    def create(self, body: dict[str, Any]) -> None:
        """``conversation.item.create`` (audio parts without a transcript get transcribed)."""
        fmt = self._config.input_format()
        item = parse_client_item(
            body["item"], self._config.dialect, lambda raw: self._speech.decode(fmt, raw)
        )
        if self.conversation.find(item.id) is not None:
            raise p.ParamError(
                "item_create_duplicate_item_id",
                f"Item with id '{item.id}' already exists.",
                "item.id",
            )
        if item.type == "function_call_output" and not self._has_call(item.call_id):
            # Azure's words and code for it (seen in livekit/agents#3344)
            raise p.ParamError(
                "invalid_tool_call_id",
                f"Tool call ID '{item.call_id}' not found in conversation.",
                None,
            )
        previous = self.conversation.insert(item, body.get("previous_item_id"))
        self.announce(item, previous)
        for part in item.parts:
            if part.kind == "audio" and part.transcript is None:
                self._outbox.request(
                    Transcribe(
                        new_id("job"), item.id, part.audio or b"", self._config.transcribes_input()
                    )
                )

    def retrieve(self, body: dict[str, Any]) -> None:
        """``conversation.item.retrieve`` (with the item's audio)."""
        item = self.find(body["item_id"], "item_retrieve_invalid_item_id")
        wire = item.wire(self._config.dialect, with_audio=True)
        self._outbox.emit(event("conversation.item.retrieved", item=wire))

    def delete(self, body: dict[str, Any]) -> None:
        """``conversation.item.delete``."""
        item = self.find(body["item_id"], "item_delete_invalid_item_id")
        self.conversation.delete(item.id)
        self._outbox.emit(event("conversation.item.deleted", item_id=item.id))

    def truncate(self, body: dict[str, Any]) -> None:
        """``conversation.item.truncate`` of an assistant audio message."""
        item = self.find(body["item_id"], "item_truncate_invalid_item_id")
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
        self._outbox.emit(
            event(
                "conversation.item.truncated",
                item_id=item.id,
                content_index=0,
                audio_end_ms=body["audio_end_ms"],
            )
        )

    # -- for the other parts --------------------------------------------------------------------
    def announce(self, item: Item, previous: str | None) -> None:
        """GA: ``conversation.item.added`` + ``.done``; preview: ``conversation.item.created``."""
        wire = item.wire(self._config.dialect)
        if self._config.dialect.name == "ga":
            self._outbox.emit(
                event("conversation.item.added", previous_item_id=previous, item=wire)
            )
            self._outbox.emit(event("conversation.item.done", previous_item_id=previous, item=wire))
        else:
            self._outbox.emit(
                event("conversation.item.created", previous_item_id=previous, item=wire)
            )

    def _has_call(self, call_id: str | None) -> bool:
        return any(
            i.type == "function_call" and i.call_id == call_id for i in self.conversation.items
        )

    def find(self, item_id: str, code: str) -> Item:
        """The item, or the ``ParamError`` named ``code``."""
        item = self.conversation.find(item_id)
        if item is None:
            raise p.ParamError(code, f"Item with item_id not found: {item_id}", "item_id")
        return item
