"""Ctrl-C: SIGINT to a running `provision up` exits 130 with no traceback and lists what it
had applied; a KeyboardInterrupt anywhere in a command is 130 too (JSON error under --json)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from emulator.api import Emulator
from provision.cli_support import handle_errors, json_option

ROOT = Path(__file__).resolve().parents[2]


def lines_of(stream: object) -> tuple[queue.Queue[str], threading.Thread]:
    """A reader thread: the process's stderr lines, as they come."""
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]  # a text pipe, typed as object
            found.put(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    return found, reader


def wait_for_line(found: queue.Queue[str], needle: str, seen: list[str]) -> None:
    while True:
        line = found.get(timeout=60)  # queue.Empty fails the test: the line never came
        seen.append(line)
        if needle in line:
            return


def test_sigint_during_up_is_exit_130_and_lists_what_was_applied(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.admin.set_config(lro_seconds=30.0)  # the account write runs long enough to interrupt
    envs = tmp_path / "environments"
    envs.mkdir()
    envs.joinpath("local.toml").write_text((ROOT / "environments" / "local.toml").read_text())
    env = {**os.environ, "PROVISION_EMULATOR_STATE": str(emulator.state_dir)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "provision",
            "up",
            "--env",
            "local",
            "--yes",
            "--env-dir",
            str(envs),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    seen: list[str] = []
    found, reader = lines_of(proc.stderr)
    try:
        wait_for_line(found, "create account aoai-realtime-local", seen)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=10)
    while not found.empty():
        seen.append(found.get())
    err = "".join(seen)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "interrupted" in err and "create resource group rg-realtime-local" in err


@click.command()
@json_option
@handle_errors
def _interrupted(as_json: bool) -> int:
    raise KeyboardInterrupt


@pytest.mark.parametrize("as_json", [False, True])
def test_keyboard_interrupt_anywhere_is_130(as_json: bool) -> None:
    result = CliRunner().invoke(_interrupted, ["--json"] if as_json else [])
    assert result.exit_code == 130
    assert "interrupted (Ctrl-C)" in result.stderr
    if as_json:
        assert json.loads(result.stdout)["error"]["exit_code"] == 130
    else:
        assert result.stdout == ""
