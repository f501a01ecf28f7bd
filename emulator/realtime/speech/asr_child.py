"""The child side of ``asr_workers``: one recogniser process, its decoders and its queue.

A worker drains its pipe and handles first what someone waits for (see ``_next_message``);
the parent side (``ProcessRecognizer``) lives in ``asr_workers``.
"""

from __future__ import annotations

import signal
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from .asr import ASR_RATE, DecoderStream, _no_speech, decode_whole, new_decoder
from .codecs import as_pcm16, resample

MAX_DECODERS_PER_WORKER = 16  # beyond this, a stream waits for a free decoder


class _Worker:
    """Decoders and open streams of one child process."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.free: list[Any] = [new_decoder(options)]
        self.total = 1
        self.streams: dict[int, DecoderStream] = {}
        # streams opened but not fed yet: key -> rate. A stream takes a decoder (≈0.3 s to
        # build when none is free) only with its first audio: one the memo cancels before that
        # (N sessions sending the same burst) never costs a model load.
        self.unstarted: dict[int, int] = {}

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
            self.unstarted[key] = message[2]
        elif kind == "cancel" and key in self.unstarted:
            del self.unstarted[key]
        elif key in self.unstarted:
            self.streams[key] = DecoderStream(self.decoder(), self.unstarted.pop(key))
            return self.handle(message)
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
