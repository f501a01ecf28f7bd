"""Run a sans-I/O ``RealtimeSession`` to quiescence synchronously (jobs inline, no pacing)."""

from __future__ import annotations

import json
from typing import Any

from emulator.realtime.session import RealtimeSession
from emulator.realtime.speech_jobs import (
    CancelRecognition,
    FeedRecognition,
    Job,
    StartRecognition,
    Synthesize,
    Transcribe,
)


def pump(
    session: RealtimeSession, *, run_jobs: bool = True, stream: bool = True, max_steps: int = 10_000
) -> list[dict[str, Any]]:
    """Drain events, run jobs and stream the active response until nothing is left to do.

    Recognition streams are kept per session; a streamed turn must commit exactly the bytes
    that were streamed (asserted here, on every test that runs a VAD turn).
    """
    streams: dict[str, bytearray] = session.__dict__.setdefault("_test_streams", {})
    out: list[dict[str, Any]] = []
    for _ in range(max_steps):
        out += session.events_to_send()
        jobs = session.jobs_to_run() if run_jobs else []
        for job in jobs:
            _run(session, job, streams)
        out += session.events_to_send()  # what the jobs' results produced comes first
        if stream and session.streaming:
            out += session.stream_step()
            continue
        if not jobs:
            out += session.events_to_send()
            return out
    raise AssertionError("session did not settle")


def _run(session: RealtimeSession, job: Job, streams: dict[str, bytearray]) -> None:
    if isinstance(job, StartRecognition):
        assert job.stream_id not in streams
        streams[job.stream_id] = bytearray(job.pcm)
    elif isinstance(job, FeedRecognition):
        streams[job.stream_id] += job.pcm
    elif isinstance(job, CancelRecognition):
        del streams[job.stream_id]
    elif isinstance(job, Transcribe):
        if job.stream_id is not None:
            assert bytes(streams.pop(job.stream_id)) == job.pcm, "streamed != committed audio"
        session.job_done(job, session.speech.transcribe(job.pcm))
    else:
        assert isinstance(job, Synthesize)
        session.job_done(job, session.speech.synthesize(job.text, job.voice))


def send(rt: RealtimeSession, /, **event: Any) -> None:
    """Send a client event as JSON text."""
    rt.receive_text(json.dumps(event))
