"""Audio over RTP: the caller's Opus track in, the reply as an Opus track out.

aiortc decodes the caller's Opus to 48 kHz PCM frames; ``InboundAudio`` mixes them to mono and
resamples them to the PCM16 24 kHz the session's VAD and recognition take. ``ReplyTrack`` is
the outgoing track: it plays queued PCM16 24 kHz in 20 ms frames at wall-clock pace (aiortc
encodes them to Opus) and silence when nothing is queued, as a real media server does, and it
tells its owner when a response's audio starts and when the queue has drained.
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

SESSION_RATE = 24000  # the realtime session's PCM16 rate
FRAME_SAMPLES = 480  # 20 ms at 24 kHz
FRAME_BYTES = FRAME_SAMPLES * 2


class InboundAudio:
    """Converts decoded RTP audio frames to PCM16 24 kHz mono, keeping resampler state."""

    def __init__(self) -> None:
        self._resampler: Any = None
        self._rate = 0

    def convert(self, frame: Any) -> bytes:
        """One ``av.AudioFrame`` (any rate/layout aiortc decodes to) -> PCM16 24 kHz mono."""
        samples = frame.to_ndarray()
        channels = len(frame.layout.channels)
        if frame.format.is_planar:
            mono = samples.astype(np.float32).mean(axis=0)
        else:
            mono = samples.reshape(-1, channels).astype(np.float32).mean(axis=1)
        if self._resampler is None or self._rate != frame.sample_rate:
            self._rate = frame.sample_rate
            self._resampler = soxr.ResampleStream(self._rate, SESSION_RATE, 1, dtype="float32")
        out = self._resampler.resample_chunk(mono.astype(np.float32))
        return bytes(np.clip(out, -32768, 32767).astype("<i2").tobytes())


class ReplyTrack(MediaStreamTrack):
    """The assistant's voice: queued PCM16 24 kHz played in real time, silence in between.

    ``on_drained(response_id)`` fires once the audio of a finished response has played out.
    """

    kind = "audio"

    def __init__(self, on_drained: Callable[[str], None]) -> None:
        super().__init__()
        self._on_drained = on_drained
        self._queue = bytearray()
        self._current: str | None = None  # response whose audio is queued or playing
        self._finished = False  # its last audio has been queued
        self._idle_frames = 0
        self._start: float | None = None
        self._sent = 0

    def expect(self, response_id: str) -> None:
        """Audio of ``response_id`` follows (``output_audio_buffer.started``)."""
        self._current, self._finished = response_id, False

    def play(self, pcm: bytes) -> None:
        """Queue part of the current response's audio."""
        self._queue += pcm
        self._idle_frames = 0

    def finish(self, response_id: str) -> None:
        """``response_id`` is done: no more of its audio will be queued."""
        if self._current == response_id:
            self._finished = True

    @property
    def playing(self) -> str | None:
        """The response whose audio is queued or still playing, if any."""
        return self._current

    def clear(self) -> str | None:
        """Drop queued audio (``output_audio_buffer.clear`` or an interruption); the response
        whose audio was cut, if one was playing."""
        cut = self._current
        self._queue.clear()
        self._current, self._finished = None, False
        return cut

    async def recv(self) -> Any:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._sent * FRAME_SAMPLES / SESSION_RATE
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)  # media pacing: one 20 ms frame per 20 ms
        frame = av.AudioFrame.from_ndarray(
            np.frombuffer(self._next_chunk(), dtype="<i2").reshape(1, -1),
            format="s16",
            layout="mono",
        )
        frame.sample_rate = SESSION_RATE
        frame.pts = self._sent * FRAME_SAMPLES
        frame.time_base = fractions.Fraction(1, SESSION_RATE)
        self._sent += 1
        return frame

    def _next_chunk(self) -> bytes:
        if self._queue:
            chunk = bytes(self._queue[:FRAME_BYTES])
            del self._queue[:FRAME_BYTES]
            return chunk.ljust(FRAME_BYTES, b"\0")
        self._idle_frames += 1
        # Two empty frames in a row: the last chunk, queued right after response.done, is in.
        if self._current is not None and self._finished and self._idle_frames >= 2:
            done, self._current, self._finished = self._current, None, False
            self._on_drained(done)
        return bytes(FRAME_BYTES)
