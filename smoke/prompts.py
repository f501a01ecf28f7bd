"""Spoken prompts: the shipped WAV fixtures, or the user's own WAV with expected reply words.

The fixtures live in ``smoke/fixtures/`` with an index ``prompts.json`` mapping each WAV file to
its spoken text and the words the reply must contain (e.g. "repeat after me blue harbor seven"
→ "blue harbor seven").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from smoke.audio import SESSION_RATE, from_bytes, read_wav, rms_dbfs, to_bytes
from smoke.errors import UsageError

__all__ = [
    "DEFAULT_TEXT_PROMPT",
    "FIXTURES",
    "Prompt",
    "TextPrompt",
    "default_prompt",
    "fixture_prompts",
    "prompt_from_wav",
    "select_prompts",
]

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True, kw_only=True)
class Prompt:
    """Speech to send (PCM16 at the session rate), what it says, and words the reply must hold."""

    name: str
    pcm: bytes
    text: str
    expected_words: tuple[str, ...]
    rate: int = SESSION_RATE
    speech_end_s: float | None = None  # where speech stops inside the clip, if known

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (2 * self.rate)

    @property
    def speech_ends_at(self) -> float:
        """Seconds into the clip where speech stops (known, else measured by energy)."""
        if self.speech_end_s is not None:
            return self.speech_end_s
        return speech_end_seconds(from_bytes(self.pcm), self.rate)


@dataclass(frozen=True, kw_only=True)
class TextPrompt:
    """A typed prompt for the text-in → audio-out scenario."""

    text: str
    expected_words: tuple[str, ...]


DEFAULT_TEXT_PROMPT = TextPrompt(
    text="Repeat after me: green river nine.", expected_words=("green", "river", "nine")
)


def speech_end_seconds(samples: np.ndarray, rate: int, floor_dbfs: float = -40.0) -> float:
    """End of the last 10 ms frame louder than ``floor_dbfs`` (the clip length if none is)."""
    frame = max(1, rate // 100)
    count = len(samples) // frame
    for index in range(count - 1, -1, -1):
        if rms_dbfs(samples[index * frame : (index + 1) * frame]) > floor_dbfs:
            return (index + 1) * frame / rate
    return len(samples) / rate


def prompt_from_wav(path: str | Path, text: str = "", expect: str = "") -> Prompt:
    """A prompt from the user's WAV (any PCM rate/channels; resampled to 24 kHz mono)."""
    clip = read_wav(path)
    return Prompt(
        name=Path(path).stem,
        pcm=to_bytes(clip.samples),
        text=text,
        expected_words=tuple(expect.split()),
    )


def _entries(index: Any) -> list[tuple[str, dict[str, Any]]]:
    """Accept ``{file: {...}}`` or ``[{"file": ..., ...}]``."""
    if isinstance(index, dict):
        items = index.get("prompts", index)
        if isinstance(items, dict):
            return [(str(k), v if isinstance(v, dict) else {"text": v}) for k, v in items.items()]
        index = items
    if isinstance(index, list):
        return [(str(e.get("file") or e.get("wav")), e) for e in index if isinstance(e, dict)]
    raise UsageError("prompts.json must be an object or a list")


def _expected(entry: dict[str, Any]) -> tuple[str, ...]:
    for key in ("expect_reply_words", "expected_words", "expect", "expected", "reply_words"):
        value = entry.get(key)
        if isinstance(value, list):
            return tuple(str(v) for v in value)
        if isinstance(value, str):
            return tuple(value.split())
    return ()


def _speech_end(entry: dict[str, Any]) -> float | None:
    value = entry.get("speech_end_ms")
    return value / 1000 if isinstance(value, int | float) else None


def fixture_prompts(directory: Path = FIXTURES) -> list[Prompt]:
    """All prompts listed in ``directory/prompts.json`` (empty when there is no index)."""
    index_path = directory / "prompts.json"
    if not index_path.is_file():
        return []
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UsageError(f"{index_path}: not valid JSON ({exc})") from None
    prompts = []
    for file_name, entry in _entries(index):
        clip = read_wav(directory / file_name)
        prompts.append(
            Prompt(
                name=Path(file_name).stem,
                pcm=to_bytes(clip.samples),
                text=str(entry.get("text") or entry.get("prompt") or ""),
                expected_words=_expected(entry),
                speech_end_s=_speech_end(entry),
            )
        )
    return prompts


def select_prompts(names: Sequence[str], directory: Path = FIXTURES) -> list[Prompt]:
    """Fixture prompts by name: an exact file stem, else every stem containing the name."""
    prompts = fixture_prompts(directory)
    chosen: list[Prompt] = []
    for name in names:
        exact = [p for p in prompts if p.name == name]
        matches = exact or [p for p in prompts if name in p.name]
        if not matches:
            known = ", ".join(p.name for p in prompts) or "none installed"
            raise UsageError(f"no prompt fixture matches {name!r} (known: {known})")
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def default_prompt(directory: Path = FIXTURES) -> Prompt:
    """The first shipped "repeat after me" fixture; UsageError when none is installed."""
    prompts = fixture_prompts(directory)
    if not prompts:
        raise UsageError(
            f"no prompt fixtures in {directory}; pass --prompt WAV --expect 'words' instead"
        )
    repeat = [p for p in prompts if p.text.lower().startswith("repeat after me")]
    return (repeat or prompts)[0]
