"""Timing and volume figures derived from a session log (pure, no I/O).

The response latency ``first_audio_s`` is measured to the first reply audio from an anchor that
depends on how the reply was asked for (``first_audio_from`` names it), in this order:

- an explicit ``response.create`` (text scenario, the tool-call answer): when it was sent
  (``request_sent``);
- real-time pacing: the instant the audio sent reached the end of speech (``end_of_speech``),
  as a listener would hear it;
- burst sending (the default): ``input_audio_buffer.speech_stopped``, because the prompt is all
  sent before the server has heard it, so "end of speech" on our side means nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from smoke.audio import duration_seconds
from smoke.checks import output_audio
from smoke.realtime.events import OutputAudioDelta, SessionCreated, SpeechStopped
from smoke.realtime.protocol import Entry, InboundAudio, Mark

__all__ = ["ANCHORS", "Metrics", "scenario_metrics"]

ANCHORS = {
    "end_of_speech": "end of speech (real-time pacing) → first audio",
    "speech_stopped": "input_audio_buffer.speech_stopped → first audio delta",
    "request_sent": "response.create sent → first audio",
}


@dataclass(frozen=True, kw_only=True)
class Metrics:
    """Seconds on the session clock (0 = start of the scenario); None when not reached."""

    connect_s: float | None = None
    session_created_s: float | None = None
    first_audio_s: float | None = None  # anchor (see first_audio_from) → first output audio
    first_audio_from: str | None = None  # a key of ANCHORS
    total_s: float | None = None
    audio_s: float = 0.0
    secret_minted_s: float | None = None  # transports that mint a client secret (WebRTC)
    sdp_exchanged_s: float | None = None

    def as_dict(self) -> dict[str, float | str | None]:
        return asdict(self)


def _mark_time(log: Sequence[Entry], name: str, last: bool = False) -> float | None:
    times = [e.t for e in log if isinstance(e.item, Mark) and e.item.name == name]
    if not times:
        return None
    return times[-1] if last else times[0]


def _first(log: Sequence[Entry], *classes: type) -> float | None:
    return next((e.t for e in log if isinstance(e.item, classes)), None)


def _anchor(log: Sequence[Entry]) -> tuple[str | None, float | None]:
    sent = _mark_time(log, "request_sent", last=True)  # text / tool answer: response.create
    if sent is not None:
        return "request_sent", sent
    speech_end = _mark_time(log, "speech_end")
    if speech_end is not None:
        return "end_of_speech", speech_end
    stopped = _first(log, SpeechStopped)
    if stopped is not None:
        return "speech_stopped", stopped
    return None, None


def scenario_metrics(log: Sequence[Entry], rate: int = 24000) -> Metrics:
    """Connect time, time to ``session.created``, response latency, total, reply audio seconds."""
    connecting = _mark_time(log, "connecting", last=True)
    connected = _mark_time(log, "connected")
    anchor, anchor_t = _anchor(log)
    first_audio = next(
        (
            e.t
            for e in log
            if isinstance(e.item, OutputAudioDelta | InboundAudio) and e.t >= (anchor_t or 0.0)
        ),
        None,
    )
    audio, _ = output_audio(log)
    latency = _diff(first_audio, anchor_t)
    return Metrics(
        connect_s=_diff(connected, connecting),
        session_created_s=_first(log, SessionCreated),
        first_audio_s=latency,
        first_audio_from=anchor if latency is not None else None,
        total_s=log[-1].t if log else None,
        audio_s=round(duration_seconds(len(audio), rate), 3),
        secret_minted_s=_diff(_mark_time(log, "secret_minted"), connecting),
        sdp_exchanged_s=_diff(_mark_time(log, "sdp_exchanged"), connecting),
    )


def _diff(end: float | None, start: float | None) -> float | None:
    return None if end is None or start is None else round(end - start, 4)
