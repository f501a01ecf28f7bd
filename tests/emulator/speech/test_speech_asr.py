from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from emulator.realtime.speech import (
    NO_INPUT_REPLY,
    ProcessRecognizer,
    Recognizer,
    normalize_text,
    reply_text,
    resample,
    synthesize,
)

FIXTURES = Path(__file__).resolve().parents[3] / "smoke" / "fixtures"
FIXTURE_NAMES = sorted(p.name for p in FIXTURES.glob("*.wav"))


def overlap(expected: list[str], transcript: str) -> float:
    heard = normalize_text(transcript).split()
    return sum(1 for word in expected if word in heard) / len(expected)


def test_there_are_fixtures() -> None:
    assert len(FIXTURE_NAMES) >= 4


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_recognises_each_fixture(recognizer: Recognizer, load_wav, prompts, name: str) -> None:
    pcm, rate = load_wav(name)
    assert rate == 24000
    transcript = recognizer.transcribe(pcm, rate)
    assert overlap(prompts[name]["expect_transcript_words"], transcript) >= 0.8, transcript
    assert overlap(prompts[name]["expect_reply_words"], reply_text(transcript)) == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Blue harbor seven.",
        NO_INPUT_REPLY,
        # the rest of the sweep runs in the conformance stage (~1.5 s of decoding each)
        pytest.param("Green river three.", marks=pytest.mark.conformance),
        pytest.param("Hello world.", marks=pytest.mark.conformance),
        pytest.param("You said: what is the weather like today.", marks=pytest.mark.conformance),
        pytest.param("Purple mountain nine.", marks=pytest.mark.conformance),
    ],
)
def test_reply_audio_round_trips_through_the_recogniser(recognizer: Recognizer, text: str) -> None:
    transcript = recognizer.transcribe(synthesize(text, 24000), 24000)
    assert overlap(normalize_text(text).split(), transcript) >= 0.8, transcript


@pytest.mark.conformance  # ~5 s, three decodes; conformance stage
def test_same_audio_gives_same_transcript_whatever_came_before(
    recognizer: Recognizer, load_wav
) -> None:
    target, _ = load_wav("repeat_blue_harbor_seven.wav")
    first = recognizer.transcribe(target)
    recognizer.transcribe(synthesize("The quick brown fox jumps over the lazy dog."))
    assert recognizer.transcribe(target) == first


@pytest.mark.parametrize(
    "rate",
    # core: the telephone rate; the other two run in the conformance stage
    [
        8000,
        pytest.param(16000, marks=pytest.mark.conformance),
        pytest.param(48000, marks=pytest.mark.conformance),
    ],
)
def test_other_input_rates(recognizer: Recognizer, load_wav, rate: int) -> None:
    pcm, _ = load_wav("repeat_hello_world.wav")
    transcript = recognizer.transcribe(resample(pcm, 24000, rate), rate)
    assert overlap(["hello", "world"], transcript) == 1.0, transcript


def test_accepts_little_endian_bytes(recognizer: Recognizer, load_wav) -> None:
    pcm, _ = load_wav("repeat_green_river_three.wav")
    assert "green river three" in recognizer.transcribe(pcm.tobytes(), 24000)


@pytest.mark.parametrize(
    "audio",
    [
        np.zeros(0, np.int16),
        np.zeros(10, np.int16),
        np.zeros(72000, np.int16),
        (np.random.default_rng(1).normal(0, 30, 72000)).astype(np.int16),  # -60 dBFS hiss
        (np.random.default_rng(2).normal(0, 3000, 72000)).astype(np.int16),  # -20 dBFS noise
        (np.random.default_rng(3).normal(0, 16000, 72000)).clip(-32768, 32767).astype(np.int16),
    ],
    ids=["empty", "10-samples", "silence", "hiss", "noise", "loud-noise"],
)
def test_no_speech_gives_empty_transcript(recognizer: Recognizer, audio: np.ndarray) -> None:
    assert recognizer.transcribe(audio, 24000) == ""


def test_very_short_speech_does_not_fail(recognizer: Recognizer, load_wav) -> None:
    pcm, _ = load_wav("repeat_hello_world.wav")
    clip = pcm[7200:9600]  # 100 ms from inside a word
    transcript = recognizer.transcribe(clip, 24000)
    # A tenth of a second holds at most a fragment of one word: no hallucinated sentence.
    assert isinstance(transcript, str) and len(normalize_text(transcript).split()) <= 1, transcript


