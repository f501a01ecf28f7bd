"""Typed realtime server events, keyed by their GA ``type`` name, and their parser.

Beta (preview) names are mapped to GA names first by :mod:`smoke.realtime.dialects`; each event
keeps the name it arrived with in ``wire_type``. Events outside the vocabulary become
:class:`OtherEvent` (never an exception), so a new server event cannot break a smoke run. A known
event with a missing or mistyped required field raises :class:`EventParseError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smoke.realtime.values import (
    ErrorDetail,
    EventParseError,
    FieldReader,
    ResponseInfo,
    SessionConfig,
)

__all__ = [
    "AudioCommitted",
    "ErrorEvent",
    "InputTranscriptionCompleted",
    "InputTranscriptionDelta",
    "InputTranscriptionFailed",
    "OtherEvent",
    "OutputAudioDelta",
    "OutputAudioDone",
    "OutputTextDelta",
    "OutputTextDone",
    "OutputTranscriptDelta",
    "OutputTranscriptDone",
    "ResponseCreated",
    "ResponseDone",
    "ServerEvent",
    "SessionCreated",
    "SessionUpdated",
    "SpeechStarted",
    "SpeechStopped",
    "parse_server_event",
]


@dataclass(frozen=True, kw_only=True)
class ServerEvent:
    """Base of every server event: GA ``type``, the name seen on the wire, the raw JSON."""

    type: str
    event_id: str | None = None
    wire_type: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class OtherEvent(ServerEvent):
    """A server event the checks do not model; ``known`` says whether either dialect defines it."""

    known: bool = False


@dataclass(frozen=True, kw_only=True)
class ErrorEvent(ServerEvent):
    error: ErrorDetail


@dataclass(frozen=True, kw_only=True)
class SessionCreated(ServerEvent):
    session: SessionConfig


@dataclass(frozen=True, kw_only=True)
class SessionUpdated(ServerEvent):
    session: SessionConfig


@dataclass(frozen=True, kw_only=True)
class SpeechStarted(ServerEvent):
    audio_start_ms: int
    item_id: str


@dataclass(frozen=True, kw_only=True)
class SpeechStopped(ServerEvent):
    audio_end_ms: int
    item_id: str


@dataclass(frozen=True, kw_only=True)
class AudioCommitted(ServerEvent):
    item_id: str
    previous_item_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class InputTranscriptionDelta(ServerEvent):
    item_id: str
    delta: str = ""


@dataclass(frozen=True, kw_only=True)
class InputTranscriptionCompleted(ServerEvent):
    item_id: str
    transcript: str


@dataclass(frozen=True, kw_only=True)
class InputTranscriptionFailed(ServerEvent):
    item_id: str
    error: ErrorDetail


@dataclass(frozen=True, kw_only=True)
class ResponseCreated(ServerEvent):
    response: ResponseInfo


@dataclass(frozen=True, kw_only=True)
class ResponseDone(ServerEvent):
    response: ResponseInfo


@dataclass(frozen=True, kw_only=True)
class _ContentEvent(ServerEvent):
    response_id: str
    item_id: str
    output_index: int = 0
    content_index: int = 0


@dataclass(frozen=True, kw_only=True)
class OutputAudioDelta(_ContentEvent):
    delta: str


@dataclass(frozen=True, kw_only=True)
class OutputAudioDone(_ContentEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class OutputTranscriptDelta(_ContentEvent):
    delta: str


@dataclass(frozen=True, kw_only=True)
class OutputTranscriptDone(_ContentEvent):
    transcript: str


@dataclass(frozen=True, kw_only=True)
class OutputTextDelta(_ContentEvent):
    delta: str


@dataclass(frozen=True, kw_only=True)
class OutputTextDone(_ContentEvent):
    text: str


def _content(r: FieldReader) -> dict[str, Any]:
    return {
        "response_id": r.text("response_id"),
        "item_id": r.text("item_id"),
        "output_index": r.integer("output_index"),
        "content_index": r.integer("content_index"),
    }


def _session(r: FieldReader) -> dict[str, Any]:
    return {"session": SessionConfig.from_wire(r.obj("session").data)}


def _response(r: FieldReader) -> dict[str, Any]:
    return {"response": ResponseInfo.from_reader(r.obj("response"))}


def _error(r: FieldReader) -> dict[str, Any]:
    return {"error": ErrorDetail.from_reader(r.obj("error"))}


_PARSERS: dict[str, tuple[type[ServerEvent], Any]] = {
    "error": (ErrorEvent, _error),
    "session.created": (SessionCreated, _session),
    "session.updated": (SessionUpdated, _session),
    "input_audio_buffer.speech_started": (
        SpeechStarted,
        lambda r: {"audio_start_ms": r.integer("audio_start_ms"), "item_id": r.text("item_id")},
    ),
    "input_audio_buffer.speech_stopped": (
        SpeechStopped,
        lambda r: {"audio_end_ms": r.integer("audio_end_ms"), "item_id": r.text("item_id")},
    ),
    "input_audio_buffer.committed": (
        AudioCommitted,
        lambda r: {
            "item_id": r.text("item_id"),
            "previous_item_id": r.opt_text("previous_item_id"),
        },
    ),
    "conversation.item.input_audio_transcription.delta": (
        InputTranscriptionDelta,
        lambda r: {"item_id": r.text("item_id"), "delta": r.opt_text("delta") or ""},
    ),
    "conversation.item.input_audio_transcription.completed": (
        InputTranscriptionCompleted,
        lambda r: {"item_id": r.text("item_id"), "transcript": r.text("transcript")},
    ),
    "conversation.item.input_audio_transcription.failed": (
        InputTranscriptionFailed,
        lambda r: {"item_id": r.text("item_id"), **_error(r)},
    ),
    "response.created": (ResponseCreated, _response),
    "response.done": (ResponseDone, _response),
    "response.output_audio.delta": (
        OutputAudioDelta,
        lambda r: {**_content(r), "delta": r.text("delta")},
    ),
    "response.output_audio.done": (OutputAudioDone, _content),
    "response.output_audio_transcript.delta": (
        OutputTranscriptDelta,
        lambda r: {**_content(r), "delta": r.text("delta")},
    ),
    "response.output_audio_transcript.done": (
        OutputTranscriptDone,
        lambda r: {**_content(r), "transcript": r.text("transcript")},
    ),
    "response.output_text.delta": (
        OutputTextDelta,
        lambda r: {**_content(r), "delta": r.text("delta")},
    ),
    "response.output_text.done": (
        OutputTextDone,
        lambda r: {**_content(r), "text": r.text("text")},
    ),
}

# Server events defined by either dialect that the checks do not need typed.
_KNOWN_UNMODELLED = frozenset(
    {
        "conversation.created",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.created",
        "conversation.item.retrieved",
        "conversation.item.deleted",
        "conversation.item.truncated",
        "conversation.item.input_audio_transcription.segment",
        "input_audio_buffer.cleared",
        "input_audio_buffer.timeout_triggered",
        "input_audio_buffer.dtmf_event_received",
        "output_audio_buffer.started",
        "output_audio_buffer.stopped",
        "output_audio_buffer.cleared",
        "rate_limits.updated",
        "response.output_item.added",
        "response.output_item.done",
        "response.content_part.added",
        "response.content_part.done",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "transcription_session.created",
        "transcription_session.updated",
    }
)


def parse_server_event(data: dict[str, Any], *, wire_type: str | None = None) -> ServerEvent:
    """Build the typed event for ``data`` (whose ``type`` must already be the GA name).

    Raises :class:`EventParseError` when a modelled event lacks a required field; any other
    ``type`` becomes :class:`OtherEvent`.
    """
    kind = data.get("type")
    if not isinstance(kind, str):
        raise EventParseError("<event>", "type", "is required and must be a string")
    reader = FieldReader(data, kind)
    event_id = reader.opt_text("event_id")
    wire = wire_type or kind
    entry = _PARSERS.get(kind)
    if entry is None:
        return OtherEvent(
            type=kind, event_id=event_id, wire_type=wire, raw=data, known=kind in _KNOWN_UNMODELLED
        )
    cls, read_fields = entry
    return cls(type=kind, event_id=event_id, wire_type=wire, raw=data, **read_fields(reader))
