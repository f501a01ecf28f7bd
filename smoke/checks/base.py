"""What every check shares: the result type, the scenario spec, and lookups over the log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from smoke.realtime.dialects import Dialect, SessionSettings
from smoke.realtime.events import (
    ErrorEvent,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    ResponseDone,
    ServerEvent,
)
from smoke.realtime.protocol import Entry, ProtocolError

__all__ = [
    "CheckResult",
    "ScenarioSpec",
    "error_for",
    "events_of",
    "fail",
    "final_response",
    "final_transcript",
    "for_response",
    "ok",
    "received_items",
]

E = TypeVar("E", bound=ServerEvent)


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """Outcome of one check: what was expected, what was observed, and why it failed."""

    name: str
    passed: bool
    expected: str = ""
    observed: str = ""
    detail: str = ""

    def reason(self) -> str:
        """One line for reports: the detail, or expected vs observed."""
        if self.detail:
            return self.detail
        return f"expected {self.expected}; observed {self.observed}"


@dataclass(frozen=True, kw_only=True)
class ScenarioSpec:
    """What a scenario asked for, so the checks know what to expect."""

    kind: str  # "audio" (speech in) or "text" (text in)
    dialect: Dialect
    settings: SessionSettings = field(default_factory=SessionSettings)
    prompt_text: str = ""
    expected_words: tuple[str, ...] = ()
    max_transcription_wer: float = 0.5


def ok(name: str, expected: str, observed: str, detail: str = "") -> CheckResult:
    """A passed result."""
    return CheckResult(name=name, passed=True, expected=expected, observed=observed, detail=detail)


def fail(name: str, expected: str, observed: str, detail: str = "") -> CheckResult:
    """A failed result."""
    return CheckResult(name=name, passed=False, expected=expected, observed=observed, detail=detail)


def received_items(log: Sequence[Entry]) -> list[ServerEvent | ProtocolError]:
    """Everything received, in order: events and protocol errors (inbound media is not an event)."""
    return [
        e.item
        for e in log
        if e.direction == "recv" and isinstance(e.item, ServerEvent | ProtocolError)
    ]


def events_of(log: Sequence[Entry], cls: type[E]) -> list[E]:
    """The logged items of type ``cls``, in order."""
    return [e.item for e in log if isinstance(e.item, cls)]


def final_response(log: Sequence[Entry]) -> ResponseDone | None:
    """The last ``response.done``, if any."""
    done = events_of(log, ResponseDone)
    return done[-1] if done else None


def for_response(events: list[E], response_id: str | None) -> list[E]:
    """The events belonging to ``response_id`` (all of them when it is unknown)."""
    if response_id is None:
        return events
    return [e for e in events if getattr(e, "response_id", None) == response_id]


def error_for(log: Sequence[Entry], cls: type[Any]) -> ErrorEvent | None:
    """The first error event answering a client event of type ``cls`` (by event_id)."""
    ids = {e.item.event_id for e in log if isinstance(e.item, cls) and e.item.event_id}
    for event in events_of(log, ErrorEvent):
        if event.error.event_id in ids:
            return event
    return None


def final_transcript(log: Sequence[Entry]) -> str:
    """The final response's transcript: its done event, else its concatenated deltas."""
    final = final_response(log)
    response_id = final.response.id if final else None
    done = for_response(events_of(log, OutputTranscriptDone), response_id)
    if done:
        return done[-1].transcript
    return "".join(
        d.delta for d in for_response(events_of(log, OutputTranscriptDelta), response_id)
    )