@pytest.mark.conformance  # starts worker processes; the emulator tests use them in core
def test_process_recognizer_matches_in_process(recognizer: Recognizer, load_wav) -> None:
    pcm, _ = load_wav("repeat_blue_harbor_seven.wav")

    async def in_worker(pool: ProcessRecognizer) -> str:
        return await asyncio.wrap_future(pool.submit(pcm, 24000))

    with ProcessRecognizer() as pool:
        remote = asyncio.run(in_worker(pool))
        silence = pool.transcribe(np.zeros(24000, np.int16))
    assert remote == recognizer.transcribe(pcm, 24000)
    assert silence == ""


def _stream(pool: ProcessRecognizer, pcm: np.ndarray, chunk: int = 2400) -> Future[str]:
    stream = pool.open_stream(24000)
    for start in range(0, pcm.size, chunk):
        stream.feed(pcm[start : start + chunk].astype("<i2").tobytes())
    return stream.finish()


@pytest.mark.conformance  # ~13-19 s equivalence sweep; core keeps test_recognises_each_fixture
def test_streamed_recognition_reads_what_whole_decoding_reads(
    recognizer: Recognizer, load_wav
) -> None:
    clips = [load_wav(name)[0] for name in FIXTURE_NAMES]
    with ProcessRecognizer() as pool:
        # interleaved: every stream open at once on one worker, fed 100 ms at a time
        streams = [pool.open_stream(24000) for _ in clips]
        for start in range(0, max(c.size for c in clips), 2400):
            for stream, pcm in zip(streams, clips, strict=True):
                if start < pcm.size:
                    stream.feed(pcm[start : start + 2400].tobytes())
        heard = [s.finish().result(timeout=120) for s in streams]
        abandoned = pool.open_stream(24000)
        abandoned.feed(clips[0].tobytes())
        abandoned.cancel()
        silent = _stream(pool, np.zeros(24000, np.int16)).result(timeout=60)
    assert heard == [recognizer.transcribe(pcm, 24000) for pcm in clips]
    assert silent == ""


@pytest.mark.conformance  # process-level signal test; core keeps ..._even_while_starting
def test_recogniser_workers_ignore_ctrl_c(load_wav) -> None:
    """Ctrl-C in ``smoke run --env local`` must not kill (and traceback) a speech worker."""
    pcm, _ = load_wav("repeat_blue_harbor_seven.wav")
    with ProcessRecognizer() as pool:
        pool.warm_up()  # the worker has installed its handlers
        (pid,) = pool.worker_pids()
        os.kill(pid, signal.SIGINT)
        assert pool.transcribe(pcm, 24000) == "repeat after me blue harbor seven"
        assert _stream(pool, pcm).result(timeout=60) == "repeat after me blue harbor seven"
        (still,) = pool.worker_pids()
        assert still == pid and _alive(pid)


def _sigint_deflected(pid: int) -> bool:
    """Whether SIGINT is blocked or ignored in ``pid`` (from /proc/PID/status)."""
    fields = dict(
        line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    bit = 1 << (signal.SIGINT - 1)
    return bool((int(fields["SigBlk"], 16) | int(fields["SigIgn"], 16)) & bit)


def test_recogniser_workers_ignore_ctrl_c_even_while_starting() -> None:
    """A Ctrl-C that comes while a worker still imports must not traceback either: the
    worker starts with SIGINT blocked and then ignores it; at no moment does it take it."""
    with ProcessRecognizer(workers=2) as pool:
        starting = [_sigint_deflected(pid) for pid in pool.worker_pids()]
        for pid in pool.worker_pids():
            os.kill(pid, signal.SIGINT)  # most likely still importing
        pool.warm_up()
        ready = [_sigint_deflected(pid) for pid in pool.worker_pids()]
        assert all(_alive(pid) for pid in pool.worker_pids())
    assert starting == [True, True] and ready == [True, True]


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (signal 0 checks without touching it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


_FRESH_PROCESS = """
import signal, sys
from pathlib import Path
from emulator.realtime.speech import ProcessRecognizer

def deflected(pid):
    fields = dict(l.split(":\\t", 1) for l in Path(f"/proc/{pid}/status").read_text().splitlines())
    bit = 1 << (signal.SIGINT - 1)
    return bool((int(fields["SigBlk"], 16) | int(fields["SigIgn"], 16)) & bit)

with ProcessRecognizer(workers=1) as pool:
    print(deflected(pool.worker_pids()[0]))
"""


def test_the_first_worker_of_a_fresh_process_starts_with_ctrl_c_blocked() -> None:
    # multiprocessing's resource tracker starts with the first child and then unblocks SIGINT
    # in the starting thread: the first worker of a new process (``smoke run -e local``, a
    # server) must still start with it blocked. A test process has its tracker already.
    out = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
        check=True,
    )
    assert out.stdout.strip() == "True", out.stderr
