"""Shared fixtures: a real emulator over TLS on 127.0.0.1 with a fresh state directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import Emulator, EmulatorConfig


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    """A running emulator with instant operations and its own state directory."""
    with Emulator(state_dir=tmp_path / "emu", config=EmulatorConfig(lro_seconds=0.0)) as emu:
        yield emu
