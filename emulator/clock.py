"""The emulator's notion of "now": wall-clock time plus an offset that tests can advance.

Every time-based state (operations in progress, role propagation, principal replication) is
computed from stored timestamps against this clock, so a test can step through an operation's
lifecycle with ``Emulator.advance_clock(seconds)`` instead of waiting for it. The offset belongs
to one emulator (``EmulatorConfig.clock_offset_seconds``); the server binds it to each request.
Token expiry is deliberately left on the real clock: clients check it against theirs.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

_offset: ContextVar[float] = ContextVar("emulator_clock_offset", default=0.0)


def now() -> float:
    """POSIX seconds on the emulator's clock."""
    return time.time() + _offset.get()


def bind(offset: float) -> Token[float]:
    """Use ``offset`` for the current request (task); pass the token to ``unbind``."""
    return _offset.set(offset)


def unbind(token: Token[float]) -> None:
    """Restore the offset that was in force before ``bind``."""
    _offset.reset(token)
