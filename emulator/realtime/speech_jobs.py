"""The blocking speech work a session asks its runner to do off the event loop."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StartRecognition:
    """Speech started: open a recognition stream with the audio so far (non-blocking)."""

    stream_id: str
    pcm: bytes


@dataclass(frozen=True)
class FeedRecognition:
    """More audio of the utterance being spoken (non-blocking)."""

    stream_id: str
    pcm: bytes


@dataclass(frozen=True)
class PauseRecognition:
    """The speaker has been silent for a while: the recogniser may run its final pass now,
    so that the transcript is ready when VAD ends the turn (non-blocking)."""

    stream_id: str


@dataclass(frozen=True)
class ResumeRecognition:
    """The speaker went on after a ``PauseRecognition`` (non-blocking)."""

    stream_id: str


@dataclass(frozen=True)
class CancelRecognition:
    """The utterance was dropped (buffer cleared, or committed another way)."""

    stream_id: str


@dataclass(frozen=True)
class Transcribe:
    """Recognise a committed user audio item: finish ``stream_id`` if it was streamed (its
    audio equals ``pcm``), else decode ``pcm`` whole."""

    id: str
    item_id: str
    pcm: bytes
    emit_events: bool
    stream_id: str | None = None


@dataclass(frozen=True)
class Synthesize:
    """Speak a response's reply text."""

    id: str
    response_id: str
    text: str
    voice: str


StreamJob = (
    StartRecognition | FeedRecognition | PauseRecognition | ResumeRecognition | CancelRecognition
)
Job = Transcribe | Synthesize | StreamJob
