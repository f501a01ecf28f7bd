"""Start recogniser worker processes without loading the speech stack first.

Light on purpose (multiprocessing only): a worker's target is named by this module, so the
parent needs neither numpy nor pocketsphinx to start one. ``emulator.speech_warmup`` starts the
workers of a command that is about to open sessions before its own heavy imports; the
recogniser (``speech.asr_workers.ProcessRecognizer``) then adopts them (:func:`take`) instead
of starting new ones. Every worker, adopted or not, starts here, with SIGINT blocked.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

__all__ = ["prestart", "start_worker", "take", "worker_entry"]

_ready: list[tuple[dict[str, Any], Connection, BaseProcess]] = []
_lock = threading.Lock()
_recogniser_exists = False  # a recogniser asked for workers: prestarting now would be waste


def worker_entry(conn: Connection, options: dict[str, Any]) -> None:
    """The worker process's main (imports the decoder side only in the child)."""
    from emulator.realtime.speech.asr_child import _worker_main

    _worker_main(conn, options)


def start_worker(options: dict[str, Any]) -> tuple[Connection, BaseProcess]:
    """Start one worker process; its decoder loads at once with ``options``."""
    context = multiprocessing.get_context("spawn")  # safe from threaded servers
    parent_end, child_end = context.Pipe()
    process = context.Process(
        target=worker_entry, args=(child_end, options), daemon=True, name="realtime-asr"
    )
    # Ctrl-C goes to the whole process group, and may come while the child is still starting
    # (importing), before it can ignore SIGINT: start it with SIGINT blocked (the mask survives
    # the spawn's exec); the child ignores it, then unblocks it. The first start in a process
    # also launches multiprocessing's resource tracker, which UNBLOCKS SIGINT once it has
    # spawned it (not restoring the mask): launch it before blocking.
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    child_end.close()
    return parent_end, process


def prestart(count: int, options: dict[str, Any]) -> None:
    """Have ``count`` workers with ``options`` starting, for a recogniser to adopt (nothing
    once a recogniser exists: it has its workers)."""
    with _lock:
        while len(_ready) < count and not _recogniser_exists:
            _ready.append((options, *start_worker(options)))


def take(options: dict[str, Any]) -> tuple[Connection, BaseProcess] | None:
    """A prestarted worker with these ``options`` that is still alive, or None (called by
    every recogniser worker as it starts)."""
    global _recogniser_exists
    with _lock:
        _recogniser_exists = True
        for index, (wanted, conn, process) in enumerate(_ready):
            if wanted == options and process.is_alive():
                del _ready[index]
                return conn, process
    return None
