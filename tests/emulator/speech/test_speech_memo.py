"""The speech memo: identical results with and without it, in-flight de-duplication, bounds."""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from emulator.realtime.speech import ProcessRecognizer, Recognizer
from emulator.realtime.speech.asr_child import _drop_cancelled
from emulator.realtime.speech.memo import MEMO_ENV, SpeechMemo, follow, memo_enabled
from emulator.realtime.speech.tts import Synthesizer

FIXTURES = Path(__file__).resolve().parents[3] / "smoke" / "fixtures"
FIXTURE_NAMES = sorted(p.name for p in FIXTURES.glob("*.wav"))
CHUNK = 2400  # 100 ms at 24 kHz


def _open_and_feed(pool: ProcessRecognizer, pcm: np.ndarray, chunk: int = CHUNK):
    stream = pool.open_stream(24000)
    for start in range(0, pcm.size, chunk):
        stream.feed(pcm[start : start + chunk].astype("<i2").tobytes())
    return stream


# -- the memo itself -----------------------------------------------------------------------
def test_first_caller_owns_a_key_later_callers_share_its_result() -> None:
    memo: SpeechMemo[str, str] = SpeechMemo(8)
    owned, owner = memo.claim("k")
    joined, second_owner = memo.claim("k")
    assert owner and not second_owner and not joined.done()
    owned.set_result("hello")
    assert joined.result(timeout=5) == "hello"
    later, third_owner = memo.claim("k")
    assert not third_owner and later.result(timeout=0) == "hello"
    assert (memo.misses, memo.joins, memo.hits) == (1, 1, 1)


def test_a_failure_is_shared_with_waiters_but_never_memoised() -> None:
    memo: SpeechMemo[str, str] = SpeechMemo(8)
    owned, _ = memo.claim("k")
    joined, _ = memo.claim("k")
    owned.set_exception(RuntimeError("worker died"))
    with pytest.raises(RuntimeError, match="worker died"):
        joined.result(timeout=5)
    retry, owner = memo.claim("k")
    assert owner and not retry.done() and len(memo) == 0


def test_a_waiter_leaving_does_not_cancel_the_shared_computation() -> None:
    memo: SpeechMemo[str, str] = SpeechMemo(8)
    owned, _ = memo.claim("k")
    leaving, _ = memo.claim("k")
    staying, _ = memo.claim("k")
    assert leaving.cancel()  # what asyncio.wrap_future does when the awaiting task is cancelled
    assert not owned.cancelled()
    owned.set_result("still here")
    assert staying.result(timeout=5) == "still here"
    mirror = follow(owned)
    assert mirror is not owned and mirror.result(timeout=0) == "still here"


def test_memo_is_bounded_by_entries_least_recently_used_first() -> None:
    memo: SpeechMemo[int, str] = SpeechMemo(3)
    for key in range(10):
        future, _ = memo.claim(key)
        future.set_result(str(key))
        if key >= 7:
            memo.claim(7)  # 7 stays recently used
    assert len(memo) == 3
    assert [memo.claim(k)[1] for k in (7, 9, 8)] == [False, False, False]
    assert memo.claim(0)[1] is True  # evicted long ago: computed again


def test_memo_is_bounded_by_total_size() -> None:
    memo: SpeechMemo[int, bytes] = SpeechMemo(100, max_bytes=1000, size=len)
    for key in range(10):
        future, _ = memo.claim(key)
        future.set_result(bytes(300))
    assert len(memo) == 3 and memo.total_size == 900
    huge, _ = memo.claim(99)
    huge.set_result(bytes(5000))  # larger than the whole bound: served, not kept
    assert memo.claim(99)[1] is True and memo.total_size == 900


def test_memo_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMO_ENV, "0")
    assert not memo_enabled()
    monkeypatch.setenv(MEMO_ENV, "1")
    assert memo_enabled()
    monkeypatch.delenv(MEMO_ENV)
    assert memo_enabled()


def test_queued_audio_of_a_cancelled_stream_is_dropped_unread() -> None:
    waiting = deque(
        [
            ("feed", 1, b"a"),  # stream 1 was opened earlier: its cancel must stay
            ("open", 2, 24000),
            ("feed", 2, b"b"),
            ("feed", 1, b"c"),
            ("feed", 3, b"d"),
            ("cancel", 1),
            ("cancel", 2),  # stream 2 never reached the decoder: nothing of it remains
            ("finish", 3),
        ]
    )
    _drop_cancelled(waiting)
    assert list(waiting) == [("feed", 3, b"d"), ("cancel", 1), ("finish", 3)]


