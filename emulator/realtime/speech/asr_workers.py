"""Recognition in child processes, streaming: audio is decoded while the user speaks.

Why processes: pocketsphinx holds the GIL for the whole decode, which would stall every
session's event loop. Why streaming: decoding a whole utterance after VAD says it ended put
≈0.3× the utterance length between the end of speech and the reply; fed as it arrives, only
the last chunk and the final pass remain when speech stops.

Each worker process owns some decoders (one per open stream, ≈90 MB each, kept for reuse,
and one spare built while the worker is idle) and receives messages on a pipe; a stream stays
on the worker that opened it. A worker drains its pipe and handles first what someone waits
for (the end of an utterance, with the rest of that utterance's audio), so a turn that ended
does not queue behind other sessions' speech when the worker falls behind. A ``pause`` (the
speaker has been silent for a while: run the final pass now, see ``DecoderStream``) is just as
urgent, since its ``finish`` usually follows; a ``pause`` still queued when its ``resume``
arrives is dropped with it. Messages go out
through one sender thread per worker (so a busy worker never blocks the caller, e.g. an event
loop) and results come back through one reader thread per worker that completes
``concurrent.futures.Future`` objects.

Identical utterances are decoded once (``memo.SpeechMemo``): a stream digests what it was fed
(bytes and chunk boundaries, rate, decoder options) and at ``finish`` asks the memo; if that
digest was already recognised, or is being recognised for another session right now, the
stream is cancelled in its worker (its queued audio is dropped unread) and the caller gets
that result. N sessions saying the same prompt at once cost one decode, not N.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import multiprocessing
import queue
import signal
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import Any

import numpy.typing as npt

from .asr import ASR_RATE, DecoderStream, _no_speech, decode_whole, new_decoder
from .codecs import as_pcm16, resample
from .memo import SpeechMemo, follow, memo_enabled

__all__ = ["ProcessRecognizer", "RecognitionStream", "RecognizerDied"]

MAX_DECODERS_PER_WORKER = 16  # beyond this, a stream waits for a free decoder
MEMO_ENTRIES = 1024  # transcripts are short strings: 1024 of them are a few hundred kB


class RecognizerDied(BrokenProcessPool):
    """A recogniser process ended (killed, out of memory): start a new ``ProcessRecognizer``."""


# -- the child side -------------------------------------------------------------------------
class _Worker:
    """Decoders and open streams of one child process."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.free: list[Any] = [new_decoder(options)]
        self.total = 1
        self.streams: dict[int, DecoderStream] = {}

    def wants_spare(self) -> bool:
        return not self.free and self.total < MAX_DECODERS_PER_WORKER

    def make_spare(self) -> None:
        self.free.append(new_decoder(self.options))
        self.total += 1

    def decoder(self) -> Any:
        if not self.free:
            self.make_spare()
        return self.free.pop()

    def handle(self, message: tuple[Any, ...]) -> tuple[int, str] | None:
        kind, key = message[0], message[1]
        if kind == "open":
            self.streams[key] = DecoderStream(self.decoder(), message[2])
        elif kind == "feed":
            self.streams[key].feed(message[2])
        elif kind == "pause":
            self.streams[key].pause()
        elif kind == "resume":
            self.streams[key].resume()
        elif kind == "cancel":
            stream = self.streams.pop(key)
            stream.cancel()
            self.free.append(stream.decoder)
        elif kind == "finish":
            stream = self.streams.pop(key)
            try:
                return key, stream.finish()
            finally:
                self.free.append(stream.decoder)
        elif kind == "whole":
            return key, self._whole(message[2], message[3])
        elif kind == "ping":
            return key, ""
        return None

    def _whole(self, pcm: bytes, rate: int) -> str:
        samples = resample(as_pcm16(pcm), rate, ASR_RATE)
        if _no_speech(samples):
            return ""
        decoder = self.decoder()
        try:
            return decode_whole(decoder, samples)
        finally:
            self.free.append(decoder)


_URGENT = ("finish", "pause", "whole", "ping")  # someone waits for these (or soon will)
_IN_STREAM_ORDER = ("finish", "pause")  # handled after the earlier audio of their stream


def _drop_cancelled(waiting: deque[tuple[Any, ...]]) -> None:
    """A cancelled stream's queued audio is never decoded: drop it (and the whole stream when
    it was not even opened yet), keeping only the cancel that frees an opened decoder."""
    cancelled = {m[1] for m in waiting if m[0] == "cancel"}
    if not cancelled:
        return
    unopened = {m[1] for m in waiting if m[0] == "open" and m[1] in cancelled}
    kept = [
        m for m in waiting if m[1] not in cancelled or (m[0] == "cancel" and m[1] not in unopened)
    ]
    waiting.clear()
    waiting.extend(kept)


