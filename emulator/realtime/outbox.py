"""What a session hands back to its runner: server events, speech jobs and (WebRTC) reply audio.

Every part of a session writes here and nowhere else, so the order of ``events_to_send`` is
the order in which the parts decided things.
"""

from __future__ import annotations

from typing import Any

from emulator.realtime.ids import event
from emulator.realtime.speech_jobs import Job


class Outbox:
    """Three queues the runner drains: events, jobs, PCM16 24 kHz audio for a media track."""

    def __init__(self) -> None:
        self._events: list[dict[str, Any]] = []
        self._jobs: list[Job] = []
        self._audio: list[bytes] = []
        self.audio_cleared = False  # the track must drop what it has not played yet

    def emit(self, ev: dict[str, Any]) -> None:
        """Queue one server event."""
        self._events.append(ev)

    def emit_all(self, events: list[dict[str, Any]]) -> None:
        """Queue server events in order."""
        self._events.extend(events)

    def request(self, job: Job) -> None:
        """Queue blocking speech work."""
        self._jobs.append(job)

    def play(self, pcm: bytes) -> None:
        """Queue reply audio for the outbound track (``media="track"`` sessions)."""
        self._audio.append(pcm)

    def clear_audio(self) -> None:
        """Drop queued reply audio and tell the runner to flush the track."""
        self._audio.clear()
        self.audio_cleared = True

    def error(
        self, code: str, message: str, param: str | None, client_id: str | None = None
    ) -> None:
        """An ``invalid_request_error`` event (the session stays open)."""
        self.emit(
            event(
                "error",
                error={
                    "type": "invalid_request_error",
                    "code": code,
                    "message": message,
                    "param": param,
                    "event_id": client_id,
                },
            )
        )

    def take_events(self) -> list[dict[str, Any]]:
        """Events queued since the last call."""
        out, self._events = self._events, []
        return out

    def take_jobs(self) -> list[Job]:
        """Jobs queued since the last call."""
        jobs, self._jobs = self._jobs, []
        return jobs

    def take_audio(self) -> list[bytes]:
        """Reply audio queued since the last call."""
        audio, self._audio = self._audio, []
        return audio
