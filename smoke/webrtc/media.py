"""Audio for a WebRTC session: the prompt as a live microphone, the reply track as PCM.

:class:`PromptMicrophone` plays the prompt PCM (then silence, as an open microphone does) in
20 ms frames at real time: RTP carries audio at speaking speed, so there is no burst mode here.
:class:`ReplyAudio` turns decoded inbound frames (aiortc decodes Opus to 48 kHz) into PCM16
24 kHz mono, the rate the audio checks read.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Callable
from typing import Any

import av
import numpy as np
import soxr
from aiortc import MediaStreamTrack

__all__ = ["FRAME_MS", "REPLY_RATE", "PromptMicrophone", "ReplyAudio", "use_loopback_candidates"]

REPLY_RATE = 24000
FRAME_MS = 20
_ALIGN_FRAMES = 3  # 60 ms


class PromptMicrophone(MediaStreamTrack):
    """A microphone track that speaks ``pcm`` (PCM16 mono at ``rate``) once, then is silent."""

    kind = "audio"

    def __init__(self, rate: int) -> None:
        super().__init__()
        self.rate = rate
        self._samples = rate * FRAME_MS // 1000
        self._pcm = b""
        self._offset = 0
        self._sent = 0
        self._start: float | None = None
        self._begin = 0
        self._on_progress: Callable[[float], None] = lambda _s: None
        self.finished = asyncio.Event()

    def speak(self, pcm: bytes, on_progress: Callable[[float], None]) -> None:
        """Start speaking ``pcm`` now; ``on_progress(seconds_sent)`` after every frame of it."""
        self._pcm, self._offset, self._on_progress = pcm, 0, on_progress
        # Start on a 60 ms boundary of the stream (a multiple of the 20 ms frames and of the
        # 30 ms frames voice activity detectors use): the same prompt then lands the same way
        # in the server's audio every run, instead of at a phase set by network timing.
        self._begin = -(-self._sent // _ALIGN_FRAMES) * _ALIGN_FRAMES
        self.finished.clear()

    async def recv(self) -> Any:
        if self._start is None:
            self._start = time.monotonic()
        delay = self._start + self._sent * FRAME_MS / 1000 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)  # a microphone delivers audio in real time
        size = self._samples * 2
        speaking = self._sent >= self._begin
        chunk = self._pcm[self._offset : self._offset + size] if speaking else b""
        if chunk:
            self._offset += len(chunk)
            self._on_progress(self._offset / 2 / self.rate)
            if self._offset >= len(self._pcm):
                self.finished.set()
        frame = av.AudioFrame.from_ndarray(
            np.frombuffer(chunk.ljust(size, b"\0"), dtype="<i2").reshape(1, -1),
            format="s16",
            layout="mono",
        )
        frame.sample_rate = self.rate
        frame.pts = self._sent * self._samples
        frame.time_base = fractions.Fraction(1, self.rate)
        self._sent += 1
        return frame


class ReplyAudio:
    """Decoded inbound frames -> PCM16 24 kHz mono, resampler state kept across frames."""

    def __init__(self) -> None:
        self._resampler: Any = None
        self._rate = 0

    def convert(self, frame: Any) -> bytes:
        """One decoded ``av.AudioFrame`` as PCM16 24 kHz mono."""
        samples = frame.to_ndarray()
        channels = len(frame.layout.channels)
        if frame.format.is_planar:
            mono = samples.astype(np.float32).mean(axis=0)
        else:
            mono = samples.reshape(-1, channels).astype(np.float32).mean(axis=1)
        if self._resampler is None or self._rate != frame.sample_rate:
            self._rate = frame.sample_rate
            self._resampler = soxr.ResampleStream(self._rate, REPLY_RATE, 1, dtype="float32")
        out = self._resampler.resample_chunk(mono)
        return bytes(np.clip(out, -32768, 32767).astype("<i2").tobytes())


def use_loopback_candidates() -> None:
    """Gather ICE host candidates on 127.0.0.1 only (for a loopback endpoint such as the
    local emulator: aioice otherwise offers every interface but loopback)."""
    import aioice.ice

    if getattr(aioice.ice.get_host_addresses, "_loopback_only", False):
        return

    def loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return ["127.0.0.1"] if use_ipv4 else []

    loopback._loopback_only = True  # type: ignore[attr-defined]  # marker for idempotence
    aioice.ice.get_host_addresses = loopback
