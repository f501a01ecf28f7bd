"""Workers started before the speech stack loads (``emulator.speech_process``) are adopted by
the recogniser, and only when their decoder options match."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator import speech_process
from emulator.realtime.speech.asr_workers import ProcessRecognizer


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As in a new process: nothing prestarted, no recogniser yet."""
    monkeypatch.setattr(speech_process, "_ready", [])
    monkeypatch.setattr(speech_process, "_recogniser_exists", False)
    yield
    for _, conn, process in speech_process._ready:
        conn.close()
        process.join(30)


def test_a_prestarted_worker_is_adopted_and_recognises() -> None:
    speech_process.prestart(1, {})
    started = [process.pid for _, _, process in speech_process._ready]
    with ProcessRecognizer(workers=1) as recognizer:
        assert recognizer.worker_pids() == started
        recognizer.warm_up()  # answers: the adopted worker loaded its model
        assert recognizer.transcribe(bytes(24000 * 2)) == ""  # one second of silence
    assert speech_process.take({}) is None
    speech_process.prestart(1, {})  # a recogniser exists now: nothing more is started
    assert speech_process._ready == []


def test_a_worker_with_other_options_is_not_adopted() -> None:
    speech_process.prestart(1, {"maxhmmpf": 2000})
    prestarted = speech_process._ready[-1][2]
    with ProcessRecognizer(workers=1) as recognizer:
        assert recognizer.worker_pids() != [prestarted.pid]
    taken = speech_process.take({"maxhmmpf": 2000})
    assert taken is not None and taken[1].pid == prestarted.pid
    taken[0].close()  # the worker sees EOF and exits
    taken[1].join(30)
    assert not taken[1].is_alive()
