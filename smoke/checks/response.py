"""Checks on what was said: input transcription, reply transcript, expected words, response end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smoke.checks.base import (
    CheckResult,
    events_of,
    fail,
    final_response,
    final_transcript,
    for_response,
    ok,
)
from smoke.realtime.events import (
    InputTranscriptionCompleted,
    InputTranscriptionFailed,
    OutputTranscriptDelta,
    OutputTranscriptDone,
)
from smoke.realtime.protocol import Entry
from smoke.text import missing_words, normalise, word_error_rate

__all__ = [
    "check_expected_words",
    "check_input_transcription",
    "check_output_transcript",
    "check_response_done",
]


def check_input_transcription(
    log: Sequence[Entry], prompt_text: str, max_wer: float
) -> CheckResult:
    """The input transcription completed and is close to the prompt (word error rate)."""
    name = "input.transcription"
    expected = f"transcript of {prompt_text!r} (WER <= {max_wer:.0%})"
    failed = events_of(log, InputTranscriptionFailed)
    completed = events_of(log, InputTranscriptionCompleted)
    if not completed:
        if failed:
            return fail(name, expected, f"failed: {failed[0].error.describe()}")
        return fail(name, expected, "no input_audio_transcription.completed received")
    transcript = " ".join(e.transcript for e in completed)
    wer = word_error_rate(prompt_text, transcript)
    observed = f"{transcript!r} (WER {wer:.0%})"
    if wer > max_wer:
        return fail(name, expected, observed)
    return ok(name, expected, observed)


def check_output_transcript(log: Sequence[Entry]) -> CheckResult:
    """Transcript deltas concatenate to the final transcript (and to ``response.done``'s)."""
    name, expected = "output.transcript", "non-empty; deltas concatenate to the final transcript"
    final = final_response(log)
    response_id = final.response.id if final else None
    joined = "".join(
        d.delta for d in for_response(events_of(log, OutputTranscriptDelta), response_id)
    )
    done = for_response(events_of(log, OutputTranscriptDone), response_id)
    if not done:
        return fail(name, expected, f"no transcript done event (deltas: {joined!r})")
    transcript = done[-1].transcript
    if not transcript.strip():
        return fail(name, expected, "empty transcript")
    if joined != transcript:
        return fail(name, expected, f"deltas {joined!r} != done {transcript!r}")
    in_done = final.response.output_transcripts if final else ()
    if in_done and transcript not in in_done:
        return fail(name, expected, f"response.done has {in_done[0]!r}, done event {transcript!r}")
    return ok(name, expected, repr(transcript))


def check_expected_words(log: Sequence[Entry], words: Sequence[str]) -> CheckResult:
    """Every expected word occurs in the reply transcript (numbers normalised to words)."""
    name = "expected.words"
    expected = " ".join(normalise(" ".join(words)))
    transcript = final_transcript(log)
    missing = missing_words(list(words), transcript)
    observed = repr(transcript)
    if missing:
        return fail(name, expected, observed, f"missing: {', '.join(missing)}")
    return ok(name, expected, observed)


def check_response_done(log: Sequence[Entry]) -> CheckResult:
    """The response finished with status ``completed`` and reported token usage."""
    name, expected = "response.done", "status completed with usage"
    final = final_response(log)
    if final is None:
        return fail(name, expected, "no response.done received")
    response = final.response
    if response.status != "completed":
        return fail(
            name, expected, f"status {response.status}", _status_reason(response.status_details)
        )
    if response.usage is None or response.usage.total_tokens <= 0:
        return fail(name, expected, "completed without usage")
    usage = response.usage
    return ok(
        name,
        expected,
        f"completed, {usage.total_tokens} tokens "
        f"({usage.input_tokens} in, {usage.output_tokens} out)",
    )


def _status_reason(details: dict[str, Any] | None) -> str:
    if not details:
        return ""
    found = details.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    parts = [str(details.get(k)) for k in ("type", "reason") if details.get(k)]
    parts += [str(error.get(k)) for k in ("code", "message") if error.get(k)]
    return ": ".join(parts)
