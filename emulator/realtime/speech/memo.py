"""A bounded, content-addressed memo of speech results, with in-flight de-duplication.

The emulator's recogniser and synthesizer are deterministic: the same audio (and settings)
gives the same transcript whatever came before, the same text the same audio. So when N
sessions say the same prompt at once (``smoke run`` over N deployments sends one WAV to each),
one decode serves all N: the first caller of a key computes it, callers that arrive while it
is being computed wait for that computation, and later callers read the finished result.

Keys are digests of everything that changes a result (for recognition: the PCM bytes as fed,
chunk boundaries included, the sample rate and the decoder options; for synthesis: the
cleaned text, engine/voice and rate). Failures are never memoised. The memo is bounded (LRU
by entry count and by total size) and thread-safe; it lives in the emulator process, beside
the sessions, not in the recogniser's worker processes.

``REALTIME_EMULATOR_SPEECH_MEMO=0`` turns it off (benches of distinct users' audio set it, so
the memo cannot flatter their latency figures).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

__all__ = ["MEMO_ENV", "SpeechMemo", "follow", "memo_enabled"]

MEMO_ENV = "REALTIME_EMULATOR_SPEECH_MEMO"

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def memo_enabled() -> bool:
    """False when ``REALTIME_EMULATOR_SPEECH_MEMO`` is ``0``/``off``/``false``/``no``."""
    return os.environ.get(MEMO_ENV, "1").strip().lower() not in {"0", "off", "false", "no"}


def follow(source: Future[V]) -> Future[V]:
    """A new future completed like ``source``; cancelling it leaves ``source`` alone.

    Callers wrap results with ``asyncio.wrap_future``, which cancels the wrapped future when
    the awaiting task is cancelled: a shared computation must not end because one waiter left.
    """
    mirror: Future[V] = Future()

    def copy(done: Future[V]) -> None:
        if mirror.done():
            return
        if done.cancelled():
            mirror.cancel()
        elif (error := done.exception()) is not None:
            mirror.set_exception(error)
        else:
            mirror.set_result(done.result())

    source.add_done_callback(copy)
    return mirror


class SpeechMemo(Generic[K, V]):
    """LRU of finished results plus the futures of results being computed.

    ``claim(key)`` returns ``(future, owner)``: when ``owner`` is True the caller must compute
    the result and complete ``future`` (``set_result``/``set_exception``); otherwise the
    future is (or will be) completed by whoever owns the key. ``size`` measures a result for
    the ``max_bytes`` bound (default: every entry counts 1).
    """

    def __init__(
        self,
        max_entries: int,
        max_bytes: int | None = None,
        size: Callable[[V], int] = lambda _value: 1,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._size = size
        self._done: OrderedDict[K, V] = OrderedDict()
        self._bytes = 0
        self._inflight: dict[K, Future[V]] = {}
        self._lock = threading.Lock()
        self.hits = 0  # finished results served
        self.joins = 0  # callers that waited for a computation already running
        self.misses = 0  # computations started

    def __len__(self) -> int:
        with self._lock:
            return len(self._done)

    @property
    def total_size(self) -> int:
        """Sum of ``size`` over the finished entries kept."""
        return self._bytes

    def clear(self) -> None:
        """Forget the finished results (computations in flight still complete their waiters)."""
        with self._lock:
            self._done.clear()
            self._bytes = 0

    def claim(self, key: K) -> tuple[Future[V], bool]:
        """The result for ``key``, as a future; ``owner`` says whether to compute it."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                self.hits += 1
                ready: Future[V] = Future()
                ready.set_result(self._done[key])
                return ready, False
            running = self._inflight.get(key)
            if running is not None:
                self.joins += 1
                return follow(running), False
            self.misses += 1
            future: Future[V] = Future()
            self._inflight[key] = future
        future.add_done_callback(lambda done: self._settle(key, done))
        return future, True

    def _settle(self, key: K, done: Future[V]) -> None:
        with self._lock:
            if self._inflight.get(key) is done:
                del self._inflight[key]
            if done.cancelled() or done.exception() is not None:
                return  # a failure is never memoised: the next caller tries again
            self._store(key, done.result())

    def _store(self, key: K, value: V) -> None:
        if self.max_entries <= 0:
            return
        size = self._size(value)
        if self.max_bytes is not None and size > self.max_bytes:
            return
        if key in self._done:
            self._bytes -= self._size(self._done.pop(key))
        self._done[key] = value
        self._bytes += size
        while len(self._done) > self.max_entries or (
            self.max_bytes is not None and self._bytes > self.max_bytes
        ):
            _, evicted = self._done.popitem(last=False)
            self._bytes -= self._size(evicted)
