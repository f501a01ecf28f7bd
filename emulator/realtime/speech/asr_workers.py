"""Recognition in child processes, streaming: audio is decoded while the user speaks.

Why processes: pocketsphinx holds the GIL for the whole decode, which would stall every
session's event loop. Why streaming: decoding a whole utterance after VAD says it ended put
≈0.3× the utterance length between the end of speech and the reply; fed as it arrives, only
the last chunk and the final pass remain when speech stops.

Each worker process (``asr_child``) owns some decoders (one per open stream, ≈60 MB each, kept
for reuse, and one spare built while the worker is idle) and receives messages on a pipe; a
stream stays on the worker that opened it. A worker drains its pipe and handles first what
someone waits for (the end of an utterance, with the rest of that utterance's audio), so a turn
that ended does not queue behind other sessions' speech when the worker falls behind. A
``pause`` (the speaker has been silent for a while: run the final pass now, see
``DecoderStream``) is just as urgent, since its ``finish`` usually follows; a ``pause`` still
queued when its ``resume`` arrives is dropped with it. Messages go out through one sender
thread per worker (so a busy worker never blocks the caller, e.g. an event loop) and results
come back through one reader thread per worker that completes ``concurrent.futures.Future`` objects.

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
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy.typing as npt

from .codecs import as_pcm16
from .memo import SpeechMemo, follow, memo_enabled

__all__ = ["ProcessRecognizer", "RecognitionStream", "RecognizerDied"]

MEMO_ENTRIES = 1024  # transcripts are short strings: 1024 of them are a few hundred kB


class RecognizerDied(BrokenProcessPool):
    """A recogniser process ended (killed, out of memory): start a new ``ProcessRecognizer``."""


# -- the parent side ------------------------------------------------------------------------
class _Child:
    """One worker process, its pipe, its sender and reader threads, its pending futures."""

    def __init__(self, options: dict[str, Any]) -> None:
        from emulator import speech_process

        # adopt a worker the warm-up started before the speech stack loaded, if there is one
        self.conn, self.process = speech_process.take(options) or speech_process.start_worker(
            options
        )
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
