from __future__ import annotations

import pytest

from emulator.realtime.speech import NO_INPUT_REPLY, normalize_text, number_to_words, reply_text


@pytest.mark.parametrize(
    ("heard", "reply"),
    [
        ("repeat after me blue harbor seven", "Blue harbor seven."),
        ("Please repeat after me: Blue harbor, 7!", "Blue harbor seven."),
        ("REPEAT AFTER ME green river three.", "Green river three."),
        ("say hello world", "Hello world."),
        ("Can you say 42 please?", "Forty two."),
        ("what is the weather like today", "You said: what is the weather like today."),
        ("What's up?", "You said: what's up."),
        ("repeat after me", "You said: repeat after me."),
        ("", NO_INPUT_REPLY),
        ("  ... ?! ", NO_INPUT_REPLY),
        (
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
            "You said: one two three four five six seven eight nine ten eleven twelve.",
        ),
    ],
)
def test_reply_table(heard: str, reply: str) -> None:
    assert reply_text(heard) == reply


def test_reply_is_deterministic_and_speakable() -> None:
    replies = {reply_text("Repeat after me 5551234") for _ in range(3)}
    assert replies == {"Five five five one two three four."}


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("Blue Harbor 7!", "blue harbor seven"),
        ("Don’t stop, café", "don't stop cafe"),
        ("29042", "twenty nine thousand forty two"),
        ("29,042 and 1,000,000", "twenty nine thousand forty two and one million"),
        ("call 5551234", "call five five five one two three four"),
        ("3.5", "three point five"),
        ("007", "zero zero seven"),
        ("twenty-nine", "twenty nine"),
        ("你好", ""),
    ],
)
def test_normalize_text(text: str, normalized: str) -> None:
    assert normalize_text(text) == normalized


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (13, "thirteen"),
        (40, "forty"),
        (110, "one hundred ten"),
        (1_000_001, "one million one"),
        (999_999, "nine hundred ninety nine thousand nine hundred ninety nine"),
    ],
)
def test_number_to_words(n: int, words: str) -> None:
    assert number_to_words(n) == words


def test_number_to_words_rejects_negative() -> None:
    with pytest.raises(ValueError):
        number_to_words(-1)
