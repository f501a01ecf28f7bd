"""Text normalisation shared by the reply model, the recogniser checks and the WER bench."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_text", "number_to_words"]

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"))
# Longer plain digit runs are phone numbers or codes: read them digit by digit, like a person
# would. Comma-grouped numbers ("29,042") are always cardinals.
_MAX_CARDINAL_DIGITS = 6

_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_NON_WORD = re.compile(r"[^a-z0-9' ]+")


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    if n >= 100:
        words += [_ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        words.append(_TENS[n // 10])
        n %= 10
        if n:
            words.append(_ONES[n])
    elif n or not words:
        words.append(_ONES[n])
    return words


def number_to_words(n: int) -> str:
    """Spell a non-negative integer in English words: ``42`` → ``"forty two"``."""
    if n < 0:
        raise ValueError("number_to_words() takes a non-negative integer")
    if n < 1000:
        return " ".join(_below_thousand(n))
    words: list[str] = []
    for scale, name in _SCALES:
        if n >= scale:
            words += [*_below_thousand(n // scale), name]
            n %= scale
    if n:
        words += _below_thousand(n)
    return " ".join(words)


def _spell_number(match: re.Match[str]) -> str:
    integer, _, fraction = match.group(0).partition(".")
    grouped = "," in integer
    integer = integer.replace(",", "")
    if (
        not grouped
        and len(integer) > _MAX_CARDINAL_DIGITS
        or (len(integer) > 1 and integer.startswith("0"))
    ):
        spoken = " ".join(_ONES[int(d)] for d in integer)
    else:
        spoken = number_to_words(int(integer))
    if fraction:
        spoken += " point " + " ".join(_ONES[int(d)] for d in fraction)
    return f" {spoken} "


def normalize_text(text: str) -> str:
    """Lower-case, fold accents to ASCII, spell digits as words, drop punctuation.

    The result is a single-spaced string of ``[a-z']`` words, suitable for word-level
    comparison (recogniser output never contains digits or punctuation).
    """
    # Curly apostrophes would be lost by the ASCII fold ("don’t" → "dont"), so straighten first.
    folded = (
        unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    folded = _NUMBER.sub(_spell_number, folded.lower())
    folded = _NON_WORD.sub(" ", folded.replace("-", " "))
    words = [w.strip("'") for w in folded.split()]
    return " ".join(w for w in words if w)
