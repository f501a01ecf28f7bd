"""``emulator serve`` as a separate process, the way a user runs it (default, realistic timing)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from emulator.api import Connection, load_connection

READY_TIMEOUT_S = 60


@dataclass
class Served:
    """A running ``python -m emulator serve`` and the connection it wrote."""

    process: subprocess.Popen[str]
    state_dir: Path
    connection: Connection
    output: list[str]
    """What serve printed so far (its banner, then its log): shown when a test fails."""

    def log_tail(self, lines: int = 40) -> str:
        """The last lines serve printed."""
        return "".join(self.output[-lines:])

    def stop(self) -> int:
        """Ctrl-C, as a user would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


def serve(state_dir: Path, *args: str) -> Served:
    """Start ``python -m emulator serve`` on a free port; returns once it printed its banner."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--state-dir",
            str(state_dir),
            "--port",
            "0",
            "--verbose",
            *args,
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str | None] = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen = output
    while True:
        try:
            line = lines.get(timeout=READY_TIMEOUT_S)
        except queue.Empty:
            process.kill()
            raise RuntimeError(
                "emulator serve printed nothing in time:\n" + "".join(seen)
            ) from None
        if line is None:
            raise RuntimeError("emulator serve exited:\n" + "".join(seen))
        if "listening on" in line:
            break
    # The banner comes after connection.json is written.
    connection = load_connection(state_dir / "connection.json")
    return Served(process=process, state_dir=state_dir, connection=connection, output=output)
