"""Typed realtime events for both dialects, keyed by their GA ``type`` name.

Server events are parsed from decoded JSON objects with :func:`parse_server_event`; beta (preview)
names are mapped to GA names first by :mod:`smoke.realtime.dialects`, and each event keeps the
name it arrived with in ``wire_type``. Events outside the vocabulary become :class:`OtherEvent`
(never an exception), so a new server event cannot break a smoke run. A known event with a
missing or mistyped required field raises :class:`EventParseError`, naming the field.

Client events are small frozen dataclasses with ``serialize() -> dict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "AudioFormat",
    "ClientEvent",
    "ConversationItemCreate",
    "ErrorDetail",
    "ErrorEvent",
    "EventParseError",
    "InputAudioBufferAppend",
    "InputAudioBufferClear",
    "InputAudioBufferCommit",
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
    "ResponseCancel",
    "ResponseCreate",
    "ResponseCreated",
    "ResponseDone",
    "ResponseInfo",
    "ServerEvent",
    "SessionConfig",
    "SessionCreated",
    "SessionUpdate",
    "SessionUpdated",
    "SpeechStarted",
    "SpeechStopped",
    "AudioCommitted",
    "Usage",
    "parse_client_event",
    "parse_server_event",
]


class EventParseError(ValueError):
    """A known server event lacks a required field or has a field of the wrong type."""

    def __init__(self, event_type: str, path: str, problem: str) -> None:
        self.event_type = event_type
        self.path = path
        self.problem = problem
        super().__init__(f"{event_type}: field '{path}' {problem}")


class _Reader:
    """Typed access to one JSON object; errors name the dotted field path."""

    def __init__(self, data: dict[str, Any], event_type: str, prefix: str = "") -> None:
        self._data = data
        self._type = event_type
        self._prefix = prefix

    def _fail(self, name: str, problem: str) -> EventParseError:
        return EventParseError(self._type, f"{self._prefix}{name}", problem)

    def _get(self, name: str, kinds: tuple[type, ...], required: bool) -> Any:
        if name not in self._data or self._data[name] is None:
            if required:
                raise self._fail(name, "is required")
            return None
        value = self._data[name]
        # bool is an int in Python; a JSON true is never a valid count or index.
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            names = "/".join(k.__name__ for k in kinds)
            raise self._fail(name, f"should be {names}, got {type(value).__name__}")
        return value

    def str(self, name: str) -> str:
        return self._get(name, (str,), True)

    def opt_str(self, name: str) -> str | None:
        return self._get(name, (str,), False)

    def int(self, name: str) -> int:
        return self._get(name, (int,), True)

    def opt_int(self, name: str) -> int | None:
        return self._get(name, (int,), False)

    def obj(self, name: str) -> _Reader:
        return _Reader(self._get(name, (dict,), True), self._type, f"{self._prefix}{name}.")

    def opt_obj(self, name: str) -> _Reader | None:
        value = self._get(name, (dict,), False)
        return None if value is None else _Reader(value, self._type, f"{self._prefix}{name}.")

    def opt_list(self, name: str) -> list[Any]:
        return self._get(name, (list,), False) or []

    @property
    def data(self) -> dict[str, Any]:
        return self._data


# --------------------------------------------------------------------------- value objects


@dataclass(frozen=True, kw_only=True)
class AudioFormat:
    """An audio format in dialect-neutral terms: ``pcm16``, ``g711_ulaw``, ``g711_alaw``."""

    encoding: str
    rate: int | None = None

    _GA: ClassVar[dict[str, str]] = {
        "audio/pcm": "pcm16",
        "audio/pcmu": "g711_ulaw",
        "audio/pcma": "g711_alaw",
    }

    @classmethod
    def from_wire(cls, value: Any) -> AudioFormat | None:
        """Accept a GA format object (``{"type": "audio/pcm", "rate": 24000}``) or a beta string."""
        if isinstance(value, dict):
            kind = str(value.get("type", ""))
            rate = value.get("rate")
            rate = rate if isinstance(rate, int) and not isinstance(rate, bool) else None
            return cls(encoding=cls._GA.get(kind, kind), rate=rate)
        if isinstance(value, str):
            # beta pcm16 is defined as 24 kHz; G.711 rate is not stated by the API.
            return cls(encoding=value, rate=24000 if value == "pcm16" else None)
        return None


@dataclass(frozen=True, kw_only=True)
class SessionConfig:
    """The parts of a session object the smoke checks look at, from either dialect's shape."""

    id: str | None = None
    model: str | None = None
    voice: str | None = None
    input_format: AudioFormat | None = None
    output_format: AudioFormat | None = None
    transcription_model: str | None = None
    turn_detection: str | None = None
    modalities: tuple[str, ...] = ()
    shape: str = "ga"

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> SessionConfig:
        """Read a GA (nested ``audio``) or beta (flat) session object; the shape is detected."""
        if isinstance(data.get("audio"), dict):
            return cls._from_ga(data)
        return cls._from_beta(data)

    @classmethod
    def _from_ga(cls, data: dict[str, Any]) -> SessionConfig:
        audio = data["audio"]
        inp = audio.get("input") if isinstance(audio.get("input"), dict) else {}
        out = audio.get("output") if isinstance(audio.get("output"), dict) else {}
        return cls(
            id=_opt_text(data.get("id")),
            model=_opt_text(data.get("model")),
            voice=_opt_text(out.get("voice")),
            input_format=AudioFormat.from_wire(inp.get("format")),
            output_format=AudioFormat.from_wire(out.get("format")),
            transcription_model=_nested_text(inp.get("transcription"), "model"),
            turn_detection=_nested_text(inp.get("turn_detection"), "type"),
            modalities=tuple(data.get("output_modalities") or ()),
            shape="ga",
        )

    @classmethod
    def _from_beta(cls, data: dict[str, Any]) -> SessionConfig:
        return cls(
            id=_opt_text(data.get("id")),
            model=_opt_text(data.get("model")),
            voice=_opt_text(data.get("voice")),
            input_format=AudioFormat.from_wire(data.get("input_audio_format")),
            output_format=AudioFormat.from_wire(data.get("output_audio_format")),
            transcription_model=_nested_text(data.get("input_audio_transcription"), "model"),
            turn_detection=_nested_text(data.get("turn_detection"), "type"),
            modalities=tuple(data.get("modalities") or ()),
            shape="beta",
        )


