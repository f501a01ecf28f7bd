"""The recogniser worker's scheduling: a finished turn is answered before others' audio."""

from __future__ import annotations

from collections import deque

from emulator.realtime.speech.asr_child import _next_message


def order(messages: list[tuple]) -> list[tuple]:
    waiting = deque(messages)
    return [_next_message(waiting) for _ in messages]


def test_audio_is_handled_in_arrival_order_when_nobody_waits() -> None:
    messages = [("open", 1, 24000), ("feed", 1, b"a"), ("open", 2, 24000), ("feed", 2, b"b")]
    assert order(messages) == messages


def test_a_finish_jumps_ahead_with_its_own_audio_only() -> None:
    messages = [
        ("feed", 1, b"a1"),
        ("feed", 2, b"b1"),
        ("feed", 1, b"a2"),
        ("feed", 2, b"b2"),
        ("finish", 2),
        ("feed", 1, b"a3"),
    ]
    assert order(messages) == [
        ("feed", 2, b"b1"),
        ("feed", 2, b"b2"),
        ("finish", 2),
        ("feed", 1, b"a1"),
        ("feed", 1, b"a2"),
        ("feed", 1, b"a3"),
    ]


def test_whole_utterances_and_pings_jump_ahead_alone() -> None:
    messages = [("feed", 1, b"a"), ("whole", 7, b"pcm", 24000), ("ping", 8), ("finish", 1)]
    assert order(messages) == [
        ("whole", 7, b"pcm", 24000),
        ("ping", 8),
        ("feed", 1, b"a"),
        ("finish", 1),
    ]
