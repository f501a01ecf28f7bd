"""Fixtures of the provision tests: ``project`` = a temp project dir on the test's emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_helpers import Project

from emulator.api import Emulator


@pytest.fixture
def project(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Project]:
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(emulator.state_dir))
    yield Project(tmp_path / "project", emulator)
