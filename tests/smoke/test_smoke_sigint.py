"""Ctrl-C to the whole process group of `smoke run -e local` (embedded emulator and its speech
workers included): exit 130, `interrupted`, no traceback from any process."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
SMOKE = "from provision.smoke_entry import main; main()"


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """stderr lines until one holds ``marker`` (bounded by ``timeout``)."""
    seen, deadline = "", time.monotonic() + timeout
    selector = selectors.DefaultSelector()
    assert proc.stderr is not None
    selector.register(proc.stderr, selectors.EVENT_READ)
    while marker not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {marker!r} within {timeout}s: {seen[-500:]}")
        for _key, _events in selector.select(timeout=1):
            seen += proc.stderr.readline()
    return seen


@pytest.mark.conformance
def test_ctrl_c_to_the_process_group_exits_130_without_any_traceback(tmp_path, monkeypatch):
    from provision.cli import cli as provision_cli

    env_dir = tmp_path / "environments"
    env_dir.mkdir()
    shutil.copy(REPO / "environments" / "local.toml", env_dir / "local.toml")
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(tmp_path / "state"))
    up = CliRunner().invoke(
        provision_cli, ["up", "-e", "local", "--env-dir", str(env_dir), "--yes"]
    )
    assert up.exit_code == 0, up.output
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SMOKE,
            "run",
            "-e",
            "local",
            "--env-dir",
            str(env_dir),
            "--pace",
            "realtime",
            "--timeout",
            "120",
        ],
        cwd=REPO,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        before = _read_until(proc, "checking…", 120)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C at a terminal does
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, before + stderr
    assert "Traceback" not in before + stderr + stdout
    assert "KeyboardInterrupt" not in stderr
    assert stderr.strip().splitlines()[-1] == "interrupted"
