"""Fixtures for the realtime data plane: one emulator per module with provisioned accounts.

Provisioning through the ARM SDK takes a moment, so accounts are shared by the tests of a
module; tests that change settings (``/_admin/config``) restore them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rt_env import Account, Arm

from emulator import Emulator, EmulatorConfig


@pytest.fixture(scope="module")
def rt_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A running emulator (same settings as the shared ``emulator`` fixture), per module."""
    state: Path = tmp_path_factory.mktemp("rt") / "emu"
    with Emulator(state_dir=state, config=EmulatorConfig(timing="instant")) as emu:
        yield emu


@pytest.fixture(scope="module")
def arm(rt_emulator: Emulator) -> Arm:
    """ARM SDK clients signed in as the seeded deployer."""
    return Arm(rt_emulator)


@pytest.fixture(scope="module")
def account(arm: Arm) -> Account:
    """An AIServices account with a GA (gpt-realtime) and a preview realtime deployment."""
    acc = arm.account("rtmain")
    arm.deployment(acc.subdomain, "gpt-realtime")
    arm.deployment(
        acc.subdomain, "gpt-4o-realtime-preview", "gpt-4o-realtime-preview", "2024-12-17"
    )
    return acc
