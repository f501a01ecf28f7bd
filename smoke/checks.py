"""Pure checks over a recorded session log: each returns a :class:`CheckResult`.

No check does I/O or raises for bad data: a missing event, an undecodable audio delta or a failed
response is a failed result whose ``expected``/``observed``/``detail`` say what went wrong.
:func:`run_checks` picks the checks for a scenario; tests call the individual functions.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from smoke.audio import SESSION_RATE, duration_seconds, from_bytes, rms_dbfs
from smoke.errors import AudioError
from smoke.realtime.dialects import Dialect, SessionSettings, foreign_event_name
from smoke.realtime.events import (
    ErrorEvent,
    InputTranscriptionCompleted,
    InputTranscriptionFailed,
    OtherEvent,
    OutputAudioDelta,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    ResponseDone,
    ServerEvent,
    SessionConfig,
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
)
from smoke.realtime.protocol import Entry, ProtocolError
from smoke.text import missing_words, normalise, word_error_rate

__all__ = [
    "CheckResult",
    "ScenarioSpec",
    "check_dialect",
    "check_expected_words",
    "check_input_transcription",
    "check_output_audio_duration",
    "check_output_audio_format",
    "check_output_audio_level",
    "check_output_transcript",
    "check_protocol",
    "check_response_done",
    "check_server_errors",
    "check_session_created",
    "check_session_updated",
    "check_vad",
    "output_audio",
    "run_checks",
]

# Output quieter than this is treated as silence (speech sits around -30..-15 dBFS).
MIN_SPEECH_DBFS = -50.0
# Plausible speaking time per word: fast TTS ~0.15 s, slow speech ~1 s; generous bounds.
MIN_SECONDS_PER_WORD = 0.1
MAX_SECONDS_PER_WORD = 2.0
MAX_EXTRA_SECONDS = 3.0

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


def _ok(name: str, expected: str, observed: str, detail: str = "") -> CheckResult:
    return CheckResult(name=name, passed=True, expected=expected, observed=observed, detail=detail)


def _fail(name: str, expected: str, observed: str, detail: str = "") -> CheckResult:
    return CheckResult(name=name, passed=False, expected=expected, observed=observed, detail=detail)


def _received(log: Sequence[Entry]) -> list[ServerEvent | ProtocolError]:
    return [e.item for e in log if e.direction == "recv"]  # type: ignore[misc]


def _events(log: Sequence[Entry], cls: type[E]) -> list[E]:
    return [e.item for e in log if isinstance(e.item, cls)]


def _final_response(log: Sequence[Entry]) -> ResponseDone | None:
    done = _events(log, ResponseDone)
    return done[-1] if done else None


def _for_response(events: list[E], response_id: str | None) -> list[E]:
    if response_id is None:
        return events
    return [e for e in events if getattr(e, "response_id", None) == response_id]


# --------------------------------------------------------------------------- session


def check_session_created(log: Sequence[Entry]) -> CheckResult:
    """The first frame from the server is a well-formed ``session.created``."""
    name, expected = "session.created", "first server event is session.created"
    received = _received(log)
    if not received:
        return _fail(name, expected, "no events received")
    first = received[0]
    if isinstance(first, ProtocolError):
        return _fail(name, expected, f"protocol error: {first.message}")
    if not isinstance(first, SessionCreated):
        return _fail(name, expected, f"first event was {first.wire_type}")
    return _ok(name, expected, f"session.created (id {first.session.id or '?'})")


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
    rejected = _error_for(log, SessionUpdate)
    if rejected is not None:
        return _fail(name, expected, f"error {rejected.error.describe()}")
    updated = _events(log, SessionUpdated)
    if not updated:
        return _fail(name, expected, "no session.updated received")
    got = updated[-1].session
    problems = _session_mismatches(got, wanted, settings.rate)
    if problems:
        return _fail(name, expected, _describe(got), "; ".join(problems))
    return _ok(name, expected, _describe(got))


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


def _error_for(log: Sequence[Entry], cls: type[Any]) -> ErrorEvent | None:
    """The first error event answering a client event of type ``cls`` (by event_id)."""
    ids = {e.item.event_id for e in log if isinstance(e.item, cls) and e.item.event_id}
    for event in _events(log, ErrorEvent):
        if event.error.event_id in ids:
            return event
    return None


# --------------------------------------------------------------------------- protocol hygiene


def check_protocol(log: Sequence[Entry]) -> CheckResult:
    """Every frame was valid JSON with a well-formed event; unknown event types are only noted."""
    name, expected = "protocol", "every frame a well-formed realtime event"
    errors = [e for e in _received(log) if isinstance(e, ProtocolError)]
    unknown = sorted({e.wire_type for e in _events(log, OtherEvent) if not e.known})
    note = f"unknown event types (ignored): {', '.join(unknown)}" if unknown else ""
    count = len(_received(log))
    if errors:
        first = errors[0]
        observed = f"{len(errors)} bad frame(s) of {count}"
        detail = f"{first.kind}: {first.message}" + (f" [{first.excerpt}]" if first.excerpt else "")
        return _fail(name, expected, observed, detail)
    return _ok(name, expected, f"{count} events, all well-formed", note)


def check_dialect(log: Sequence[Entry], dialect: Dialect) -> CheckResult:
    """Event names belong to the dialect we connected with (no GA/beta mix-ups)."""
    name, expected = "dialect", f"only {dialect.value} event names"
    foreign = sorted(
        {e.wire_type for e in _events(log, ServerEvent) if foreign_event_name(e.wire_type, dialect)}
    )
    if foreign:
        other = "beta" if dialect is Dialect.GA else "GA"
        return _fail(name, expected, f"{other} event names: {', '.join(foreign)}")
    return _ok(name, expected, f"{dialect.value} event names")


def check_server_errors(log: Sequence[Entry]) -> CheckResult:
    """The server sent no ``error`` events."""
    name, expected = "server.errors", "no error events"
    errors = _events(log, ErrorEvent)
    if errors:
        listed = "; ".join(e.error.describe() for e in errors[:3])
        return _fail(name, expected, f"{len(errors)} error event(s)", listed)
    return _ok(name, expected, "none")


# --------------------------------------------------------------------------- input side


def check_vad(log: Sequence[Entry]) -> CheckResult:
    """Server VAD saw the spoken prompt: ``speech_started`` then ``speech_stopped`` after it."""
    name, expected = "vad", "speech_started then speech_stopped (end > start)"
    started, stopped = _events(log, SpeechStarted), _events(log, SpeechStopped)
    if not started:
        return _fail(name, expected, "no input_audio_buffer.speech_started")
    if not stopped:
        return _fail(name, expected, f"speech_started at {started[0].audio_start_ms} ms, no stop")
    start, end = started[0].audio_start_ms, stopped[-1].audio_end_ms
    observed = f"speech {start}..{end} ms"
    if end <= start:
        return _fail(name, expected, observed, "speech_stopped is not after speech_started")
    if log.index(_entry_of(log, stopped[-1])) < log.index(_entry_of(log, started[0])):
        return _fail(name, expected, observed, "speech_stopped arrived before speech_started")
    return _ok(name, expected, observed)


def _entry_of(log: Sequence[Entry], item: object) -> Entry:
    return next(e for e in log if e.item is item)


def check_input_transcription(
    log: Sequence[Entry], prompt_text: str, max_wer: float
) -> CheckResult:
    """The input transcription completed and is close to the prompt (word error rate)."""
    name = "input.transcription"
    expected = f"transcript of {prompt_text!r} (WER <= {max_wer:.0%})"
    failed = _events(log, InputTranscriptionFailed)
    completed = _events(log, InputTranscriptionCompleted)
    if not completed:
        if failed:
            return _fail(name, expected, f"failed: {failed[0].error.describe()}")
        return _fail(name, expected, "no input_audio_transcription.completed received")
    transcript = " ".join(e.transcript for e in completed)
    wer = word_error_rate(prompt_text, transcript)
    observed = f"{transcript!r} (WER {wer:.0%})"
    if wer > max_wer:
        return _fail(name, expected, observed)
    return _ok(name, expected, observed)


# --------------------------------------------------------------------------- output side


def output_audio(log: Sequence[Entry]) -> tuple[bytes, list[str]]:
    """Decoded PCM16 bytes of the final response's audio deltas, plus any decoding problems."""
    final = _final_response(log)
    deltas = _for_response(_events(log, OutputAudioDelta), final.response.id if final else None)
    chunks, problems = [], []
    for index, delta in enumerate(deltas):
        try:
            chunk = base64.b64decode(delta.delta, validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"delta #{index} is not valid base64")
            continue
        if len(chunk) % 2:
            problems.append(f"delta #{index} has an odd byte count ({len(chunk)})")
        chunks.append(chunk)
    return b"".join(chunks), problems


