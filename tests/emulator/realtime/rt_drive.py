"""Run a sans-I/O ``RealtimeSession`` to quiescence synchronously (jobs inline, no pacing)."""

from __future__ import annotations

import json
from typing import Any

from emulator.realtime.session import RealtimeSession, Synthesize, Transcribe


def pump(
    session: RealtimeSession, *, run_jobs: bool = True, stream: bool = True, max_steps: int = 10_000
) -> list[dict[str, Any]]:
    """Drain events, run jobs and stream the active response until nothing is left to do."""
    out: list[dict[str, Any]] = []
    for _ in range(max_steps):
        out += session.events_to_send()
        jobs = session.jobs_to_run() if run_jobs else []
        for job in jobs:
            if isinstance(job, Transcribe):
                session.job_done(job, session.speech.transcribe(job.pcm))
            else:
                assert isinstance(job, Synthesize)
                session.job_done(job, session.speech.synthesize(job.text, job.voice))
        out += session.events_to_send()  # what the jobs' results produced comes first
        if stream and session.streaming:
            out += session.stream_step()
            continue
        if not jobs:
            out += session.events_to_send()
            return out
    raise AssertionError("session did not settle")


def send(rt: RealtimeSession, /, **event: Any) -> None:
    """Send a client event as JSON text."""
    rt.receive_text(json.dumps(event))
