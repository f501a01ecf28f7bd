"""Fixtures for the WebRTC data plane: one emulator per module, accounts provisioned through
the ARM SDK (``tests/emulator/realtime/rt_env.py``), an HTTPS helper trusting the emulator CA."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "realtime"))

from rt_env import Account, Arm, admin  # noqa: E402

from emulator import Emulator, EmulatorConfig  # noqa: E402


@pytest.fixture(scope="module")
def rtc_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A running emulator with instant timing."""
    state: Path = tmp_path_factory.mktemp("rtc") / "emu"
    with Emulator(state_dir=state, config=EmulatorConfig(timing="instant")) as emu:
        admin(emu, "PATCH", "/_admin/config", {"role_propagation_seconds": 0})
        yield emu


@pytest.fixture(scope="module")
def arm(rtc_emulator: Emulator) -> Arm:
    """ARM SDK clients signed in as the seeded deployer."""
    return Arm(rtc_emulator)


@pytest.fixture(scope="module")
def account(arm: Arm) -> Account:
    """An account with a GA and a -preview realtime deployment and a chat deployment."""
    acc = arm.account("rtcmain")
    arm.deployment(acc.subdomain, "gpt-realtime")
    arm.deployment(
        acc.subdomain, "gpt-4o-realtime-preview", "gpt-4o-realtime-preview", "2024-12-17"
    )
    return acc


@pytest.fixture(scope="module")
def other_account(arm: Arm) -> Account:
    """A second account with the same deployment name."""
    acc = arm.account("rtcother")
    arm.deployment(acc.subdomain, "gpt-realtime")
    return acc