def _drop_undone_pauses(waiting: deque[tuple[Any, ...]]) -> None:
    """A ``pause`` followed by its stream's ``resume`` in the queue would run the final pass
    and then decode everything again: drop both (the audio between them is decoded as usual)."""
    resumed = {m[1] for m in waiting if m[0] == "resume"}
    if not resumed:
        return
    kept: list[tuple[Any, ...]] = []
    open_pause: dict[int, int] = {}  # stream -> index in kept of its queued pause
    dropped: set[int] = set()
    for message in waiting:
        kind, key = message[0], message[1]
        if kind == "pause" and key in resumed:
            open_pause[key] = len(kept)
        elif kind == "resume" and key in open_pause:
            dropped.add(open_pause.pop(key))
            continue
        kept.append(message)
    waiting.clear()
    waiting.extend(m for i, m in enumerate(kept) if i not in dropped)


def _next_message(waiting: deque[tuple[Any, ...]]) -> tuple[Any, ...]:
    """The message to handle next: a waited-for answer jumps the queue, together with the
    earlier audio of its own stream (other streams' audio can wait a little)."""
    urgent = next((m for m in waiting if m[0] in _URGENT), None)
    if urgent is None:
        return waiting.popleft()
    # for a finish or pause: its stream's oldest message (the audio before it comes first)
    first = (
        next(m for m in waiting if m[1] == urgent[1]) if urgent[0] in _IN_STREAM_ORDER else urgent
    )
    waiting.remove(first)
    return first


def _worker_main(conn: Connection, options: dict[str, Any]) -> None:
    # Ctrl-C reaches the whole process group; the parent decides how to stop (and says so
    # once), so a worker must not die printing its own KeyboardInterrupt traceback. SIGINT
    # came in blocked (see _Child): a Ctrl-C pending since then is discarded here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    worker = _Worker(options)
    waiting: deque[tuple[Any, ...]] = deque()
    while True:
        try:
            while conn.poll(0):
                waiting.append(conn.recv())
            if not waiting:
                if worker.wants_spare():
                    worker.make_spare()  # idle: get the next stream's decoder ready
                    continue
                waiting.append(conn.recv())
        except EOFError:
            return
        _drop_cancelled(waiting)
        _drop_undone_pauses(waiting)
        if not waiting:
            continue
        message = _next_message(waiting)
        if message[0] == "close":
            return
        try:
            answer = worker.handle(message)
        except Exception as exc:  # one bad request fails its caller, not the worker
            conn.send((message[1], None, f"{type(exc).__name__}: {exc}"))
            continue
        if answer is not None:
            conn.send((answer[0], answer[1], None))


