"""At a terminal, `provision up` draws the live display (rich, cursor control codes) and ends
with one finished line per resource; stdout's result still comes once, after it."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from emulator.api import Emulator

ROOT = Path(__file__).resolve().parents[2]


def run_in_terminal(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run ``argv`` with a 120-column pseudo-terminal as stdin/stdout/stderr."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, close_fds=True
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the terminal closed with the process
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_up_at_a_terminal_draws_live_lines_that_end_finished(
    emulator: Emulator, tmp_path: Path
) -> None:
    envs = tmp_path / "environments"
    envs.mkdir()
    envs.joinpath("local.toml").write_text((ROOT / "environments" / "local.toml").read_text())
    env = {
        **os.environ,
        "PROVISION_EMULATOR_STATE": str(emulator.state_dir),
        "TERM": "xterm-256color",
        "COLUMNS": "120",
    }
    env.pop("NO_COLOR", None)
    argv = [sys.executable, "-m", "provision", "up", "-e", "local", "--yes", "--no-wait"]
    code, screen = run_in_terminal([*argv, "--env-dir", str(envs)], env, tmp_path)
    assert code == 0, screen
    assert "\x1b[?25l" in screen  # the live display hid the cursor while it ran
    assert "Traceback" not in screen
    for name in ("gpt-realtime", "gpt-realtime-mini"):
        assert f"[local] create deployment {name}" in screen
    assert screen.count("Environment local: applied 8 change(s)") == 1
    assert screen.index("Plan for environment local:") < screen.index("\x1b[?25l")
