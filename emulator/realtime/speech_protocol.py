"""The speech services a session needs, as one interface (the offline stack lives in ``speech/``).

``Speech`` splits into cheap calls the session makes inline (codecs, VAD, the reply model)
and blocking ones the runner runs in a worker thread (``transcribe``, ``synthesize``);
``open_recognition`` streams an utterance to the recogniser while it is spoken.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol


class RecognitionStream(Protocol):
    """One utterance recognised while it arrives (PCM16 24 kHz mono)."""

    def feed(self, pcm: bytes) -> None:
        """More audio; never blocks (the work happens elsewhere)."""

    def pause(self) -> None:
        """The speaker has been silent for a while: the final pass may run now."""

    def resume(self) -> None:
        """The speaker went on after ``pause`` (the audio fed since then is speech)."""

    def finish(self) -> Future[str]:
        """End of the utterance; the future gives the transcript."""

    def cancel(self) -> None:
        """Abandon the utterance."""


class VadStream(Protocol):
    """Streaming voice activity detection over PCM16 24 kHz mono."""

    def feed(self, pcm: bytes) -> list[tuple[str, int]]:
        """Events found in this audio, in session ms: ``("start", audio_start_ms)`` (prefix
        padding included) / ``("stop", audio_end_ms)`` (silence duration included); within a
        turn, ``("pause", speech_end_ms)`` when the speaker has been silent for a while (the
        turn may be ending) and ``("resume", speech_end_ms)`` when they went on after one."""

    def reset(self) -> None:
        """Forget state (after a commit or a clear); stream time keeps counting."""


class Speech(Protocol):
    """What the realtime engine asks of the speech stack."""

    def decode(self, fmt: str, data: bytes) -> bytes:
        """Client audio in ``fmt`` (pcm16, g711_ulaw, g711_alaw) -> PCM16 24 kHz."""

    def decoder(self, fmt: str) -> Callable[[bytes], bytes]:
        """A stateful decoder for a stream of appends in ``fmt`` (resampling across chunks)."""

    def encode(self, fmt: str, pcm: bytes) -> bytes:
        """PCM16 24 kHz -> ``fmt``."""

    def bytes_per_ms(self, fmt: str) -> float:
        """Size of one millisecond of audio in ``fmt``."""

    def vad(self, turn_detection: dict[str, Any], start_ms: int) -> VadStream:
        """A detector configured from ``server_vad``/``semantic_vad`` settings."""

    def reply(self, heard: str) -> str:
        """The deterministic reply model: what the assistant says to ``heard``."""

    def transcribe(self, pcm: bytes) -> str:
        """Blocking ASR of PCM16 24 kHz audio."""

    def open_recognition(self) -> RecognitionStream:
        """Start recognising an utterance that is still being spoken."""

    def synthesize(self, text: str, voice: str) -> bytes:
        """Blocking TTS to PCM16 24 kHz mono."""
