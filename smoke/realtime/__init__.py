"""The realtime protocol, sans I/O: typed events, dialect rules, the session state machine."""

from smoke.realtime.dialects import Dialect, SessionSettings, choose_dialect, realtime_url
from smoke.realtime.protocol import Entry, ProtocolError, RealtimeProtocol, State

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
