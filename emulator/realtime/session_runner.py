"""Runs one ``RealtimeSession`` on the event loop, whatever carries it (WebSocket, WebRTC).

The runner owns everything with time or threads in it: speech jobs (ASR, TTS) run in a small
thread pool so one session's recognition never stalls another session's events, the active
response streams at ``STREAM_SPEED``, and the 30-minute expiry fires. What leaves the session
goes through one writer task, in the order the session produced it, to a ``SessionLink``
that the transport adapter implements.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from emulator.realtime.session import RealtimeSession
from emulator.realtime.speech_jobs import (
    FeedRecognition,
    Job,
    PauseRecognition,
    ResumeRecognition,
    StartRecognition,
    StreamJob,
    Synthesize,
    Transcribe,
)
from emulator.realtime.speech_protocol import RecognitionStream, Speech

log = logging.getLogger("emulator.realtime")

STREAM_SPEED = 8.0  # audio seconds sent per wall second (Azure streams faster than real time)
SPEECH_WORKERS = 2  # the reference machine has two cores
_executor: ThreadPoolExecutor | None = None


class SessionLink(Protocol):
    """What a transport adapter does with the session's output (called by one writer task)."""

    async def send_event(self, event: dict[str, Any]) -> None:
        """Deliver one server event (WebSocket text frame, data-channel message)."""

    async def play_audio(self, pcm: bytes) -> None:
        """Queue reply audio (PCM16 24 kHz mono) on the outbound track (``media="track"``)."""

    async def clear_audio(self) -> None:
        """Drop reply audio queued but not yet played (``output_audio_buffer.clear``)."""

    async def close(self, reason: str) -> None:
        """End the connection (``reason``: ``session_expired``)."""


def executor() -> ThreadPoolExecutor:
    """The shared pool for blocking speech work (created on first use)."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(SPEECH_WORKERS, thread_name_prefix="realtime-speech")
    return _executor


def speech_stack() -> Speech:
    """The process-wide offline speech stack."""
    from emulator.realtime.offline_speech import shared

    return shared()


_warm: asyncio.Future[Any] | None = None


def warm_up() -> None:
    """Start loading the recogniser and synthesizer at the first session, off the loop."""
    global _warm
    if _warm is None:
        warm = getattr(speech_stack(), "warm_up", None)
        if warm is not None:
            _warm = asyncio.get_running_loop().run_in_executor(executor(), warm)
            _warm.add_done_callback(lambda f: f.cancelled() or f.exception())


_CLOSE = object()
_CLEAR = object()


class _Audio(bytes):
    """Reply audio in the writer's queue (told apart from events by type)."""