def _opt_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _nested_text(value: Any, key: str) -> str | None:
    return _opt_text(value.get(key)) if isinstance(value, dict) else None


@dataclass(frozen=True, kw_only=True)
class ErrorDetail:
    """The ``error`` object of an error event or a failed transcription."""

    type: str | None = None
    code: str | None = None
    message: str | None = None
    param: str | None = None
    event_id: str | None = None

    @classmethod
    def from_reader(cls, r: _Reader) -> ErrorDetail:
        return cls(
            type=r.opt_str("type"),
            code=r.opt_str("code"),
            message=r.opt_str("message"),
            param=r.opt_str("param"),
            event_id=r.opt_str("event_id"),
        )

    def describe(self) -> str:
        """One line: ``code: message`` with whatever is present."""
        head = self.code or self.type or "error"
        return f"{head}: {self.message}" if self.message else head


@dataclass(frozen=True, kw_only=True)
class Usage:
    """Token usage from ``response.done``."""

    total_tokens: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, kw_only=True)
class ResponseInfo:
    """A ``response`` object: id, status, usage and the transcripts/texts of its output."""

    id: str
    status: str
    status_details: dict[str, Any] | None = None
    usage: Usage | None = None
    output_transcripts: tuple[str, ...] = ()

    @classmethod
    def from_reader(cls, r: _Reader) -> ResponseInfo:
        usage = r.opt_obj("usage")
        details = r.data.get("status_details")
        return cls(
            id=r.str("id"),
            status=r.str("status"),
            status_details=details if isinstance(details, dict) else None,
            usage=None if usage is None else _usage(usage),
            output_transcripts=tuple(_output_texts(r.opt_list("output"))),
        )


