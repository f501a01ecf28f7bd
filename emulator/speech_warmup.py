"""Start loading the offline speech stack early, off the caller's thread.

Its own light module (threading only) so that a caller that is about to start an emulator and
open sessions (``smoke run --env local``) can set the recogniser's processes going before it
even imports the server (aiohttp): their interpreter start, imports and model load (≈0.7 s of
another core) then overlap the emulator's start and the caller's first reads.
"""

from __future__ import annotations

import contextlib
import threading

__all__ = ["SPEECH_WORKERS", "warm_speech_stack"]

#: recogniser processes of the offline speech stack (``OfflineSpeech(asr_workers=...)``)
SPEECH_WORKERS = 2

_started = threading.Event()


def warm_speech_stack() -> None:
    """Load the speech stack on a daemon thread, once per process; errors surface later.

    A failure here is not reported: the first session that needs speech meets it again and
    reports it on its own terms (``error`` events), as it would without warming.
    """
    if _started.is_set():
        return
    _started.set()

    def warm() -> None:
        from emulator import speech_process

        # the workers first: their interpreter start, imports and model load run on the other
        # core while this process imports the speech stack (the recogniser adopts them)
        with contextlib.suppress(Exception):
            speech_process.prestart(SPEECH_WORKERS, {})
        from emulator.realtime.session_runner import speech_stack

        load = getattr(speech_stack(), "warm_up", None)  # a test double may have none
        if load is not None:
            with contextlib.suppress(Exception):
                load()

    threading.Thread(target=warm, name="speech-warm-up", daemon=True).start()
