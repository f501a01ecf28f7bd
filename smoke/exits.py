"""smoke's exit codes: the shared table of all three CLIs (README "Exit codes")."""

from __future__ import annotations

__all__ = [
    "EXIT_AUTH",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_LIFECYCLE",
    "EXIT_OK",
    "EXIT_USAGE",
]

EXIT_OK = 0  # every deployment passed every check
EXIT_FAILED = 1  # a check failed (refused handshake, timeout, wrong reply, latency gate, ...)
EXIT_USAGE = 2  # bad input: flags, environment file, prompt WAV, unwritable report path
EXIT_AUTH = 5  # authentication failed: no sign-in, credential refused, API key refused
EXIT_LIFECYCLE = 6  # --strict-lifecycle and the deprecated preview protocol was asked for
EXIT_INTERNAL = 7  # a bug in smoke: traceback under --debug, hint to report it
EXIT_INTERRUPTED = 130  # Ctrl-C / SIGINT
