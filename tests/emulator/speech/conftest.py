"""Shared speech fixtures: one recogniser per test session (the model takes ~1 s to load)."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from emulator.realtime.speech import Recognizer

FIXTURES = Path(__file__).resolve().parents[3] / "smoke" / "fixtures"


def load_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2"), wav.getframerate()


@pytest.fixture(scope="session")
def recognizer() -> Recognizer:
    rec = Recognizer()
    rec.load()
    return rec


@pytest.fixture(scope="session")
def prompts() -> dict[str, dict[str, object]]:
    return json.loads((FIXTURES / "prompts.json").read_text())
