"""Deterministic reply model: what the emulated assistant says back to a user utterance."""

from __future__ import annotations

import re

from .text import normalize_text

__all__ = ["NO_INPUT_REPLY", "REPLY_MAX_WORDS", "reply_text"]

# "I did not catch that" is misheard by pocketsphinx as "... catch up" on flite audio (measured),
# so the apology uses words the project's own recogniser gets right.
NO_INPUT_REPLY = "Sorry, I did not hear anything."
REPLY_MAX_WORDS = 12

_COMMAND = re.compile(
    r"^(?:(?:please|can you|could you|now)\s+)*"
    r"(?:repeat after me|say)"
    r"(?:\s+please)?\s+(?P<payload>.+?)(?:\s+please)?$"
)


def _sentence(words: list[str]) -> str:
    text = " ".join(words[:REPLY_MAX_WORDS])
    return text[:1].upper() + text[1:] + "."


def reply_text(heard: str) -> str:
    """Return the assistant's reply to the user's transcript or text input.

    - ``"Please repeat after me: Blue harbor 7!"`` → ``"Blue harbor seven."``
      (also ``"say X"``; case and punctuation do not matter),
    - empty or unintelligible input → :data:`NO_INPUT_REPLY`,
    - anything else → ``"You said: X."``.

    Numbers come back as words so the reply's own transcript and audio agree. Replies are
    capped at :data:`REPLY_MAX_WORDS` words of payload to keep synthesis short.
    """
    normalized = normalize_text(heard)
    if not normalized:
        return NO_INPUT_REPLY
    match = _COMMAND.match(normalized)
    if match:
        return _sentence(match.group("payload").split())
    return "You said: " + " ".join(normalized.split()[:REPLY_MAX_WORDS]) + "."
