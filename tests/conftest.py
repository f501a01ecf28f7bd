"""Shared fixtures: a real emulator over TLS on 127.0.0.1 with a fresh state directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.api import Emulator, EmulatorConfig


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    """A running emulator with instant operations and its own state directory."""
    with Emulator(state_dir=tmp_path / "emu", config=EmulatorConfig(timing="instant")) as emu:
        yield emu


@pytest.fixture(autouse=True)
def _instant_embedded_emulator(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Core tests: an emulator that provision/smoke embed (``--env local`` with no running
    one) uses the instant timing profile; its realistic default costs seconds per write.

    A core test about timing opts back in with
    ``monkeypatch.setenv("PROVISION_EMULATOR_TIMING", "realistic")``. Conformance tests keep the
    environment they were given (they run the tools as a user would)."""
    if request.node.get_closest_marker("conformance") is None:
        monkeypatch.setenv("PROVISION_EMULATOR_TIMING", "instant")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``azure`` touch real Azure: deselected unless AZ_TEST_ALLOW_AZURE=true."""
    if os.environ.get("AZ_TEST_ALLOW_AZURE", "").lower() == "true":
        return
    live = [item for item in items if item.get_closest_marker("azure")]
    if live:
        config.hook.pytest_deselected(items=live)
        items[:] = [item for item in items if not item.get_closest_marker("azure")]
