"""The embedded emulator's state directory, whether one is running there, and an early start
of its speech stack.

Light on purpose (no pydantic, no server): ``smoke run --env`` calls
:func:`warm_speech_if_embedded` before provision's heavy imports, so that the recogniser
processes of an emulator it is about to start load while the rest of the command starts
(≈0.4 s sooner than when the target opens). ``provision.targets`` uses the same rules.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from provision.environment_files import peek

__all__ = [
    "STATE_VARIABLE",
    "emulator_to_start",
    "running_connection",
    "state_dir_for",
    "warm_speech_if_embedded",
]

STATE_VARIABLE = "PROVISION_EMULATOR_STATE"


def state_dir_for(env_path: Path, name: str) -> Path:
    """``$PROVISION_EMULATOR_STATE``, else ``<project>/.emulator/<name>`` (the project holds
    ``environments/``)."""
    override = os.environ.get(STATE_VARIABLE)
    if override:
        return Path(override)
    return env_path.resolve().parent.parent / ".emulator" / name


def running_connection(state_dir: Path) -> Any | None:
    """The connection of an emulator serving ``state_dir`` right now, else None."""
    from emulator.api import connection_file, load_connection

    path = connection_file(state_dir)
    if not path.is_file():
        return None
    try:
        conn = load_connection(path)
    except ValueError:
        return None
    return conn if _alive(conn.pid, conn.port) else None


def _alive(pid: int, port: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def emulator_to_start(
    env: str | None, env_file: Path | None = None, env_dir: Path | None = None
) -> Path | None:
    """The state directory of the emulator this environment's command will start: its target
    is an emulator and none is serving that directory. None for anything else, including a
    file that cannot be read (the command's own loading reports that)."""
    found = peek(env, env_file, env_dir)
    if found is None:
        return None
    path, raw = found
    if raw.get("target") != "emulator":
        return None
    name = raw.get("name")
    state = state_dir_for(path, name if isinstance(name, str) and name else path.stem)
    try:
        return None if running_connection(state) is not None else state
    except ImportError:
        return None  # no emulator installed: opening the target says so


def warm_speech_if_embedded(
    env: str | None, env_file: Path | None = None, env_dir: Path | None = None
) -> None:
    """Start the speech warm-up when the command will start an emulator
    (:func:`emulator_to_start`)."""
    if emulator_to_start(env, env_file, env_dir) is not None:
        from emulator.api import warm_speech_stack

        warm_speech_stack()
