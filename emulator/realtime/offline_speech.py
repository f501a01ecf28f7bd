"""``engine.Speech`` over the offline stack in ``speech/`` (flite TTS, pocketsphinx ASR,
webrtcvad, G.711 codecs and the deterministic reply model).

The recogniser and synthesizer load on first use (``warm_up`` loads them eagerly).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
import soxr

from emulator.realtime.speech import codecs
from emulator.realtime.speech.asr_workers import ProcessRecognizer, RecognitionStream
from emulator.realtime.speech.reply import reply_text
from emulator.realtime.speech.tts import synthesize
from emulator.realtime.speech.vad import SpeechStarted, SpeechStopped, StreamingVad, VadConfig
from emulator.realtime.speech_protocol import VadStream
from emulator.speech_warmup import SPEECH_WORKERS

PCM_RATE = 24000


class OfflineSpeech:
    """The emulator's speech services; ``transcribe``/``synthesize`` are thread-safe.

    Recognition runs in child processes (pocketsphinx holds the GIL while decoding, which
    would stall every session's event loop), streaming while the user speaks; synthesis runs
    the flite binary.
    """

    def __init__(self, asr_workers: int = SPEECH_WORKERS) -> None:
        self._asr_workers = asr_workers
        self._asr: Any = None
        self._asr_lock = threading.Lock()

    def decode(self, fmt: str, data: bytes) -> bytes:
        if fmt == "pcm16":
            return data[: len(data) - len(data) % 2]
        samples = codecs.ulaw_to_pcm16(data) if fmt == "g711_ulaw" else codecs.alaw_to_pcm16(data)
        return codecs.resample(samples, codecs.G711_RATE, PCM_RATE).tobytes()

    def decoder(self, fmt: str) -> Callable[[bytes], bytes]:
        if fmt == "pcm16":
            return _Pcm16Stream()
        stream = soxr.ResampleStream(codecs.G711_RATE, PCM_RATE, 1, dtype="int16")
        expand = codecs.ulaw_to_pcm16 if fmt == "g711_ulaw" else codecs.alaw_to_pcm16

        def decode(data: bytes) -> bytes:
            return np.asarray(stream.resample_chunk(expand(data)), dtype="<i2").tobytes()

        return decode

    def encode(self, fmt: str, pcm: bytes) -> bytes:
        if fmt == "pcm16":
            return pcm
        narrow = codecs.resample(pcm, PCM_RATE, codecs.G711_RATE)
        return codecs.pcm16_to_ulaw(narrow) if fmt == "g711_ulaw" else codecs.pcm16_to_alaw(narrow)

    def bytes_per_ms(self, fmt: str) -> float:
        return PCM_RATE * 2 / 1000 if fmt == "pcm16" else codecs.G711_RATE / 1000

    def vad(self, turn_detection: dict[str, Any], start_ms: int) -> VadStream:
        return _Vad(VadConfig.from_turn_detection(turn_detection), start_ms)

    def reply(self, heard: str) -> str:
        return reply_text(heard)

    def transcribe(self, pcm: bytes) -> str:
        try:
            return str(self.recognizer().transcribe(pcm, PCM_RATE))
        except BrokenProcessPool:
            # a recogniser process died (killed, out of memory): start a fresh pool once
            self._restart()
            return str(self.recognizer().transcribe(pcm, PCM_RATE))

    def open_recognition(self) -> RecognitionStream:
        try:
            return self.recognizer().open_stream(PCM_RATE)
        except BrokenProcessPool:
            self._restart()
            return self.recognizer().open_stream(PCM_RATE)

    def _restart(self) -> None:
        with self._asr_lock:
            broken, self._asr = self._asr, None
        if broken is not None:
            threading.Thread(target=broken.close, daemon=True).start()

    def synthesize(self, text: str, voice: str) -> bytes:
        # one voice for every name: flite kal16, the one the project's recogniser reads best
        return np.asarray(synthesize(text, PCM_RATE), dtype="<i2").tobytes()

    def recognizer(self) -> ProcessRecognizer:
        """The recogniser process pool (started on first use; ≈1–2 s to load the model)."""
        with self._asr_lock:
            if self._asr is None:
                self._asr = ProcessRecognizer(workers=self._asr_workers)
            return self._asr

    def warm_up(self) -> None:
        """Load the recogniser and the synthesizer now rather than on the first turn."""
        self.recognizer().warm_up()
        self.synthesize("ready", "alloy")


class _Pcm16Stream:
    """PCM16 appends may split a sample across events: carry the odd byte over."""

    def __init__(self) -> None:
        self._carry = b""

    def __call__(self, data: bytes) -> bytes:
        data = self._carry + data
        cut = len(data) - len(data) % 2
        self._carry = data[cut:]
        return data[:cut]


#: Silence after which a turn may be ending: the recogniser's final pass (≈100 ms) starts
#: then (``pause``), 100-200 ms before VAD decides with the default 200 ms window and 100 ms
#: chunks. At least 90 ms: inside 44 flite sentences only 8 had such a gap (60 ms: 33), and
#: each costs a new decode of the turn so far (measured). Longer windows pause
#: ``PAUSE_LEAD_MS`` before they close, so that a speaker's thinking pauses cost nothing.
PAUSE_AFTER_MS = 90
PAUSE_LEAD_MS = 200
#: Each resume decodes the turn again from its start: a long turn with many gaps would cost
#: the square of its length. After this many, the turn waits for its end as before.
MAX_RESUMES_PER_TURN = 2


class _Vad:
    """``engine.VadStream`` over ``speech.StreamingVad``, in session time (ms since start)."""

    def __init__(self, config: VadConfig, offset_ms: int) -> None:
        self._config = config
        self._offset = offset_ms
        self._vad = StreamingVad(config, input_rate=PCM_RATE)
        window = config.silence_duration_ms
        # None: a window this short leaves the final pass no time to win
        self._pause_after = (
            max(PAUSE_AFTER_MS, window - PAUSE_LEAD_MS) if window > PAUSE_AFTER_MS else None
        )
        self._paused_at: int | None = None  # speech end of the segment when it paused
        self._resumes = 0  # in the current segment

    def feed(self, pcm: bytes) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for ev in self._vad.push(pcm):
            if isinstance(ev, SpeechStarted):
                self._paused_at, self._resumes = None, 0
                out.append(("start", self._offset + ev.audio_start_ms))
            elif isinstance(ev, SpeechStopped):
                if self._paused_at is not None and ev.speech_end_ms != self._paused_at:
                    out.append(("resume", self._offset + ev.speech_end_ms))
                self._paused_at = None
                out.append(("stop", self._offset + ev.audio_end_ms))
        return out + self._pause_or_resume()

    def _pause_or_resume(self) -> list[tuple[str, int]]:
        """Within a segment: did the speaker just pause, or go on after a pause?"""
        if not self._vad.in_speech or self._pause_after is None:
            return []
        out: list[tuple[str, int]] = []
        end = self._vad.speech_end_ms
        if self._paused_at is not None and end != self._paused_at:
            out.append(("resume", self._offset + end))
            self._paused_at, self._resumes = None, self._resumes + 1
        if (
            self._paused_at is None
            and self._resumes < MAX_RESUMES_PER_TURN
            and self._vad.silence_ms >= self._pause_after
        ):
            self._paused_at = end
            out.append(("pause", self._offset + end))
        return out

    def reset(self) -> None:
        self._offset += self._vad.position_ms
        self._vad = StreamingVad(self._config, input_rate=PCM_RATE)
        self._paused_at = None


_shared: OfflineSpeech | None = None
_lock = threading.Lock()


def shared() -> OfflineSpeech:
    """The process-wide instance."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = OfflineSpeech()
        return _shared
