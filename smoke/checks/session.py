"""Checks on the session and the protocol: session lifecycle, frame hygiene, dialect, errors."""

from __future__ import annotations

from collections.abc import Sequence

from smoke.checks.base import CheckResult, error_for, events_of, fail, ok, received_items
from smoke.realtime.dialects import Dialect, SessionSettings, foreign_event_name
from smoke.realtime.events import (
    ErrorEvent,
    OtherEvent,
    ServerEvent,
    SessionConfig,
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
)
from smoke.realtime.protocol import Entry, ProtocolError

__all__ = [
    "check_dialect",
    "check_protocol",
    "check_server_errors",
    "check_session_created",
    "check_session_updated",
]


def check_session_created(log: Sequence[Entry]) -> CheckResult:
    """The first frame from the server is a well-formed ``session.created``."""
    name, expected = "session.created", "first server event is session.created"
    received = received_items(log)
    if not received:
        return fail(name, expected, "no events received")
    first = received[0]
    if isinstance(first, ProtocolError):
        return fail(name, expected, f"protocol error: {first.message}")
    if not isinstance(first, SessionCreated):
        return fail(name, expected, f"first event was {first.wire_type}")
    return ok(name, expected, f"session.created (id {first.session.id or '?'})")


def _describe(s: SessionConfig) -> str:
    fmt = [f"{f.encoding}@{f.rate}" if f else "unset" for f in (s.input_format, s.output_format)]
    return (
        f"voice={s.voice}, input={fmt[0]}, output={fmt[1]}, vad={s.turn_detection}, "
        f"transcription={s.transcription_model}"
    )


def check_session_updated(log: Sequence[Entry], settings: SessionSettings) -> CheckResult:
    """``session.updated`` follows our ``session.update`` and reflects what we asked for."""
    name = "session.updated"
    wanted = SessionConfig(
        voice=settings.voice,
        input_format=None,
        output_format=None,
        transcription_model=settings.transcription_model,
        turn_detection="server_vad",
    )
    expected = (
        f"voice={settings.voice}, input=pcm16@{settings.rate}, output=pcm16@{settings.rate}, "
        f"vad=server_vad, transcription={settings.transcription_model}"
    )
    rejected = error_for(log, SessionUpdate)
    if rejected is not None:
        return fail(name, expected, f"error {rejected.error.describe()}")
    updated = events_of(log, SessionUpdated)
    if not updated:
        return fail(name, expected, "no session.updated received")
    got = updated[-1].session
    problems = _session_mismatches(got, wanted, settings.rate)
    if problems:
        return fail(name, expected, _describe(got), "; ".join(problems))
    return ok(name, expected, _describe(got))


def _session_mismatches(got: SessionConfig, wanted: SessionConfig, rate: int) -> list[str]:
    problems = []
    if got.voice != wanted.voice:
        problems.append(f"voice is {got.voice!r}, asked for {wanted.voice!r}")
    for label, fmt in (("input", got.input_format), ("output", got.output_format)):
        if fmt is None or fmt.encoding != "pcm16" or fmt.rate != rate:
            shown = f"{fmt.encoding}@{fmt.rate}" if fmt else "missing"
            problems.append(f"{label} format is {shown}, asked for pcm16@{rate}")
    if got.turn_detection != wanted.turn_detection:
        problems.append(f"turn detection is {got.turn_detection!r}, asked for server_vad")
    if got.transcription_model != wanted.transcription_model:
        problems.append(
            f"transcription model is {got.transcription_model!r}, "
            f"asked for {wanted.transcription_model!r}"
        )
    return problems


# --------------------------------------------------------------------------- protocol hygiene


def check_protocol(log: Sequence[Entry]) -> CheckResult:
    """Every frame was valid JSON with a well-formed event; unknown event types are only noted."""
    name, expected = "protocol", "every frame a well-formed realtime event"
    errors = [e for e in received_items(log) if isinstance(e, ProtocolError)]
    unknown = sorted({e.wire_type for e in events_of(log, OtherEvent) if not e.known})
    note = f"unknown event types (ignored): {', '.join(unknown)}" if unknown else ""
    count = len(received_items(log))
    if errors:
        first = errors[0]
        observed = f"{len(errors)} bad frame(s) of {count}"
        detail = f"{first.kind}: {first.message}" + (f" [{first.excerpt}]" if first.excerpt else "")
        return fail(name, expected, observed, detail)
    return ok(name, expected, f"{count} events, all well-formed", note)


def check_dialect(log: Sequence[Entry], dialect: Dialect) -> CheckResult:
    """Event names belong to the dialect we connected with (no GA/beta mix-ups)."""
    name, expected = "dialect", f"only {dialect.value} event names"
    foreign = sorted(
        {
            e.wire_type
            for e in events_of(log, ServerEvent)
            if foreign_event_name(e.wire_type, dialect)
        }
    )
    if foreign:
        other = "beta" if dialect is Dialect.GA else "GA"
        return fail(name, expected, f"{other} event names: {', '.join(foreign)}")
    return ok(name, expected, f"{dialect.value} event names")


def check_server_errors(log: Sequence[Entry]) -> CheckResult:
    """The server sent no ``error`` events."""
    name, expected = "server.errors", "no error events"
    errors = events_of(log, ErrorEvent)
    if errors:
        listed = "; ".join(e.error.describe() for e in errors[:3])
        return fail(name, expected, f"{len(errors)} error event(s)", listed)
    return ok(name, expected, "none")
