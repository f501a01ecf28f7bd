"""Typed realtime client events: small frozen dataclasses with ``serialize() -> dict``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from smoke.realtime.values import EventParseError

__all__ = [
    "ClientEvent",
    "ConversationItemCreate",
    "InputAudioBufferAppend",
    "InputAudioBufferClear",
    "InputAudioBufferCommit",
    "ResponseCancel",
    "ResponseCreate",
    "SessionUpdate",
    "parse_client_event",
]


@dataclass(frozen=True, kw_only=True)
class ClientEvent:
    """Base of client events; ``serialize()`` gives the JSON object to send."""

    type: ClassVar[str] = ""
    event_id: str | None = None

    def _body(self) -> dict[str, Any]:
        return {}

    def serialize(self) -> dict[str, Any]:
        """The wire object: ``type``, optional ``event_id``, then the event's fields."""
        head: dict[str, Any] = {"type": self.type}
        if self.event_id is not None:
            head["event_id"] = self.event_id
        return {**head, **self._body()}


@dataclass(frozen=True, kw_only=True)
class SessionUpdate(ClientEvent):
    type: ClassVar[str] = "session.update"
    session: dict[str, Any]

    def _body(self) -> dict[str, Any]:
        return {"session": self.session}


@dataclass(frozen=True, kw_only=True)
class InputAudioBufferAppend(ClientEvent):
    type: ClassVar[str] = "input_audio_buffer.append"
    audio: str

    def _body(self) -> dict[str, Any]:
        return {"audio": self.audio}


@dataclass(frozen=True, kw_only=True)
class InputAudioBufferCommit(ClientEvent):
    type: ClassVar[str] = "input_audio_buffer.commit"


@dataclass(frozen=True, kw_only=True)
class InputAudioBufferClear(ClientEvent):
    type: ClassVar[str] = "input_audio_buffer.clear"


@dataclass(frozen=True, kw_only=True)
class ConversationItemCreate(ClientEvent):
    type: ClassVar[str] = "conversation.item.create"
    item: dict[str, Any]

    def _body(self) -> dict[str, Any]:
        return {"item": self.item}


@dataclass(frozen=True, kw_only=True)
class ResponseCreate(ClientEvent):
    type: ClassVar[str] = "response.create"
    response: dict[str, Any] | None = None

    def _body(self) -> dict[str, Any]:
        return {} if self.response is None else {"response": self.response}


@dataclass(frozen=True, kw_only=True)
class ResponseCancel(ClientEvent):
    type: ClassVar[str] = "response.cancel"
    response_id: str | None = None

    def _body(self) -> dict[str, Any]:
        return {} if self.response_id is None else {"response_id": self.response_id}


_CLIENT: dict[str, type[ClientEvent]] = {
    cls.type: cls
    for cls in (
        SessionUpdate,
        InputAudioBufferAppend,
        InputAudioBufferCommit,
        InputAudioBufferClear,
        ConversationItemCreate,
        ResponseCreate,
        ResponseCancel,
    )
}


def parse_client_event(data: dict[str, Any]) -> ClientEvent:
    """Rebuild a client event from its wire object (used for recorded fixtures)."""
    cls = _CLIENT.get(str(data.get("type")))
    if cls is None:
        raise EventParseError(str(data.get("type")), "type", "is not a client event")
    fields = {k: v for k, v in data.items() if k != "type"}
    try:
        return cls(**fields)
    except TypeError as exc:
        raise EventParseError(cls.type, "<fields>", str(exc)) from exc