def check_output_audio_format(log: Sequence[Entry], rate: int = SESSION_RATE) -> CheckResult:
    """Audio arrived, every delta decodes, and the session says PCM16 at ``rate``."""
    name, expected = "output.audio.format", f"base64 PCM16 deltas at {rate} Hz"
    audio, problems = output_audio(log)
    if problems:
        return _fail(name, expected, f"{len(problems)} bad delta(s)", "; ".join(problems[:3]))
    if not audio:
        return _fail(name, expected, "no output audio received")
    sessions = _events(log, SessionUpdated) or _events(log, SessionCreated)
    fmt = sessions[-1].session.output_format if sessions else None
    if fmt is not None and (fmt.encoding != "pcm16" or fmt.rate != rate):
        return _fail(name, expected, f"session output format {fmt.encoding}@{fmt.rate}")
    return _ok(name, expected, f"{len(audio)} bytes PCM16 at {rate} Hz")


def check_output_audio_level(log: Sequence[Entry]) -> CheckResult:
    """The reply audio is not silence."""
    name, expected = "output.audio.level", f"RMS above {MIN_SPEECH_DBFS:.0f} dBFS"
    audio, _ = output_audio(log)
    try:
        level = rms_dbfs(from_bytes(audio[: len(audio) // 2 * 2]))
    except AudioError as exc:  # pragma: no cover - the slice above keeps the count even
        return _fail(name, expected, str(exc))
    observed = f"{level:.1f} dBFS"
    if not audio or level <= MIN_SPEECH_DBFS:
        return _fail(name, expected, observed if audio else "no audio", "reply audio is silent")
    return _ok(name, expected, observed)


def check_output_audio_duration(log: Sequence[Entry], rate: int = SESSION_RATE) -> CheckResult:
    """The reply lasts about as long as its transcript takes to say."""
    name = "output.audio.duration"
    audio, _ = output_audio(log)
    words = len(normalise(_final_transcript(log)))
    seconds = duration_seconds(len(audio), rate)
    low = MIN_SECONDS_PER_WORD * words
    high = MAX_SECONDS_PER_WORD * words + MAX_EXTRA_SECONDS
    expected = f"{low:.1f}..{high:.1f} s for {words} word(s)"
    observed = f"{seconds:.2f} s"
    if not audio:
        return _fail(name, expected, "no audio")
    if not low <= seconds <= high:
        return _fail(name, expected, observed, f"{seconds:.2f} s of audio for {words} word(s)")
    return _ok(name, expected, observed)


def _final_transcript(log: Sequence[Entry]) -> str:
    final = _final_response(log)
    response_id = final.response.id if final else None
    done = _for_response(_events(log, OutputTranscriptDone), response_id)
    if done:
        return done[-1].transcript
    return "".join(d.delta for d in _for_response(_events(log, OutputTranscriptDelta), response_id))


def check_output_transcript(log: Sequence[Entry]) -> CheckResult:
    """Transcript deltas concatenate to the final transcript (and to ``response.done``'s)."""
    name, expected = "output.transcript", "non-empty; deltas concatenate to the final transcript"
    final = _final_response(log)
    response_id = final.response.id if final else None
    joined = "".join(
        d.delta for d in _for_response(_events(log, OutputTranscriptDelta), response_id)
    )
    done = _for_response(_events(log, OutputTranscriptDone), response_id)
    if not done:
        return _fail(name, expected, f"no transcript done event (deltas: {joined!r})")
    transcript = done[-1].transcript
    if not transcript.strip():
        return _fail(name, expected, "empty transcript")
    if joined != transcript:
        return _fail(name, expected, f"deltas {joined!r} != done {transcript!r}")
    in_done = final.response.output_transcripts if final else ()
    if in_done and transcript not in in_done:
        return _fail(name, expected, f"response.done has {in_done[0]!r}, done event {transcript!r}")
    return _ok(name, expected, repr(transcript))


def check_expected_words(log: Sequence[Entry], words: Sequence[str]) -> CheckResult:
    """Every expected word occurs in the reply transcript (numbers normalised to words)."""
    name = "expected.words"
    expected = " ".join(normalise(" ".join(words)))
    transcript = _final_transcript(log)
    missing = missing_words(list(words), transcript)
    observed = repr(transcript)
    if missing:
        return _fail(name, expected, observed, f"missing: {', '.join(missing)}")
    return _ok(name, expected, observed)


def check_response_done(log: Sequence[Entry]) -> CheckResult:
    """The response finished with status ``completed`` and reported token usage."""
    name, expected = "response.done", "status completed with usage"
    final = _final_response(log)
    if final is None:
        return _fail(name, expected, "no response.done received")
    response = final.response
    if response.status != "completed":
        return _fail(
            name, expected, f"status {response.status}", _status_reason(response.status_details)
        )
    if response.usage is None or response.usage.total_tokens <= 0:
        return _fail(name, expected, "completed without usage")
    usage = response.usage
    return _ok(
        name,
        expected,
        f"completed, {usage.total_tokens} tokens "
        f"({usage.input_tokens} in, {usage.output_tokens} out)",
    )


def _status_reason(details: dict[str, Any] | None) -> str:
    if not details:
        return ""
    error = details.get("error") if isinstance(details.get("error"), dict) else {}
    parts = [str(details.get(k)) for k in ("type", "reason") if details.get(k)]
    parts += [str(error.get(k)) for k in ("code", "message") if error.get(k)]
    return ": ".join(parts)


# --------------------------------------------------------------------------- selection


def run_checks(log: Sequence[Entry], spec: ScenarioSpec) -> list[CheckResult]:
    """All checks that apply to ``spec``, in reporting order."""
    rate = spec.settings.rate
    results = [
        check_session_created(log),
        check_session_updated(log, spec.settings),
        check_protocol(log),
        check_dialect(log, spec.dialect),
        check_server_errors(log),
    ]
    if spec.kind == "audio":
        results.append(check_vad(log))
        if spec.settings.transcription_model:
            results.append(
                check_input_transcription(log, spec.prompt_text, spec.max_transcription_wer)
            )
    results += [
        check_response_done(log),
        check_output_audio_format(log, rate),
        check_output_audio_level(log),
        check_output_transcript(log),
        check_output_audio_duration(log, rate),
    ]
    if spec.expected_words:
        results.append(check_expected_words(log, spec.expected_words))
    return results
