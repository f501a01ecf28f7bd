"""Typed realtime events for both dialects, keyed by their GA ``type`` name.

This is the one import path for events; they live in three modules by responsibility:

- :mod:`smoke.realtime.server_events` — server events and :func:`parse_server_event` (unknown
  types become :class:`OtherEvent`; a known event with a bad required field raises
  :class:`EventParseError`, naming the field);
- :mod:`smoke.realtime.client_events` — client events with ``serialize() -> dict``;
- :mod:`smoke.realtime.values` — the value objects inside events (session, response, error).
"""

from __future__ import annotations

from smoke.realtime.client_events import (
    ClientEvent,
    ConversationItemCreate,
    InputAudioBufferAppend,
    InputAudioBufferClear,
    InputAudioBufferCommit,
    ResponseCancel,
    ResponseCreate,
    SessionUpdate,
    parse_client_event,
)
from smoke.realtime.server_events import (
    AudioCommitted,
    ErrorEvent,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    InputTranscriptionFailed,
    OtherEvent,
    OutputAudioDelta,
    OutputAudioDone,
    OutputTextDelta,
    OutputTextDone,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    ResponseCreated,
    ResponseDone,
    ServerEvent,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
    parse_server_event,
)
from smoke.realtime.values import (
    AudioFormat,
    ErrorDetail,
    EventParseError,
    ResponseInfo,
    SessionConfig,
    Usage,
)

__all__ = [
    "AudioFormat",
    "ClientEvent",
    "ConversationItemCreate",
    "ErrorDetail",
    "ErrorEvent",
    "EventParseError",
    "InputAudioBufferAppend",
    "InputAudioBufferClear",
    "InputAudioBufferCommit",
    "InputTranscriptionCompleted",
    "InputTranscriptionDelta",
    "InputTranscriptionFailed",
    "OtherEvent",
    "OutputAudioDelta",
    "OutputAudioDone",
    "OutputTextDelta",
    "OutputTextDone",
    "OutputTranscriptDelta",
    "OutputTranscriptDone",
    "ResponseCancel",
    "ResponseCreate",
    "ResponseCreated",
    "ResponseDone",
    "ResponseInfo",
    "ServerEvent",
    "SessionConfig",
    "SessionCreated",
    "SessionUpdate",
    "SessionUpdated",
    "SpeechStarted",
    "SpeechStopped",
    "AudioCommitted",
    "Usage",
    "parse_client_event",
    "parse_server_event",
]
