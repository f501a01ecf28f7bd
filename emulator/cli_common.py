"""Pieces shared by the emulator's commands: exit codes, the one-line error, common options.

Light on purpose (click and the standard library only): ``realtime-emulator --help`` imports it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from emulator.connection import DEFAULT_STATE_DIR

# One exit-code table for the toolkit's three CLIs (README "Exit codes").
EXIT_OK = 0
EXIT_REJECTED = 1  # the running emulator refused an admin call (or the request failed)
EXIT_ERROR = EXIT_REJECTED
EXIT_USAGE = 2  # bad flags or arguments
EXIT_INTERNAL = 7  # a bug in the emulator's CLI
EXIT_SERVE = 8  # cannot serve: port in use, not allowed, already serving this state directory
EXIT_STATE = 9  # state directory unusable or missing
EXIT_UNREACHABLE = 10  # no running emulator reachable
EXIT_INTERRUPTED = 130  # Ctrl-C / SIGINT


class CliError(Exception):
    """A failure reported as one line on stderr with a specific exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def state_dir_option(func: Any) -> Any:
    """Add ``--state-dir`` (default ``.emulator/default``) to a command."""
    return click.option(
        "--state-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_STATE_DIR,
        show_default=True,
        help="Directory holding the emulator's state (tenant, principals, resources, CA).",
    )(func)


def connection_option(func: Any) -> Any:
    """Add ``--connection`` and ``--state-dir``, which locate a running emulator."""
    func = click.option(
        "--connection",
        "connection_file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="connection.json of a running emulator [default: STATE_DIR/connection.json].",
    )(func)
    return state_dir_option(func)


def usable_state_dir(state_dir: Path) -> Path:
    """Create (if needed) and check the state directory; exit 9 with the reason otherwise."""
    try:
        state_dir = state_dir.expanduser().resolve()
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise CliError(f"cannot use state directory {state_dir}: {reason}", EXIT_STATE) from None
    if not os.access(state_dir, os.R_OK | os.W_OK | os.X_OK):
        raise CliError(f"cannot use state directory {state_dir}: permission denied", EXIT_STATE)
    return state_dir
