"""Timing and volume figures derived from a session log (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from smoke.audio import duration_seconds
from smoke.checks import output_audio
from smoke.realtime.events import OutputAudioDelta, SessionCreated
from smoke.realtime.protocol import Entry, Mark

__all__ = ["Metrics", "scenario_metrics"]


@dataclass(frozen=True, kw_only=True)
class Metrics:
    """Seconds on the session clock (0 = start of the scenario); None when not reached."""

    connect_s: float | None = None
    session_created_s: float | None = None
    first_audio_s: float | None = None  # end of speech (or request) → first output audio
    total_s: float | None = None
    audio_s: float = 0.0

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)


def _mark_time(log: Sequence[Entry], name: str, last: bool = False) -> float | None:
    times = [e.t for e in log if isinstance(e.item, Mark) and e.item.name == name]
    if not times:
        return None
    return times[-1] if last else times[0]


def _first(log: Sequence[Entry], cls: type) -> float | None:
    return next((e.t for e in log if isinstance(e.item, cls)), None)


def scenario_metrics(log: Sequence[Entry], rate: int = 24000) -> Metrics:
    """Connect time, time to ``session.created``, response latency, total, reply audio seconds."""
    connecting = _mark_time(log, "connecting", last=True)
    connected = _mark_time(log, "connected")
    request_end = _mark_time(log, "speech_end") or _mark_time(log, "request_sent")
    first_audio = _first(log, OutputAudioDelta)
    audio, _ = output_audio(log)
    return Metrics(
        connect_s=_diff(connected, connecting),
        session_created_s=_first(log, SessionCreated),
        first_audio_s=_diff(first_audio, request_end),
        total_s=log[-1].t if log else None,
        audio_s=round(duration_seconds(len(audio), rate), 3),
    )


def _diff(end: float | None, start: float | None) -> float | None:
    return None if end is None or start is None else round(end - start, 4)