class SessionRunner:
    """Drives one session: call ``start()``, feed it input, ``await finish()`` or ``stop()``."""

    def __init__(
        self,
        session: RealtimeSession,
        link: SessionLink,
        speech: Speech | None = None,
        speed: float | None = None,
    ) -> None:
        self.session = session
        self.link = link
        self.speech = speech or session.speech
        self.speed = speed or STREAM_SPEED
        self._out: asyncio.Queue[Any] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._streamer: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._stopped = False
        self._recognitions: dict[str, RecognitionStream] = {}

    @property
    def closed(self) -> bool:
        """The session ended (expired); the adapter should stop reading."""
        return self.session.closed

    def start(self) -> None:
        """Start the writer and the expiry timer; sends ``session.created``."""
        loop = asyncio.get_running_loop()
        self._writer = asyncio.create_task(self._write())
        delay = max(0.0, self.session.expires_at - time.time())
        self._timer = loop.call_later(delay, self._expire)
        self._flush()

    def receive_text(self, text: str) -> None:
        """One client event (WebSocket text frame or data-channel message)."""
        try:
            self.session.receive_text(text)
        except Exception:  # a bug: keep the trace, tell the client, keep the session
            log.error("unhandled error in a realtime client event\n%s", traceback.format_exc())
            self.session.internal_error()
        self._flush()

    def receive_pcm(self, pcm: bytes) -> None:
        """Decoded microphone audio, PCM16 24 kHz mono (WebRTC)."""
        try:
            self.session.receive_pcm(pcm)
        except Exception:
            log.error("unhandled error in realtime input audio\n%s", traceback.format_exc())
            self.session.internal_error()
        self._flush()

    def receive_binary(self) -> None:
        """A frame the protocol does not have (WebSocket binary)."""
        self.session.receive_binary()
        self._flush()

    def audio_played(self, response_id: str) -> None:
        """The track drained a response's audio."""
        self.session.output_audio_played(response_id)
        self._flush()

    async def finish(self, timeout: float = 5.0) -> None:
        """Wait (up to ``timeout``) until queued output was written, then ``stop``."""
        if self._writer is not None and self.session.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._writer), timeout)
        await self.stop()

    async def stop(self) -> None:
        """Cancel jobs, streaming and the writer; nothing more is sent."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
        for stream in self._recognitions.values():
            stream.cancel()  # frees the recogniser's decoder
        self._recognitions.clear()
        for task in [*self._tasks, self._streamer, self._writer]:
            if task is not None and not task.done():
                task.cancel()

    # -- internals ------------------------------------------------------------------------------
    def _flush(self) -> None:
        if self._stopped:
            return
        for ev in self.session.events_to_send():
            self._out.put_nowait(ev)
        if self.session.audio_cleared():
            self._out.put_nowait(_CLEAR)
        for pcm in self.session.audio_to_play():
            self._out.put_nowait(_Audio(pcm))
        for job in self.session.jobs_to_run():
            if isinstance(job, StreamJob):
                self._stream_job(job)
            else:
                self._spawn(self._run_job(job))
        if self.session.streaming and (self._streamer is None or self._streamer.done()):
            self._streamer = asyncio.create_task(self._stream())
        if self.session.closed:
            self._out.put_nowait(_CLOSE)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _stream_job(self, job: StreamJob) -> None:
        """Non-blocking recognition work, done in order as the session asked for it."""
        try:
            if isinstance(job, StartRecognition):
                stream = self.speech.open_recognition()
                self._recognitions[job.stream_id] = stream
                if job.pcm:
                    stream.feed(job.pcm)
            elif job.stream_id not in self._recognitions:
                return  # a stream that failed (its turn is decoded whole) or ended
            elif isinstance(job, FeedRecognition):
                self._recognitions[job.stream_id].feed(job.pcm)
            elif isinstance(job, PauseRecognition):
                self._recognitions[job.stream_id].pause()
            elif isinstance(job, ResumeRecognition):
                self._recognitions[job.stream_id].resume()
            else:
                self._recognitions.pop(job.stream_id).cancel()
        except Exception as exc:  # the turn falls back to decoding its audio whole
            log.warning("realtime recognition stream failed: %s", exc)
            self._recognitions.pop(job.stream_id, None)

    async def _transcribe(self, job: Transcribe) -> str:
        stream = self._recognitions.pop(job.stream_id or "", None)
        if stream is not None:
            try:
                return await asyncio.wrap_future(stream.finish())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("realtime recognition stream failed, decoding whole: %s", exc)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor(), self.speech.transcribe, job.pcm)

    async def _run_job(self, job: Job) -> None:
        loop = asyncio.get_running_loop()
        try:
            if isinstance(job, Transcribe):
                result: Any = await self._transcribe(job)
            else:
                assert isinstance(job, Synthesize)
                result = await loop.run_in_executor(
                    executor(), self.speech.synthesize, job.text, job.voice
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a speech failure ends this turn, not the session
            log.warning("realtime speech job failed: %s", exc)
            if not self._stopped:
                self.session.job_failed(job, "The audio could not be processed.")
        else:
            if not self._stopped:
                self.session.job_done(job, result)
        self._flush()

    async def _stream(self) -> None:
        while self.session.streaming and not self._stopped:
            pause = self.session.next_pause() / self.speed
            for ev in self.session.stream_step():
                self._out.put_nowait(ev)
            self._flush()
            await asyncio.sleep(pause)  # pacing of the audio stream, not synchronisation

    def _expire(self) -> None:
        self.session.expire()
        self._flush()

    async def _write(self) -> None:
        while True:
            item = await self._out.get()
            try:
                if item is _CLOSE:
                    await self.link.close("session_expired")
                    return
                if item is _CLEAR:
                    await self.link.clear_audio()
                elif isinstance(item, _Audio):
                    await self.link.play_audio(bytes(item))
                else:
                    await self.link.send_event(item)
            except (ConnectionError, RuntimeError):
                return
