"""A fast, deterministic stand-in for the speech stack, for sans-I/O session tests.

Audio is "speech" wherever samples are loud: a 10 ms frame with peak > 1000 counts as voiced.
``transcribe`` reads back what ``speak`` encoded, so tests control what is heard.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import numpy as np

from emulator.realtime.speech.reply import reply_text

FRAME = 480  # 10 ms at 24 kHz, in bytes (240 samples)


def tone(ms: int) -> bytes:
    """Loud PCM16 (voiced)."""
    n = ms * 24
    return (np.sin(np.arange(n) / 5.0) * 8000).astype("<i2").tobytes()


def silence(ms: int) -> bytes:
    """Silent PCM16."""
    return bytes(ms * 48)


class FakeVad:
    """Energy VAD on 10 ms frames with a silence hang-over."""

    def __init__(self, silence_ms: int, padding_ms: int, start_ms: int) -> None:
        self.silence_ms = silence_ms
        self.padding_ms = padding_ms
        self.pos_ms = start_ms
        self._pending = b""
        self.reset()

    def reset(self) -> None:
        self.in_speech = False
        self.quiet_ms = 0
        self.last_voiced = 0

    def feed(self, pcm: bytes) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        data = self._pending + pcm
        whole = len(data) - len(data) % FRAME
        self._pending = data[whole:]
        for off in range(0, whole, FRAME):
            frame = np.frombuffer(data[off : off + FRAME], dtype="<i2")
            voiced = int(np.abs(frame.astype(np.int32)).max()) > 1000
            if voiced and not self.in_speech:
                self.in_speech = True
                out.append(("start", max(0, self.pos_ms - self.padding_ms)))
            if voiced:
                self.quiet_ms = 0
                self.last_voiced = self.pos_ms + 10
            elif self.in_speech:
                self.quiet_ms += 10
                if self.quiet_ms >= self.silence_ms:
                    self.in_speech = False
                    out.append(("stop", self.last_voiced + self.silence_ms))
            self.pos_ms += 10
        return out


class FakeSpeech:
    """``engine.Speech`` with canned recognition and silent-but-sized synthesis."""

    def __init__(self, heard: str = "repeat after me blue harbor seven") -> None:
        self.heard = heard
        self.transcribed: list[int] = []
        self.spoken: list[str] = []

    def decode(self, fmt: str, data: bytes) -> bytes:
        if fmt == "pcm16":
            return data
        return b"".join(bytes([b, b]) * 3 for b in data)  # 8 kHz bytes -> 24 kHz samples

    def decoder(self, fmt: str) -> Any:
        return lambda data: self.decode(fmt, data)

    def encode(self, fmt: str, pcm: bytes) -> bytes:
        return pcm if fmt == "pcm16" else pcm[::6]

    def bytes_per_ms(self, fmt: str) -> float:
        return 48.0 if fmt == "pcm16" else 8.0

    def vad(self, turn_detection: dict[str, Any], start_ms: int) -> FakeVad:
        return FakeVad(
            int(turn_detection.get("silence_duration_ms", 500)),
            int(turn_detection.get("prefix_padding_ms", 300)),
            start_ms,
        )

    def reply(self, heard: str) -> str:
        return reply_text(heard)

    def transcribe(self, pcm: bytes) -> str:
        self.transcribed.append(len(pcm))
        return self.heard

    def synthesize(self, text: str, voice: str) -> bytes:
        self.spoken.append(text)
        return tone(300 * len(text.split()))

    def open_recognition(self) -> FakeStream:
        return FakeStream(self)


class FakeStream:
    """A recognition stream that keeps what it was fed and transcribes it at the end."""

    def __init__(self, speech: FakeSpeech) -> None:
        self.speech = speech
        self.audio = bytearray()
        self.marks: list[tuple[str, int]] = []  # ("pause" | "resume", bytes fed by then)

    def feed(self, pcm: bytes) -> None:
        self.audio += pcm

    def pause(self) -> None:
        self.marks.append(("pause", len(self.audio)))

    def resume(self) -> None:
        self.marks.append(("resume", len(self.audio)))

    def finish(self) -> Future[str]:
        done: Future[str] = Future()
        done.set_result(self.speech.transcribe(bytes(self.audio)))
        return done

    def cancel(self) -> None:
        self.audio.clear()
