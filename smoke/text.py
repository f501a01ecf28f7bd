"""Text normalisation for transcript comparison: case, punctuation, numbers as words.

``normalise("Blue-harbor, 7!")`` → ``["blue", "harbor", "seven"]`` and ``"29"`` → ``["twenty",
"nine"]``, so a reply spoken as "twenty-nine" matches an expectation written as 29.
"""

from __future__ import annotations

import re

__all__ = ["missing_words", "normalise", "number_to_words", "word_error_rate"]

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand"))
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*")


def number_to_words(n: int) -> str:
    """English words for a non-negative integer below 10**12, without "and" or hyphens."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, rest = divmod(n, 10)
        return _TENS[tens] + (f" {_ONES[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_to_words(rest)}" if rest else "")
    for value, name in _SCALES:
        if n >= value:
            head, rest = divmod(n, value)
            return f"{number_to_words(head)} {name}" + (f" {number_to_words(rest)}" if rest else "")
    raise ValueError(f"number too large: {n}")


def _number_tokens(token: str) -> list[str]:
    digits = token.replace(",", "")
    if "." in digits:
        whole, _, frac = digits.partition(".")
        return [*_number_tokens(whole), "point", *(_ONES[int(d)] for d in frac if d.isdigit())]
    if len(digits) > 12:
        return [_ONES[int(d)] for d in digits]  # read long digit strings digit by digit
    return number_to_words(int(digits)).split()


def normalise(text: str) -> list[str]:
    """Lower-case word tokens with punctuation removed and digits spelled out."""
    words: list[str] = []
    for token in _TOKEN.findall(text.lower().replace("-", " ")):
        if token[0].isdigit():
            words.extend(_number_tokens(token))
        else:
            words.append(token.replace("'", ""))
    return words


def missing_words(expected: str | list[str], observed: str) -> list[str]:
    """Expected words (normalised) that do not occur in ``observed``; empty means all present."""
    wanted = normalise(" ".join(expected) if isinstance(expected, list) else expected)
    seen = set(normalise(observed))
    return [word for word in wanted if word not in seen]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance divided by the reference length (after normalisation)."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)
