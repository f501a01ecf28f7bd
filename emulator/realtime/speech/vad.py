"""Sans-I/O streaming voice activity detection for the realtime ``server_vad`` and
``semantic_vad`` turn-detection modes.

Feed PCM16 (24 kHz by default) in chunks of any size with :meth:`StreamingVad.push`; it
returns :class:`SpeechStarted` / :class:`SpeechStopped` events with times in milliseconds
from the start of the stream, as the realtime API reports them:

- ``audio_start_ms`` = first voiced frame − ``prefix_padding_ms`` (never below 0);
- ``audio_end_ms`` = end of the last voiced frame + ``silence_duration_ms`` — "the end of audio
  sent to the model, and thus includes the silence duration" per the API docs; the event is
  emitted as soon as that much silence has been pushed.

Frames are webrtcvad (mode 3, the mode with no false start at stream start, measured) on 30 ms
at 16 kHz. webrtcvad keeps saying "voiced" for 2-4 frames after a word (its hangover), on
audio 40-50 dB below the speech (measured on the smoke fixtures: the end of speech came
70-125 ms late, and every turn ended that much later). Inside a segment a frame therefore
counts as voiced only if it is also within :data:`SPEECH_RANGE_DB` of the segment's loudest
frame, so ``speech_end_ms`` is the end of the speech itself (within one frame).
``threshold`` (0..1) is the share of voiced frames needed in the last 300 ms before speech
counts as started: higher means less sensitive, as with the real service.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import soxr
import webrtcvad

from .codecs import Pcm16, as_pcm16

__all__ = [
    "SEMANTIC_SILENCE_MS",
    "SpeechStarted",
    "SpeechStopped",
    "StreamingVad",
    "VadConfig",
    "VadEvent",
]

_VAD_RATE = 16000
_FRAME_MS = 30
_FRAME = _VAD_RATE * _FRAME_MS // 1000
_WINDOW_FRAMES = 10  # 300 ms onset window for the threshold ratio
_NATIVE_RATES = (8000, 16000, 32000, 48000)
#: Frames this far below the segment's loudest are hangover, not speech: weak consonants and
#: word endings sit 20-30 dB below the vowels, webrtcvad's hangover frames 40-50 dB below.
SPEECH_RANGE_DB = 35.0

#: semantic_vad cannot judge whether the user has finished, so each eagerness gets a fixed
#: hangover: a quarter of the documented maximum wait (high 2 s, medium/auto 4 s, low 8 s).
SEMANTIC_SILENCE_MS = {"high": 500, "medium": 1000, "auto": 1000, "low": 2000}


@dataclass(frozen=True)
class SpeechStarted:
    """Speech began; ``audio_start_ms`` already includes the prefix padding."""

    audio_start_ms: int


@dataclass(frozen=True)
class SpeechStopped:
    """Speech ended. ``audio_end_ms`` includes the silence duration; ``speech_end_ms`` is the
    end of the last voiced frame (useful to trim the committed audio)."""

    audio_end_ms: int
    speech_end_ms: int


VadEvent = SpeechStarted | SpeechStopped


@dataclass(frozen=True)
class VadConfig:
    """Turn-detection parameters; defaults are the emulator's ``server_vad`` defaults."""

    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 200

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError("threshold must be between 0 and 1")
        if self.prefix_padding_ms < 0 or self.silence_duration_ms < 0:
            raise ValueError("prefix_padding_ms and silence_duration_ms must be >= 0")

    @classmethod
    def semantic(cls, eagerness: str = "auto") -> VadConfig:
        """Configuration emulating ``semantic_vad`` with the given eagerness."""
        if eagerness not in SEMANTIC_SILENCE_MS:
            raise ValueError(f"eagerness must be one of {sorted(SEMANTIC_SILENCE_MS)}")
        return cls(silence_duration_ms=SEMANTIC_SILENCE_MS[eagerness])

    @classmethod
    def from_turn_detection(cls, turn_detection: Mapping[str, Any]) -> VadConfig:
        """Build from a session's ``turn_detection`` object (missing fields use defaults).

        Raises:
            ValueError: unknown ``type`` or out-of-range values.
        """
        kind = turn_detection.get("type", "server_vad")
        if kind == "semantic_vad":
            return cls.semantic(turn_detection.get("eagerness") or "auto")
        if kind != "server_vad":
            raise ValueError(f"unknown turn_detection type {kind!r}")
        defaults = cls()
        return cls(
            threshold=float(_or(turn_detection.get("threshold"), defaults.threshold)),
            prefix_padding_ms=int(
                _or(turn_detection.get("prefix_padding_ms"), defaults.prefix_padding_ms)
            ),
            silence_duration_ms=int(
                _or(turn_detection.get("silence_duration_ms"), defaults.silence_duration_ms)
            ),
        )

    @property
    def onset_frames(self) -> int:
        """Voiced 30 ms frames needed within the 300 ms window to start speech."""
        return min(_WINDOW_FRAMES, max(1, math.ceil(self.threshold * _WINDOW_FRAMES)))


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


