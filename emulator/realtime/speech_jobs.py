"""The blocking speech work a session asks its runner to do off the event loop."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transcribe:
    """Recognise a committed user audio item."""

    id: str
    item_id: str
    pcm: bytes
    emit_events: bool


@dataclass(frozen=True)
class Synthesize:
    """Speak a response's reply text."""

    id: str
    response_id: str
    text: str
    voice: str


Job = Transcribe | Synthesize
