"""The realtime protocol, sans I/O: typed events, dialect rules, the session state machine.

Names are imported lazily, so ``import smoke.realtime.dialects`` loads only what it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smoke.realtime.dialects import Dialect, SessionSettings, choose_dialect, realtime_url
    from smoke.realtime.protocol import Entry, ProtocolError, RealtimeProtocol, State

_LAZY = {
    "Dialect": "smoke.realtime.dialects",
    "SessionSettings": "smoke.realtime.dialects",
    "choose_dialect": "smoke.realtime.dialects",
    "realtime_url": "smoke.realtime.dialects",
    "Entry": "smoke.realtime.protocol",
    "ProtocolError": "smoke.realtime.protocol",
    "RealtimeProtocol": "smoke.realtime.protocol",
    "State": "smoke.realtime.protocol",
}

__all__ = [
    "Dialect",
    "Entry",
    "ProtocolError",
    "RealtimeProtocol",
    "SessionSettings",
    "State",
    "choose_dialect",
    "realtime_url",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smoke.realtime' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
