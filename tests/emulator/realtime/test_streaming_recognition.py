"""The session streams a VAD turn to the recogniser while it is spoken (sans-I/O jobs)."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

from rt_drive import send
from rt_fakes import FakeSpeech, silence, tone
from test_session import b64, make

from emulator.realtime.offline_speech import _Vad
from emulator.realtime.speech.vad import VadConfig
from emulator.realtime.speech_jobs import (
    CancelRecognition,
    FeedRecognition,
    Job,
    PauseRecognition,
    StartRecognition,
    Transcribe,
)

FIXTURES = Path(__file__).resolve().parents[3] / "smoke" / "fixtures"


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


class RealVadSpeech(FakeSpeech):
    """Canned recognition, but the emulator's own VAD (with its pause/resume events)."""

    def vad(self, turn_detection: dict[str, Any], start_ms: int) -> _Vad:
        return _Vad(VadConfig.from_turn_detection(turn_detection), start_ms)


def test_the_final_pass_is_asked_for_in_the_silence_window_before_the_turn_ends() -> None:
    with wave.open(str(FIXTURES / "repeat_blue_harbor_seven.wav"), "rb") as wav:
        pcm = wav.readframes(wav.getnframes()) + silence(1000)
    s = make("ga", RealVadSpeech())
    s.events_to_send()
    jobs = speak(s, [pcm[i : i + 4800] for i in range(0, len(pcm), 4800)])
    kinds = [type(j).__name__ for j in jobs]
    assert kinds.count("PauseRecognition") == 1 and "ResumeRecognition" not in kinds
    pause = next(j for j in jobs if isinstance(j, PauseRecognition))
    start = next(j for j in jobs if isinstance(j, StartRecognition))
    transcribe = next(j for j in jobs if isinstance(j, Transcribe))
    assert pause.stream_id == start.stream_id == transcribe.stream_id
    # after the pause, only the rest of the silence window is fed before the turn ends
    between = jobs[jobs.index(pause) + 1 : jobs.index(transcribe)]
    assert between and all(isinstance(j, FeedRecognition) for j in between)
    assert sum(len(j.pcm) for j in between) <= 200 * 48