# -- recognition ---------------------------------------------------------------------------
@pytest.mark.conformance  # ~20 s sweep; core keeps the memo tests below
def test_transcripts_are_identical_with_and_without_the_memo(
    recognizer: Recognizer, load_wav
) -> None:
    clips = [load_wav(name)[0] for name in FIXTURE_NAMES]
    with ProcessRecognizer(memo=False) as plain:
        assert plain.memo is None
        without = [_open_and_feed(plain, pcm).finish().result(timeout=120) for pcm in clips]
    with ProcessRecognizer(memo=True) as memoised:
        first = [_open_and_feed(memoised, pcm).finish().result(timeout=120) for pcm in clips]
        again = [_open_and_feed(memoised, pcm).finish().result(timeout=120) for pcm in clips]
        whole = [memoised.transcribe(pcm, 24000) for pcm in clips]
        whole_again = [memoised.transcribe(pcm, 24000) for pcm in clips]
        assert memoised.memo is not None
        counts = (memoised.memo.misses, memoised.memo.hits)
    assert first == without and again == without
    assert whole == whole_again == [recognizer.transcribe(pcm, 24000) for pcm in clips]
    # the streamed and the whole decodes are different inputs to the decoder: own entries
    assert counts == (2 * len(clips), 2 * len(clips))


def test_different_audio_or_chunking_is_never_served_from_the_memo(load_wav) -> None:
    blue, _ = load_wav("repeat_blue_harbor_seven.wav")
    green, _ = load_wav("repeat_green_river_three.wav")
    with ProcessRecognizer(memo=True) as pool:
        heard_blue = _open_and_feed(pool, blue).finish().result(timeout=60)
        heard_green = _open_and_feed(pool, green).finish().result(timeout=60)
        heard_rechunked = _open_and_feed(pool, blue, chunk=4800).finish().result(timeout=60)
        assert pool.memo is not None
        assert (pool.memo.misses, pool.memo.hits, pool.memo.joins) == (3, 0, 0)
    assert "blue" in heard_blue and "green" in heard_green
    assert heard_rechunked == heard_blue


@pytest.mark.conformance  # ~8 s, two workers x four streams; core keeps the memo tests above/below
def test_sessions_finishing_the_same_audio_at_once_wait_for_one_decode(
    recognizer: Recognizer, load_wav
) -> None:
    pcm, _ = load_wav("repeat_blue_harbor_seven.wav")
    expected = recognizer.transcribe(pcm, 24000)
    with ProcessRecognizer(workers=2, memo=True) as pool:
        pool.warm_up()
        streams = [_open_and_feed(pool, pcm) for _ in range(4)]
        futures: list[Future[str]] = [stream.finish() for stream in streams]
        # one waiter leaving (its task cancelled) takes nothing from the others
        futures[1].cancel()
        heard = [f.result(timeout=120) for i, f in enumerate(futures) if i != 1]
        assert pool.memo is not None
        counts = (pool.memo.misses, pool.memo.joins, pool.memo.hits)
        # the cancelled streams freed their decoders: the pool still recognises
        after = _open_and_feed(pool, pcm, chunk=1200).finish().result(timeout=60)
    assert heard == [expected] * 3
    misses, joins, hits = counts
    assert misses == 1 and joins + hits == 3  # (joins, unless the decode beat a finish call)
    assert after == expected


# -- synthesis -----------------------------------------------------------------------------
def test_concurrent_requests_for_one_text_share_one_rendering() -> None:
    synth = Synthesizer("flite", share=True)
    start = threading.Barrier(4)

    def speak(_: int) -> np.ndarray:
        start.wait(timeout=30)
        return synth.synthesize("Purple mountain nine, said four times at once.")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(speak, range(4)))
    # every caller holds the very same array: one rendering served all four
    assert all(r is results[0] for r in results) and results[0].size > 0
    plain = Synthesizer("flite", share=False).synthesize(
        "Purple mountain nine, said four times at once."
    )
    assert np.array_equal(plain, results[0])
