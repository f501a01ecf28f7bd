"""The session streams a VAD turn to the recogniser while it is spoken (sans-I/O jobs)."""

from __future__ import annotations

from rt_drive import send
from rt_fakes import silence, tone
from test_session import b64, make

from emulator.realtime.speech_jobs import (
    CancelRecognition,
    FeedRecognition,
    Job,
    StartRecognition,
    Transcribe,
)


def speak(s, chunks: list[bytes]) -> list[Job]:
    jobs: list[Job] = []
    for chunk in chunks:
        send(s, type="input_audio_buffer.append", audio=b64(chunk))
        jobs += s.jobs_to_run()
    return jobs


def test_a_vad_turn_is_streamed_and_its_transcript_finishes_the_stream() -> None:
    s = make("ga")
    s.events_to_send()
    jobs = speak(s, [silence(400)] + [tone(100)] * 8 + [silence(100)] * 4)
    kinds = [type(j).__name__ for j in jobs]
    assert kinds[0] == "StartRecognition" and kinds[-1] == "Transcribe"
    assert set(kinds[1:-1]) == {"FeedRecognition"}  # everything after the start, as it came
    start, transcribe = jobs[0], jobs[-1]
    assert isinstance(start, StartRecognition) and isinstance(transcribe, Transcribe)
    assert transcribe.stream_id == start.stream_id
    streamed = start.pcm + b"".join(j.pcm for j in jobs if isinstance(j, FeedRecognition))
    assert streamed == transcribe.pcm
    # the stream began with the prefix padding: 300 ms before the first voiced frame
    assert len(start.pcm) == (300 + 100) * 48


def test_clearing_the_buffer_cancels_the_stream() -> None:
    s = make("ga")
    s.events_to_send()
    jobs = speak(s, [silence(200)] + [tone(100)] * 3)
    send(s, type="input_audio_buffer.clear")
    jobs += s.jobs_to_run()
    start = next(j for j in jobs if isinstance(j, StartRecognition))
    assert isinstance(jobs[-1], CancelRecognition) and jobs[-1].stream_id == start.stream_id


def test_a_manual_commit_mid_speech_decodes_the_whole_buffer() -> None:
    s = make("ga")
    s.events_to_send()
    jobs = speak(s, [silence(500)] + [tone(100)] * 3)
    send(s, type="input_audio_buffer.commit")
    jobs += s.jobs_to_run()
    transcribe = jobs[-1]
    assert isinstance(transcribe, Transcribe) and transcribe.stream_id is None
    assert len(transcribe.pcm) == 800 * 48  # the whole buffer, not only the speech
    assert any(isinstance(j, CancelRecognition) for j in jobs)


def test_without_turn_detection_nothing_is_streamed() -> None:
    s = make("ga")
    send(
        s,
        type="session.update",
        session={"type": "realtime", "audio": {"input": {"turn_detection": None}}},
    )
    jobs = speak(s, [tone(500)])
    send(s, type="input_audio_buffer.commit")
    jobs += s.jobs_to_run()
    assert [type(j).__name__ for j in jobs] == ["Transcribe"]
