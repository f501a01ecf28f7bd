"""Checks on the audio: server VAD on the spoken prompt, and the reply's format, level, length."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from smoke.audio import SESSION_RATE, duration_seconds, from_bytes, rms_dbfs
from smoke.checks.base import (
    CheckResult,
    events_of,
    fail,
    final_response,
    final_transcript,
    for_response,
    ok,
)
from smoke.errors import AudioError
from smoke.realtime.events import (
    OutputAudioDelta,
    ResponseCreated,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
)
from smoke.realtime.protocol import Entry, InboundAudio
from smoke.text import normalise

__all__ = [
    "MAX_EXTRA_SECONDS",
    "MAX_SECONDS_PER_WORD",
    "MIN_SECONDS_PER_WORD",
    "MIN_SPEECH_DBFS",
    "check_output_audio_duration",
    "check_output_audio_format",
    "check_output_audio_level",
    "check_vad",
    "inbound_audio",
    "output_audio",
]

# Output quieter than this is treated as silence (speech sits around -30..-15 dBFS).
MIN_SPEECH_DBFS = -50.0
# Plausible speaking time per word: fast TTS ~0.15 s, slow speech ~1 s; generous bounds.
MIN_SECONDS_PER_WORD = 0.1
MAX_SECONDS_PER_WORD = 2.0
MAX_EXTRA_SECONDS = 3.0


def check_vad(log: Sequence[Entry]) -> CheckResult:
    """Server VAD saw the spoken prompt: ``speech_started`` then ``speech_stopped`` after it."""
    name, expected = "vad", "speech_started then speech_stopped (end > start)"
    started, stopped = events_of(log, SpeechStarted), events_of(log, SpeechStopped)
    if not started:
        return fail(name, expected, "no input_audio_buffer.speech_started")
    if not stopped:
        return fail(name, expected, f"speech_started at {started[0].audio_start_ms} ms, no stop")
    start, end = started[0].audio_start_ms, stopped[-1].audio_end_ms
    observed = f"speech {start}..{end} ms"
    if end <= start:
        return fail(name, expected, observed, "speech_stopped is not after speech_started")
    if log.index(_entry_of(log, stopped[-1])) < log.index(_entry_of(log, started[0])):
        return fail(name, expected, observed, "speech_stopped arrived before speech_started")
    return ok(name, expected, observed)


def _entry_of(log: Sequence[Entry], item: object) -> Entry:
    return next(e for e in log if e.item is item)


def output_audio(log: Sequence[Entry]) -> tuple[bytes, list[str]]:
    """PCM16 bytes of the final response's audio, plus any decoding problems.

    The audio comes from the response's ``output_audio.delta`` events; when it had none, from
    audio the transport received out of band (:func:`inbound_audio`, e.g. WebRTC's track).
    """
    final = final_response(log)
    deltas = for_response(events_of(log, OutputAudioDelta), final.response.id if final else None)
    if not deltas:
        return inbound_audio(log), []
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


def inbound_audio(log: Sequence[Entry]) -> bytes:
    """Out-of-band reply audio received since the last ``response.created``."""
    starts = [i for i, e in enumerate(log) if isinstance(e.item, ResponseCreated)]
    since = starts[-1] if starts else 0
    return b"".join(e.item.pcm for e in log[since:] if isinstance(e.item, InboundAudio))


def check_output_audio_format(log: Sequence[Entry], rate: int = SESSION_RATE) -> CheckResult:
    """Audio arrived, every delta decodes, and the session says PCM16 at ``rate``."""
    name, expected = "output.audio.format", f"base64 PCM16 deltas at {rate} Hz"
    audio, problems = output_audio(log)
    if problems:
        return fail(name, expected, f"{len(problems)} bad delta(s)", "; ".join(problems[:3]))
    if not audio:
        return fail(name, expected, "no output audio received")
    if not events_of(log, OutputAudioDelta):
        return ok(name, "PCM16 reply audio", f"{len(audio)} bytes received out of band")
    sessions: list[SessionCreated | SessionUpdated] = [
        *events_of(log, SessionCreated),
        *events_of(log, SessionUpdated),
    ]
    fmt = sessions[-1].session.output_format if sessions else None
    if fmt is not None and (fmt.encoding != "pcm16" or fmt.rate != rate):
        return fail(name, expected, f"session output format {fmt.encoding}@{fmt.rate}")
    return ok(name, expected, f"{len(audio)} bytes PCM16 at {rate} Hz")


def check_output_audio_level(log: Sequence[Entry]) -> CheckResult:
    """The reply audio is not silence."""
    name, expected = "output.audio.level", f"RMS above {MIN_SPEECH_DBFS:.0f} dBFS"
    audio, _ = output_audio(log)
    try:
        level = rms_dbfs(from_bytes(audio[: len(audio) // 2 * 2]))
    except AudioError as exc:  # pragma: no cover - the slice above keeps the count even
        return fail(name, expected, str(exc))
    observed = f"{level:.1f} dBFS"
    if not audio or level <= MIN_SPEECH_DBFS:
        return fail(name, expected, observed if audio else "no audio", "reply audio is silent")
    return ok(name, expected, observed)


def check_output_audio_duration(log: Sequence[Entry], rate: int = SESSION_RATE) -> CheckResult:
    """The reply lasts about as long as its transcript takes to say."""
    name = "output.audio.duration"
    audio, _ = output_audio(log)
    words = len(normalise(final_transcript(log)))
    seconds = duration_seconds(len(audio), rate)
    low = MIN_SECONDS_PER_WORD * words
    high = MAX_SECONDS_PER_WORD * words + MAX_EXTRA_SECONDS
    expected = f"{low:.1f}..{high:.1f} s for {words} word(s)"
    observed = f"{seconds:.2f} s"
    if not audio:
        return fail(name, expected, "no audio")
    if not low <= seconds <= high:
        return fail(name, expected, observed, f"{seconds:.2f} s of audio for {words} word(s)")
    return ok(name, expected, observed)
