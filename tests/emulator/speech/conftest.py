"""Shared speech fixtures: one recogniser per test session (the model takes ~1 s to load)."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from emulator.realtime.speech import Recognizer

FIXTURES = Path(__file__).resolve().parents[3] / "smoke" / "fixtures"


def _load_wav(name: str) -> tuple[np.ndarray, int]:
    with wave.open(str(FIXTURES / name), "rb") as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2"), wav.getframerate()


@pytest.fixture(scope="session")
def load_wav():
    """``load_wav("name.wav") -> (int16 samples, rate)`` for files in smoke/fixtures/."""
    return _load_wav


@pytest.fixture(scope="session")
def recognizer() -> Recognizer:
    rec = Recognizer()
    rec.load()
    return rec


@pytest.fixture(scope="session")
def prompts() -> dict[str, dict[str, object]]:
    return json.loads((FIXTURES / "prompts.json").read_text())