class StreamingVad:
    """Incremental speech segmenter; see the module docstring for the event semantics.

    Not thread-safe: use one instance per session, fed from one task.
    """

    def __init__(self, config: VadConfig | None = None, *, input_rate: int = 24000) -> None:
        self.config = config or VadConfig()
        self._input_rate = input_rate
        self._resampler = (
            None
            if input_rate == _VAD_RATE
            # "QQ": no look-ahead, so a frame is judged as soon as its audio arrived (HQ holds
            # back ≈12 ms, which made a turn end one 100 ms chunk late); the VAD reads < 4 kHz
            else soxr.ResampleStream(input_rate, _VAD_RATE, 1, dtype="int16", quality="QQ")
        )
        self._vad = webrtcvad.Vad(3)
        self._pending = np.zeros(0, dtype=np.int16)
        self._frames_done = 0
        self._window: deque[tuple[int, bool, float]] = deque(maxlen=_WINDOW_FRAMES)
        self._peak_db = -math.inf  # loudest voiced frame of the segment being spoken
        self._in_speech = False
        self._last_voiced_end_ms = 0
        self._input_samples = 0
        self._odd_byte = b""

    @property
    def in_speech(self) -> bool:
        """True between a :class:`SpeechStarted` and its :class:`SpeechStopped`."""
        return self._in_speech

    @property
    def speech_end_ms(self) -> int:
        """End of the last voiced frame (the current segment's, while :attr:`in_speech`)."""
        return self._last_voiced_end_ms

    @property
    def silence_ms(self) -> int:
        """Silence judged so far after the last voiced frame of the current segment (0
        outside speech): the turn ends when it reaches ``silence_duration_ms``."""
        return self._frames_done * _FRAME_MS - self._last_voiced_end_ms if self._in_speech else 0

    @property
    def position_ms(self) -> int:
        """Milliseconds of audio pushed so far."""
        return self._input_samples * 1000 // self._input_rate

    def push(self, pcm16: bytes | npt.ArrayLike) -> list[VadEvent]:
        """Add audio (mono PCM16 at ``input_rate``); returns the events it completed.

        Bytes may split a sample: an odd trailing byte is kept for the next call.
        """
        if isinstance(pcm16, bytes | bytearray | memoryview):
            data = self._odd_byte + bytes(pcm16)
            self._odd_byte = data[len(data) - len(data) % 2 :]
            pcm16 = data[: len(data) - len(self._odd_byte)]
        samples = as_pcm16(pcm16)
        self._input_samples += samples.size
        return self._consume(self._to_vad_rate(samples, last=False))

    def flush(self) -> list[VadEvent]:
        """End of stream: drain the resampler and close an open speech segment.

        A segment still open gets ``SpeechStopped`` at the end of the audio pushed (or
        earlier, if the silence duration had already been reached). Call once; the instance
        is finished afterwards.
        """
        events = self._consume(self._to_vad_rate(np.zeros(0, dtype=np.int16), last=True))
        if self._in_speech:
            self._in_speech = False
            end = min(self.position_ms, self._last_voiced_end_ms + self.config.silence_duration_ms)
            events.append(SpeechStopped(audio_end_ms=end, speech_end_ms=self._last_voiced_end_ms))
        return events

    def _to_vad_rate(self, samples: Pcm16, *, last: bool) -> Pcm16:
        if self._resampler is None:
            return samples
        out = self._resampler.resample_chunk(samples, last=last)
        return np.asarray(out, dtype=np.int16)

    def _consume(self, samples: Pcm16) -> list[VadEvent]:
        buffered = np.concatenate([self._pending, samples]) if self._pending.size else samples
        count = buffered.size // _FRAME
        events: list[VadEvent] = []
        for k in range(count):
            frame = buffered[k * _FRAME : (k + 1) * _FRAME]
            event = self._step(self._vad.is_speech(frame.tobytes(), _VAD_RATE), _level_db(frame))
            if event is not None:
                events.append(event)
        self._pending = buffered[count * _FRAME :].copy()
        return events

    def _step(self, voiced: bool, level_db: float) -> VadEvent | None:
        index = self._frames_done
        self._frames_done += 1
        end_ms = (index + 1) * _FRAME_MS
        if self._in_speech:
            if voiced and level_db >= self._peak_db - SPEECH_RANGE_DB:
                self._peak_db = max(self._peak_db, level_db)
                self._last_voiced_end_ms = end_ms
            elif end_ms - self._last_voiced_end_ms >= self.config.silence_duration_ms:
                self._in_speech = False
                self._window.clear()
                return SpeechStopped(
                    audio_end_ms=self._last_voiced_end_ms + self.config.silence_duration_ms,
                    speech_end_ms=self._last_voiced_end_ms,
                )
            return None
        self._window.append((index, voiced, level_db))
        voiced_frames = [i for i, v, _ in self._window if v]
        if voiced and len(voiced_frames) >= self.config.onset_frames:
            self._in_speech = True
            self._peak_db = max(level for _, v, level in self._window if v)
            self._last_voiced_end_ms = end_ms
            start_ms = voiced_frames[0] * _FRAME_MS - self.config.prefix_padding_ms
            return SpeechStarted(audio_start_ms=max(0, start_ms))
        return None


def _level_db(frame: Pcm16) -> float:
    """RMS level of a frame in dB (relative: only differences between frames are used)."""
    energy = float(np.mean(frame.astype(np.float64) ** 2))
    return 10.0 * math.log10(energy + 1e-9)
