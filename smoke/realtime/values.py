"""Value objects inside realtime server events, and the typed field reader that builds them.

Readers are strict about the fields the checks rely on (a missing or mistyped one raises
:class:`EventParseError`, naming the dotted field path) and lenient about the rest: an odd
optional value becomes ``None``/empty, never an exception of another type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, cast

__all__ = [
    "AudioFormat",
    "ErrorDetail",
    "EventParseError",
    "FieldReader",
    "ResponseInfo",
    "SessionConfig",
    "Usage",
]


class EventParseError(ValueError):
    """A known server event lacks a required field or has a field of the wrong type."""

    def __init__(self, event_type: str, path: str, problem: str) -> None:
        self.event_type = event_type
        self.path = path
        self.problem = problem
        super().__init__(f"{event_type}: field '{path}' {problem}")


class FieldReader:
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

    def text(self, name: str) -> str:
        """A required string field."""
        return cast(str, self._get(name, (str,), True))

    def opt_text(self, name: str) -> str | None:
        """An optional string field (None when absent or null)."""
        return cast("str | None", self._get(name, (str,), False))

    def integer(self, name: str) -> int:
        """A required integer field (a JSON boolean is refused)."""
        return cast(int, self._get(name, (int,), True))

    def opt_integer(self, name: str) -> int | None:
        """An optional integer field."""
        return cast("int | None", self._get(name, (int,), False))

    def obj(self, name: str) -> FieldReader:
        return FieldReader(self._get(name, (dict,), True), self._type, f"{self._prefix}{name}.")

    def opt_obj(self, name: str) -> FieldReader | None:
        value = self._get(name, (dict,), False)
        return None if value is None else FieldReader(value, self._type, f"{self._prefix}{name}.")

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
            modalities=_texts(data.get("output_modalities")),
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
            modalities=_texts(data.get("modalities")),
            shape="beta",
        )


def _opt_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


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
    def from_reader(cls, r: FieldReader) -> ErrorDetail:
        # Lenient on purpose: an error must never be lost because its code is a number.
        data = r.data
        return cls(
            type=_scalar_text(data.get("type")),
            code=_scalar_text(data.get("code")),
            message=_scalar_text(data.get("message")),
            param=_scalar_text(data.get("param")),
            event_id=_scalar_text(data.get("event_id")),
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
    def from_reader(cls, r: FieldReader) -> ResponseInfo:
        usage = r.opt_obj("usage")
        details = r.data.get("status_details")
        return cls(
            id=r.text("id"),
            status=r.text("status"),
            status_details=details if isinstance(details, dict) else None,
            usage=None if usage is None else _usage(usage),
            output_transcripts=tuple(_output_texts(r.opt_list("output"))),
        )


def _usage(r: FieldReader) -> Usage:
    return Usage(
        total_tokens=r.integer("total_tokens"),
        input_tokens=r.integer("input_tokens"),
        output_tokens=r.integer("output_tokens"),
    )


def _output_texts(items: list[Any]) -> list[str]:
    """Transcripts/texts of the output items' content parts; odd shapes are skipped."""
    texts = []
    for item in items:
        content = item.get("content") if isinstance(item, dict) else None
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict):
                text = part.get("transcript") or part.get("text")
                if isinstance(text, str):
                    texts.append(text)
    return texts
