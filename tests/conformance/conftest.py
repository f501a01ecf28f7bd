"""Fixtures of the conformance stage: outside clients and a served emulator.

Everything here is marked ``conformance`` (the second CI stage, see .ci/run).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance import clients
from tests.conformance.served import Served, serve


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/conformance belongs to the conformance stage."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.conformance)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``python -m emulator serve`` with its default (realistic) timing, for one test module."""
    running = serve(tmp_path_factory.mktemp("served") / "state")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def az_executable() -> Path:
    """The Azure CLI from PyPI, in a cached throwaway venv."""
    return clients.azure_cli()


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """``openai`` and ``ws`` from npm, cached."""
    return clients.node_modules()