# -- the parent side ------------------------------------------------------------------------
class _Child:
    """One worker process, its pipe, its sender and reader threads, its pending futures."""

    def __init__(self, options: dict[str, Any]) -> None:
        context = multiprocessing.get_context("spawn")  # safe from threaded servers
        self.conn, child_end = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child_end, options), daemon=True, name="realtime-asr"
        )
        # Ctrl-C goes to the whole process group, and may come while the child is still
        # starting (importing), before it can ignore SIGINT: start it with SIGINT blocked (the
        # mask survives the spawn's exec); the child ignores it, then unblocks it.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        child_end.close()
        self.streams = 0
        self.pending: dict[int, Future[str]] = {}
        self.lock = threading.Lock()
        self.dead = False
        self._outgoing: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        threading.Thread(target=self._send_loop, daemon=True, name="asr-send").start()
        threading.Thread(target=self._read_loop, daemon=True, name="asr-read").start()

    def send(self, message: tuple[Any, ...], future: Future[str] | None = None) -> None:
        with self.lock:
            if self.dead:
                raise RecognizerDied("a recogniser process ended")
            if future is not None:
                self.pending[message[1]] = future
        self._outgoing.put(message)

    def _send_loop(self) -> None:
        while (message := self._outgoing.get()) is not None:
            try:
                self.conn.send(message)
            except (OSError, ValueError):
                return

    def _read_loop(self) -> None:
        while True:
            try:
                key, text, error = self.conn.recv()
            except (EOFError, OSError):
                self._died()
                return
            with self.lock:
                future = self.pending.pop(key, None)
            if future is None or future.done():  # a caller may have cancelled its future
                continue
            if error is None:
                future.set_result(text)
            else:
                future.set_exception(RuntimeError(error))

    def _died(self) -> None:
        with self.lock:
            self.dead = True
            pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(RecognizerDied("a recogniser process ended"))

    def close(self) -> None:
        self._outgoing.put(("close", 0))
        self._outgoing.put(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()


class RecognitionStream:
    """One utterance streaming to a worker: ``feed`` (never blocks), then ``finish``.

    With a ``memo``, ``digest`` starts from the stream's settings (rate, decoder options) and
    takes in every chunk with its length, so equal digests mean equal decoder input.
    """

    def __init__(
        self,
        child: _Child,
        key: int,
        done: Callable[[], None],
        memo: SpeechMemo[bytes, str] | None = None,
        digest: Any = None,
    ) -> None:
        self._child = child
        self._key = key
        self._done = done
        self._closed = False
        self._memo = memo
        self._digest = digest

    def feed(self, pcm16: bytes) -> None:
        """Queue more PCM16 audio (at the stream's rate) for decoding."""
        if not self._closed:
            chunk = bytes(pcm16)
            if self._digest is not None:
                self._digest.update(len(chunk).to_bytes(8, "little"))
                self._digest.update(chunk)
            self._child.send(("feed", self._key, chunk))

    def pause(self) -> None:
        """The speaker paused: the worker may run the final pass now (see ``DecoderStream``)."""
        if not self._closed:
            self._child.send(("pause", self._key))

    def resume(self) -> None:
        """The speaker went on after a ``pause``."""
        if not self._closed:
            self._child.send(("resume", self._key))

    def finish(self) -> Future[str]:
        """End the utterance; the future gives its transcript (shared with identical
        utterances when a memo is in use; cancelling it cancels nothing else)."""
        self._close()
        if self._memo is None or self._digest is None:
            future: Future[str] = Future()
            self._child.send(("finish", self._key), future)
            return future
        shared, owner = self._memo.claim(self._digest.digest())
        if owner:
            self._send_or_fail(("finish", self._key), shared)
        else:
            # frees the decoder and drops the queued audio; best effort
            with contextlib.suppress(RecognizerDied):
                self._child.send(("cancel", self._key))
        return follow(shared)

    def _send_or_fail(self, message: tuple[Any, ...], future: Future[str]) -> None:
        try:
            self._child.send(message, future)
        except BaseException as exc:  # the memo must not keep a future nobody completes
            future.set_exception(exc)
            raise

    def cancel(self) -> None:
        """Abandon the utterance."""
        if not self._closed:
            self._close()
            self._child.send(("cancel", self._key))

    def _close(self) -> None:
        if self._closed:
            raise RuntimeError("the stream was already finished or cancelled")
        self._closed = True
        self._done()


class ProcessRecognizer:
    """Recogniser running in ``workers`` child processes (see the module docstring).

    Children load their model when started (≈1–2 s); :meth:`warm_up` waits for that.
    Results equal :meth:`Recognizer.transcribe`'s for the same audio and options, except
    that a stream resamples chunk by chunk. Call :meth:`close` (or use ``with``).
    """

    def __init__(
        self, workers: int = 1, *, memo: bool | None = None, **decoder_options: Any
    ) -> None:
        self._children = [_Child(decoder_options) for _ in range(max(1, workers))]
        self._keys = itertools.count(1)
        self._lock = threading.Lock()
        use_memo = memo_enabled() if memo is None else memo
        #: transcripts by digest of (mode, rate, decoder options, audio); None when disabled
        self.memo: SpeechMemo[bytes, str] | None = SpeechMemo(MEMO_ENTRIES) if use_memo else None
        self._settings = repr(sorted(decoder_options.items())).encode()

    def _digest(self, mode: str, rate: int) -> Any:
        digest = hashlib.blake2b(digest_size=20)
        for part in (mode.encode(), str(rate).encode(), self._settings):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest

    def submit(self, pcm16: bytes | npt.ArrayLike, rate: int = 24000) -> Future[str]:
        """Transcribe a whole utterance; ``asyncio.wrap_future()`` the result to await it."""
        pcm = as_pcm16(pcm16).tobytes()
        message = ("whole", next(self._keys), pcm, rate)
        if self.memo is None:
            future: Future[str] = Future()
            self._least_busy().send(message, future)
            return future
        digest = self._digest("whole", rate)
        digest.update(pcm)
        shared, owner = self.memo.claim(digest.digest())
        if owner:
            try:
                self._least_busy().send(message, shared)
            except BaseException as exc:  # the memo must not keep a future nobody completes
                shared.set_exception(exc)
                raise
        return follow(shared)

    def transcribe(self, pcm16: bytes | npt.ArrayLike, rate: int = 24000) -> str:
        """Blocking form of :meth:`submit`; same result as :meth:`Recognizer.transcribe`."""
        return self.submit(pcm16, rate).result()

    def open_stream(self, rate: int = 24000) -> RecognitionStream:
        """Start an utterance on the worker with the fewest open streams."""
        with self._lock:
            child = self._least_busy()
            child.streams += 1
        key = next(self._keys)
        child.send(("open", key, rate))
        digest = None if self.memo is None else self._digest("stream", rate)
        return RecognitionStream(child, key, lambda: self._stream_done(child), self.memo, digest)

    def warm_up(self) -> None:
        """Wait until every worker has loaded its model."""
        pings = []
        for child in self._children:
            future: Future[str] = Future()
            child.send(("ping", next(self._keys)), future)
            pings.append(future)
        for future in pings:
            future.result()

    def worker_pids(self) -> list[int]:
        """Process ids of the workers (for tests and diagnostics)."""
        return [int(child.process.pid or 0) for child in self._children]

    def close(self) -> None:
        """Stop the worker processes."""
        for child in self._children:
            child.close()

    def _least_busy(self) -> _Child:
        alive = [c for c in self._children if not c.dead] or self._children
        return min(alive, key=lambda c: (c.streams, len(c.pending)))

    def _stream_done(self, child: _Child) -> None:
        with self._lock:
            child.streams -= 1

    def __enter__(self) -> ProcessRecognizer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