def _usage(r: _Reader) -> Usage:
    return Usage(
        total_tokens=r.int("total_tokens"),
        input_tokens=r.int("input_tokens"),
        output_tokens=r.int("output_tokens"),
    )


def _output_texts(items: list[Any]) -> list[str]:
    texts = []
    for item in items:
        for part in item.get("content") or [] if isinstance(item, dict) else []:
            if isinstance(part, dict):
                text = part.get("transcript") or part.get("text")
                if isinstance(text, str):
                    texts.append(text)
    return texts


# --------------------------------------------------------------------------- server events


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


def _content(r: _Reader) -> dict[str, Any]:
    return {
        "response_id": r.str("response_id"),
        "item_id": r.str("item_id"),
        "output_index": r.int("output_index"),
        "content_index": r.int("content_index"),
    }


def _session(r: _Reader) -> dict[str, Any]:
    return {"session": SessionConfig.from_wire(r.obj("session").data)}


def _response(r: _Reader) -> dict[str, Any]:
    return {"response": ResponseInfo.from_reader(r.obj("response"))}


def _error(r: _Reader) -> dict[str, Any]:
    return {"error": ErrorDetail.from_reader(r.obj("error"))}


_PARSERS: dict[str, tuple[type[ServerEvent], Any]] = {
    "error": (ErrorEvent, _error),
    "session.created": (SessionCreated, _session),
    "session.updated": (SessionUpdated, _session),
    "input_audio_buffer.speech_started": (
        SpeechStarted,
        lambda r: {"audio_start_ms": r.int("audio_start_ms"), "item_id": r.str("item_id")},
    ),
    "input_audio_buffer.speech_stopped": (
        SpeechStopped,
        lambda r: {"audio_end_ms": r.int("audio_end_ms"), "item_id": r.str("item_id")},
    ),
    "input_audio_buffer.committed": (
        AudioCommitted,
        lambda r: {"item_id": r.str("item_id"), "previous_item_id": r.opt_str("previous_item_id")},
    ),
    "conversation.item.input_audio_transcription.delta": (
        InputTranscriptionDelta,
        lambda r: {"item_id": r.str("item_id"), "delta": r.opt_str("delta") or ""},
    ),
    "conversation.item.input_audio_transcription.completed": (
        InputTranscriptionCompleted,
        lambda r: {"item_id": r.str("item_id"), "transcript": r.str("transcript")},
    ),
    "conversation.item.input_audio_transcription.failed": (
        InputTranscriptionFailed,
        lambda r: {"item_id": r.str("item_id"), **_error(r)},
    ),
    "response.created": (ResponseCreated, _response),
    "response.done": (ResponseDone, _response),
    "response.output_audio.delta": (
        OutputAudioDelta,
        lambda r: {**_content(r), "delta": r.str("delta")},
    ),
    "response.output_audio.done": (OutputAudioDone, _content),
    "response.output_audio_transcript.delta": (
        OutputTranscriptDelta,
        lambda r: {**_content(r), "delta": r.str("delta")},
    ),
    "response.output_audio_transcript.done": (
        OutputTranscriptDone,
        lambda r: {**_content(r), "transcript": r.str("transcript")},
    ),
    "response.output_text.delta": (
        OutputTextDelta,
        lambda r: {**_content(r), "delta": r.str("delta")},
    ),
    "response.output_text.done": (OutputTextDone, lambda r: {**_content(r), "text": r.str("text")}),
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
    reader = _Reader(data, kind)
    event_id = reader.opt_str("event_id")
    base = {"type": kind, "event_id": event_id, "wire_type": wire_type or kind, "raw": data}
    entry = _PARSERS.get(kind)
    if entry is None:
        return OtherEvent(**base, known=kind in _KNOWN_UNMODELLED)
    cls, read_fields = entry
    return cls(**base, **read_fields(reader))


# --------------------------------------------------------------------------- client events


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
