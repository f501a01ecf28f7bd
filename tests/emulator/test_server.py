"""Server lifecycle: stable ports across restarts, fallback when the old port is taken."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
import requests

from emulator import Emulator


def test_restart_reuses_the_last_port(tmp_path: Path) -> None:
    with Emulator(tmp_path / "s", port=None) as first:
        port = first.port
        assert first.connection.arm_url == f"https://127.0.0.1:{port}/"
    with Emulator(tmp_path / "s", port=None) as second:
        assert second.port == port


def test_restart_falls_back_to_a_free_port_when_the_last_one_is_taken(tmp_path: Path) -> None:
    with Emulator(tmp_path / "s", port=None) as first:
        port = first.port
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        with Emulator(tmp_path / "s", port=None) as second:
            assert second.port not in (0, port)
            assert second.connection.port == second.port
    finally:
        blocker.close()


def test_explicit_port_zero_always_picks_a_fresh_port(tmp_path: Path) -> None:
    with Emulator(tmp_path / "s", port=0) as first:
        port = first.port
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        with Emulator(tmp_path / "s", port=0) as second:  # must not even try the old port
            assert second.port != port
    finally:
        blocker.close()


def test_requests_are_logged_at_info_without_query_or_credentials(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sekret-api-key-0123456789"
    caplog.set_level(logging.INFO, logger="emulator")
    response = requests.get(
        f"{emulator.url}/subscriptions/{emulator.connection.subscription_id}/resourcegroups",
        params={"api-version": "2021-04-01", "api-key": secret},
        headers={"Authorization": f"Bearer {secret}"},
        verify=str(emulator.ca_path),
        timeout=10,
    )
    assert response.status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "emulator"]
    assert any(line.startswith("arm GET /subscriptions/") and "-> 401" in line for line in lines)
    assert secret not in caplog.text


def test_advance_clock_moves_only_forward_and_only_this_emulator(tmp_path: Path) -> None:
    import pytest

    with Emulator(tmp_path / "a") as a, Emulator(tmp_path / "b") as b:
        a.advance_clock(90)
        assert a.config.clock_offset_seconds == 90
        assert b.config.clock_offset_seconds == 0
        with pytest.raises(ValueError):
            a.advance_clock(-1)
