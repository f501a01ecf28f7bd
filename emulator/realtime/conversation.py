"""The conversation: items in order, client item validation and their wire shapes per dialect."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from emulator.realtime import validation as p
from emulator.realtime.dialects import Dialect
from emulator.realtime.ids import new_id


@dataclass
class Part:
    """One content part: text, or audio (PCM16 24 kHz) with its transcript."""

    kind: str  # "text" | "audio" | "image"
    text: str | None = None
    audio: bytes | None = None
    transcript: str | None = None


@dataclass
class Item:
    """A conversation item in dialect-neutral form."""

    id: str
    type: str  # "message" | "function_call" | "function_call_output"
    role: str | None = None
    parts: list[Part] = field(default_factory=list)
    status: str = "completed"
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None
    output: str | None = None

    def heard(self) -> str | None:
        """What the item says (text or transcript); None while a transcript is pending."""
        texts: list[str] = []
        for part in self.parts:
            if part.kind == "text":
                texts.append(part.text or "")
            elif part.kind == "audio":
                if part.transcript is None:
                    return None
                texts.append(part.transcript)
        return " ".join(t for t in texts if t).strip()

    def wire(self, dialect: Dialect, *, with_audio: bool = False) -> dict[str, Any]:
        """The item as the dialect shows it (raw audio only on ``retrieve``)."""
        base: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "object": "realtime.item",
            "status": self.status,
        }
        if self.type == "function_call":
            return {
                **base,
                "call_id": self.call_id,
                "name": self.name,
                "arguments": self.arguments or "",
            }
        if self.type == "function_call_output":
            return {**base, "call_id": self.call_id, "output": self.output or ""}
        content = [self._part_wire(part, dialect, with_audio) for part in self.parts]
        return {**base, "role": self.role, "content": content}

    def _part_wire(self, part: Part, dialect: Dialect, with_audio: bool) -> dict[str, Any]:
        if self.role == "assistant":
            if part.kind == "audio":
                out: dict[str, Any] = {"type": dialect.audio_part, "transcript": part.transcript}
                if with_audio and part.audio:
                    out["audio"] = base64.b64encode(part.audio).decode()
                return out
            return {"type": dialect.text_part, "text": part.text}
        if part.kind == "audio":
            out = {"type": "input_audio", "transcript": part.transcript}
            if with_audio and part.audio:
                out["audio"] = base64.b64encode(part.audio).decode()
            return out
        if part.kind == "image":
            return {"type": "input_image"}
        return {"type": "input_text", "text": part.text}


class Conversation:
    """Items in order; ``conv_…`` id."""

    def __init__(self) -> None:
        self.id = new_id("conv")
        self.items: list[Item] = []

    def find(self, item_id: str) -> Item | None:
        """The item with that id, or None."""
        return next((item for item in self.items if item.id == item_id), None)

    def last_id(self) -> str | None:
        """The id of the last item (the ``previous_item_id`` of an appended one)."""
        return self.items[-1].id if self.items else None

    def insert(self, item: Item, previous_item_id: str | None) -> str | None:
        """Insert after ``previous_item_id`` (None: append, "root": first); returns the predecessor.

        Raises ``ParamError`` when the predecessor does not exist.
        """
        if previous_item_id is None:
            before = self.last_id()
            self.items.append(item)
            return before
        if previous_item_id == "root":
            self.items.insert(0, item)
            return None
        for index, existing in enumerate(self.items):
            if existing.id == previous_item_id:
                self.items.insert(index + 1, item)
                return previous_item_id
        raise p.ParamError(
            "item_create_invalid_previous_item_id",
            f"Previous item with item_id not found: {previous_item_id}",
            "previous_item_id",
        )

    def previous_of(self, item_id: str) -> str | None:
        """The id of the item before ``item_id``."""
        ids = [item.id for item in self.items]
        index = ids.index(item_id)
        return ids[index - 1] if index > 0 else None

    def delete(self, item_id: str) -> bool:
        """Remove an item; whether it existed."""
        item = self.find(item_id)
        if item is None:
            return False
        self.items.remove(item)
        return True

    def last_user_text(self, upto: int | None = None) -> tuple[str | None, bool]:
        """(text of the last user message, found); text None while its transcript is pending."""
        for item in reversed(self.items[:upto]):
            if item.type == "message" and item.role == "user":
                return item.heard(), True
        return None, False


_TEXT = p.obj({"type": p.string, "text": p.string}, ("type", "text"))
_AUDIO = p.obj({"type": p.string, "audio": p.string, "transcript": p.nullable(p.string)}, ("type",))
_IMAGE = p.obj({"type": p.string, "image_url": p.string, "detail": p.string}, ("type",))
_COMMON = {
    "id": p.string,
    "type": p.string,
    "object": p.one_of("realtime.item"),
    "status": p.one_of("completed", "incomplete", "in_progress"),
}


def parse_client_item(raw: Any, dialect: Dialect, decode_audio: Any, param: str = "item") -> Item:
    """Validate ``conversation.item.create``'s ``item`` (or one named ``param``, such as an
    entry of ``response.input``); raises ``ParamError``.

    ``decode_audio(bytes) -> pcm16 24 kHz`` converts ``input_audio`` in the session format.
    """
    if not isinstance(raw, dict):
        raise p.wrong_type(param, "an object", raw)
    if "type" not in raw:
        raise p.missing(f"{param}.type")
    kind = p.one_of("message", "function_call", "function_call_output")(
        raw["type"], f"{param}.type"
    )
    item_id = raw.get("id") or new_id("item")
    if kind == "function_call":
        body = p.obj(
            {**_COMMON, "call_id": p.string, "name": p.string, "arguments": p.string}, ("name",)
        )(raw, param)
        return Item(
            item_id,
            kind,
            call_id=body.get("call_id") or new_id("call"),
            name=body["name"],
            arguments=body.get("arguments", ""),
        )
    if kind == "function_call_output":
        body = p.obj({**_COMMON, "call_id": p.string, "output": p.string}, ("call_id", "output"))(
            raw, param
        )
        return Item(item_id, kind, call_id=body["call_id"], output=body["output"])
    body = p.obj(
        {
            **_COMMON,
            "role": p.one_of("user", "assistant", "system"),
            "content": p.array(p.any_json),
        },
        ("role", "content"),
    )(raw, param)
    parts = [
        _parse_part(part, body["role"], dialect, decode_audio, f"{param}.content[{i}]")
        for i, part in enumerate(body["content"])
    ]
    return Item(item_id, kind, role=body["role"], parts=parts)


def _parse_part(raw: Any, role: str, dialect: Dialect, decode_audio: Any, param: str) -> Part:
    if not isinstance(raw, dict):
        raise p.wrong_type(param, "an object", raw)
    allowed = {
        "user": ("input_text", "input_audio", "input_image"),
        "system": ("input_text",),
        "assistant": (dialect.text_part,),
    }[role]
    if "type" not in raw:
        raise p.missing(f"{param}.type")
    kind = p.one_of(*allowed)(raw["type"], f"{param}.type")
    if kind in ("input_text", dialect.text_part):
        return Part("text", text=_TEXT(raw, param)["text"])
    if kind == "input_image":
        _IMAGE(raw, param)
        return Part("image")
    body = _AUDIO(raw, param)
    pcm = decode_audio(decode_base64(body.get("audio", ""), f"{param}.audio"))
    return Part("audio", audio=pcm, transcript=body.get("transcript"))


def decode_base64(value: str, param: str) -> bytes:
    """Strict base64; a ``ParamError`` names the field otherwise."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise p.ParamError(
            "invalid_value", f"Invalid '{param}': not valid base64.", param
        ) from None
