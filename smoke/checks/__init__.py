"""Pure checks over a recorded session log: each returns a :class:`CheckResult`.

No check does I/O or raises for bad data: a missing event, an undecodable audio delta or a failed
response is a failed result whose ``expected``/``observed``/``detail`` say what went wrong.
:func:`run_checks` picks the checks for a scenario; tests call the individual functions.
They live by subject in :mod:`~smoke.checks.session` (session and protocol),
:mod:`~smoke.checks.audio` (VAD and reply audio) and :mod:`~smoke.checks.response`
(transcripts, expected words, response end); this module is the one import path.
"""

from __future__ import annotations

from collections.abc import Sequence

from smoke.checks.audio import (
    check_output_audio_duration,
    check_output_audio_format,
    check_output_audio_level,
    check_vad,
    inbound_audio,
    output_audio,
)
from smoke.checks.base import CheckResult, ScenarioSpec
from smoke.checks.response import (
    check_expected_words,
    check_input_transcription,
    check_output_transcript,
    check_response_done,
)
from smoke.checks.session import (
    check_dialect,
    check_protocol,
    check_server_errors,
    check_session_created,
    check_session_updated,
)
from smoke.realtime.protocol import Entry

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
    "inbound_audio",
    "output_audio",
    "run_checks",
]


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
