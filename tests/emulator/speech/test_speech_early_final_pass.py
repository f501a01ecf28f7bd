"""The final pass runs when the speaker pauses, so the transcript is ready when the turn ends.

``pause`` ends the decoder's utterance early, ``resume`` (the speaker went on) decodes the turn
again; either way ``finish`` must read what a stream without pauses reads.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from emulator.realtime.offline_speech import MAX_RESUMES_PER_TURN, PAUSE_AFTER_MS, _Vad
from emulator.realtime.speech.asr import DecoderStream, new_decoder
from emulator.realtime.speech.asr_child import _drop_undone_pauses, _next_message
from emulator.realtime.speech.vad import VadConfig

RATE = 24000
CHUNK = RATE // 10  # 100 ms, as clients send


@pytest.fixture(scope="module")
def decoder():
    return new_decoder({})


def _silence(ms: int) -> np.ndarray:
    return np.zeros(RATE * ms // 1000, np.int16)


def _feed(stream: DecoderStream, pcm: np.ndarray) -> None:
    for start in range(0, pcm.size, CHUNK):
        stream.feed(pcm[start : start + CHUNK].tobytes())


def _plain(decoder, *parts: np.ndarray) -> str:
    stream = DecoderStream(decoder, RATE)
    for part in parts:
        _feed(stream, part)
    return stream.finish()


def test_a_pause_at_the_end_reads_what_the_whole_turn_reads(decoder, load_wav) -> None:
    speech, _ = load_wav("repeat_blue_harbor_seven.wav")
    expected = _plain(decoder, speech, _silence(200))
    stream = DecoderStream(decoder, RATE)
    _feed(stream, speech)
    stream.pause()
    frames = decoder.n_frames()
    _feed(stream, _silence(200))  # the rest of the silence window: kept, not decoded
    assert stream.paused and decoder.n_frames() == frames
    assert stream.finish() == expected
    assert "blue harbor seven" in expected


def test_resume_decodes_what_came_after_the_pause(decoder, load_wav) -> None:
    first, _ = load_wav("repeat_hello_world.wav")
    second, _ = load_wav("repeat_green_river_three.wav")
    expected = _plain(decoder, first, second)
    stream = DecoderStream(decoder, RATE)
    _feed(stream, first)
    stream.pause()
    _feed(stream, second)  # the audio arrives before the VAD says the speaker went on
    stream.resume()
    assert not stream.paused
    assert stream.finish() == expected
    assert "green river three" in expected


def test_a_silent_turn_stays_empty_after_a_pause(decoder) -> None:
    stream = DecoderStream(decoder, RATE)
    _feed(stream, _silence(500))
    stream.pause()
    assert stream.finish() == ""
    stream = DecoderStream(decoder, RATE)  # the decoder is free again (no utterance open)
    stream.pause()
    stream.cancel()


def test_a_pause_jumps_ahead_with_its_own_audio_like_a_finish() -> None:
    waiting = deque([("feed", 1, b"a1"), ("feed", 2, b"b1"), ("pause", 2), ("feed", 1, b"a2")])
    handled = [_next_message(waiting) for _ in range(4)]
    assert handled == [("feed", 2, b"b1"), ("pause", 2), ("feed", 1, b"a1"), ("feed", 1, b"a2")]


def test_a_queued_pause_and_its_resume_are_dropped_together() -> None:
    waiting = deque(
        [
            ("pause", 1),
            ("feed", 1, b"a"),
            ("pause", 2),
            ("resume", 1),
            ("resume", 3),  # its pause was handled already: the resume must stay
            ("pause", 1),  # a later pause of stream 1 stays too
        ]
    )
    _drop_undone_pauses(waiting)
    assert list(waiting) == [("feed", 1, b"a"), ("pause", 2), ("resume", 3), ("pause", 1)]


def _events(vad: _Vad, pcm: np.ndarray) -> list[str]:
    kinds = []
    for start in range(0, pcm.size, CHUNK):
        kinds += [kind for kind, _ in vad.feed(pcm[start : start + CHUNK].tobytes())]
    return kinds


def _speech_gap_speech(load_wav, prompts, gap_ms: int, times: int = 2) -> np.ndarray:
    """The fixture's speech (its own leading/trailing silence cut) ``times`` times, with a
    gap between each."""
    pcm, _ = load_wav("repeat_hello_world.wav")
    info = prompts["repeat_hello_world.wav"]
    speech = pcm[int(info["speech_start_ms"]) * 24 : int(info["speech_end_ms"]) * 24]
    parts = [_silence(500), speech]
    for _ in range(times - 1):
        parts += [_silence(gap_ms), speech]
    return np.concatenate([*parts, _silence(1000)])


def test_vad_pauses_in_the_silence_window_and_resumes_when_speech_goes_on(
    load_wav, prompts
) -> None:
    vad = _Vad(VadConfig(silence_duration_ms=400), 0)
    # a 330 ms gap: past 200 ms (= 400 - the pause lead) the turn may be ending, then it goes on
    assert _events(vad, _speech_gap_speech(load_wav, prompts, 330)) == [
        "start",
        "pause",
        "resume",
        "pause",
        "stop",
    ]


def test_vad_pause_comes_before_the_stop_and_says_where_speech_ended(load_wav) -> None:
    speech, _ = load_wav("repeat_blue_harbor_seven.wav")
    vad = _Vad(VadConfig(silence_duration_ms=200), 0)
    events = []
    pcm = np.concatenate([speech, _silence(1000)])
    for start in range(0, pcm.size, CHUNK):
        events += vad.feed(pcm[start : start + CHUNK].tobytes())
    assert [kind for kind, _ in events] == ["start", "pause", "stop"]
    (_, paused_at), (_, stopped_at) = events[1], events[2]
    assert stopped_at == paused_at + 200  # audio_end_ms = speech end + the silence window


def test_windows_too_short_to_win_anything_never_pause(load_wav, prompts) -> None:
    short = _Vad(VadConfig(silence_duration_ms=PAUSE_AFTER_MS), 0)
    assert _events(short, _speech_gap_speech(load_wav, prompts, 1000)) == ["start", "stop"] * 2


def test_a_long_turn_with_many_gaps_stops_pausing_after_a_few_resumes(load_wav, prompts) -> None:
    # each resume decodes the turn again from its start: their number is bounded per turn
    vad = _Vad(VadConfig(silence_duration_ms=400), 0)
    kinds = _events(vad, _speech_gap_speech(load_wav, prompts, 330, times=6))
    assert kinds.count("resume") == MAX_RESUMES_PER_TURN
    assert kinds == ["start"] + ["pause", "resume"] * MAX_RESUMES_PER_TURN + ["stop"]
    # the next turn may pause again
    assert _events(vad, _speech_gap_speech(load_wav, prompts, 330, times=1)) == [
        "start",
        "pause",
        "stop",
    ]
