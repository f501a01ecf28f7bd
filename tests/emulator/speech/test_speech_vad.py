from __future__ import annotations

import numpy as np
import pytest

from emulator.realtime.speech import (
    SEMANTIC_SILENCE_MS,
    SpeechStarted,
    SpeechStopped,
    StreamingVad,
    VadConfig,
)

RATE = 24000
LEAD_MS, GAP_MS, TAIL_MS = 1000, 1500, 1200
TOLERANCE_MS = 60  # webrtcvad works on 30 ms frames and hangs on ~70 ms after a word


def _speech(load_wav) -> tuple[np.ndarray, int, int]:
    """The fixture's speech only (its own padding trimmed), with its true span in ms."""
    pcm, _ = load_wav("repeat_blue_harbor_seven.wav")
    loud = np.nonzero(np.abs(pcm.astype(np.int32)) > 328)[0]
    return pcm[loud[0] : loud[-1] + 1], 0, (loud[-1] - loud[0]) * 1000 // RATE


def _silence(ms: int) -> np.ndarray:
    return np.zeros(RATE * ms // 1000, dtype=np.int16)


@pytest.fixture(scope="module")
def signal(load_wav) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """silence + speech + silence + speech + silence, with the true speech spans (ms)."""
    speech, _, length = _speech(load_wav)
    second = LEAD_MS + length + GAP_MS
    pcm = np.concatenate([_silence(LEAD_MS), speech, _silence(GAP_MS), speech, _silence(TAIL_MS)])
    return pcm, [(LEAD_MS, LEAD_MS + length), (second, second + length)]


def run(vad: StreamingVad, pcm: np.ndarray, chunk: int) -> list[object]:
    events: list[object] = []
    for i in range(0, len(pcm), chunk):
        events += vad.push(pcm[i : i + chunk])
    return events + vad.flush()


@pytest.mark.parametrize("chunk", [37, 480, 2400, 9600, 10**7])
def test_detects_both_utterances_for_any_chunking(signal, chunk: int) -> None:
    pcm, spans = signal
    config = VadConfig(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=500)
    events = run(StreamingVad(config), pcm, chunk)
    assert [type(e) for e in events] == [SpeechStarted, SpeechStopped] * 2
    for (start, end), started, stopped in zip(spans, events[::2], events[1::2], strict=True):
        assert abs(started.audio_start_ms - (start - 300)) <= TOLERANCE_MS
        assert 0 <= stopped.speech_end_ms - end <= 150
        assert stopped.audio_end_ms == stopped.speech_end_ms + 500


def test_results_do_not_depend_on_chunking(signal) -> None:
    pcm, _ = signal
    reference = run(StreamingVad(), pcm, 4800)
    assert run(StreamingVad(), pcm, 333) == reference
    assert run(StreamingVad(), pcm.tobytes(), 4800 * 2 + 1) == reference


def test_prefix_padding_is_clamped_at_stream_start(load_wav) -> None:
    speech, _, _ = _speech(load_wav)
    pcm = np.concatenate([_silence(100), speech, _silence(1000)])
    events = run(StreamingVad(VadConfig(prefix_padding_ms=300)), pcm, 2400)
    assert events[0] == SpeechStarted(audio_start_ms=0)


def test_short_pause_below_silence_duration_keeps_one_segment(load_wav) -> None:
    speech, _, _ = _speech(load_wav)
    pcm = np.concatenate([_silence(500), speech, _silence(400), speech, _silence(1500)])
    long_hangover = run(StreamingVad(VadConfig(silence_duration_ms=800)), pcm, 4800)
    short_hangover = run(StreamingVad(VadConfig(silence_duration_ms=200)), pcm, 4800)
    assert [type(e) for e in long_hangover] == [SpeechStarted, SpeechStopped]
    assert [type(e) for e in short_hangover] == [SpeechStarted, SpeechStopped] * 2


def test_stopped_is_emitted_once_the_silence_has_been_pushed(load_wav) -> None:
    speech, _, _ = _speech(load_wav)
    vad = StreamingVad(VadConfig(silence_duration_ms=500))
    events = vad.push(np.concatenate([_silence(300), speech]))
    assert [type(e) for e in events] == [SpeechStarted]
    assert vad.in_speech
    assert vad.push(_silence(300)) == []
    stopped = vad.push(_silence(400))
    assert len(stopped) == 1 and isinstance(stopped[0], SpeechStopped)
    assert stopped[0].audio_end_ms <= vad.position_ms


def test_flush_closes_an_open_segment_at_the_end_of_audio(load_wav) -> None:
    speech, _, _ = _speech(load_wav)
    vad = StreamingVad(VadConfig(silence_duration_ms=500))
    assert len(vad.push(np.concatenate([_silence(300), speech]))) == 1
    (stopped,) = vad.flush()
    assert isinstance(stopped, SpeechStopped)
    assert stopped.audio_end_ms <= vad.position_ms
    assert not vad.in_speech


@pytest.mark.parametrize("noise_rms", [0, 30])
def test_silence_and_hiss_produce_no_events(noise_rms: int) -> None:
    pcm = np.random.default_rng(0).normal(0, noise_rms + 1e-9, RATE * 3).astype(np.int16)
    assert run(StreamingVad(), pcm, 2400) == []


def test_threshold_controls_sensitivity_to_short_bursts() -> None:
    # webrtcvad itself hangs on for ~150 ms after a 60 ms tone, so only a high ratio rejects it
    burst = (8000 * np.sin(2 * np.pi * 300 * np.arange(RATE * 60 // 1000) / RATE)).astype(np.int16)
    pcm = np.concatenate([_silence(500), burst, _silence(1000)])
    assert [type(e) for e in run(StreamingVad(VadConfig(threshold=0.3)), pcm, 2400)] == [
        SpeechStarted,
        SpeechStopped,
    ]
    assert run(StreamingVad(VadConfig(threshold=0.9)), pcm, 2400) == []


@pytest.mark.parametrize("rate", [16000, 48000])
def test_other_input_rates(signal, rate: int) -> None:
    import soxr

    pcm, spans = signal
    resampled = np.asarray(soxr.resample(pcm, RATE, rate), dtype=np.int16)
    events = run(StreamingVad(input_rate=rate), resampled, rate // 10)
    assert abs(events[0].audio_start_ms - (spans[0][0] - 300)) <= TOLERANCE_MS
    assert len(events) == 4


def test_turn_detection_mapping() -> None:
    server = VadConfig.from_turn_detection(
        {
            "type": "server_vad",
            "threshold": 0.7,
            "prefix_padding_ms": 100,
            "silence_duration_ms": 650,
        }
    )
    assert server == VadConfig(threshold=0.7, prefix_padding_ms=100, silence_duration_ms=650)
    assert server.onset_frames == 7
    assert VadConfig.from_turn_detection({"type": "server_vad", "threshold": None}) == VadConfig()
    for eagerness, hangover in SEMANTIC_SILENCE_MS.items():
        semantic = VadConfig.from_turn_detection({"type": "semantic_vad", "eagerness": eagerness})
        assert semantic.silence_duration_ms == hangover
    assert SEMANTIC_SILENCE_MS["low"] > SEMANTIC_SILENCE_MS["medium"] > SEMANTIC_SILENCE_MS["high"]
    assert SEMANTIC_SILENCE_MS["auto"] == SEMANTIC_SILENCE_MS["medium"]
    with pytest.raises(ValueError):
        VadConfig.from_turn_detection({"type": "push_to_talk"})
    with pytest.raises(ValueError):
        VadConfig(threshold=1.5)
    with pytest.raises(ValueError):
        VadConfig.semantic("eager")


@pytest.mark.parametrize(
    "name",
    [
        "repeat_blue_harbor_seven.wav",
        "repeat_green_river_three.wav",
        "repeat_hello_world.wav",
        "what_is_the_weather.wav",
    ],
)
def test_turn_ends_at_the_end_of_speech_plus_the_silence_window(load_wav, prompts, name) -> None:
    # webrtcvad's own hangover put the end 70-125 ms after the speech; the resampler's
    # look-ahead then held the decision back by a whole chunk when it fell near a chunk end
    pcm, _ = load_wav(name)
    pcm = np.concatenate([pcm, _silence(1000)])
    chunk_ms = 100
    vad = StreamingVad(VadConfig(silence_duration_ms=200))
    stops = []
    for start in range(0, pcm.size, RATE * chunk_ms // 1000):
        for ev in vad.push(pcm[start : start + RATE * chunk_ms // 1000]):
            if isinstance(ev, SpeechStopped):
                stops.append((ev, (start * 1000 // RATE) + chunk_ms))
    ((stopped, chunk_end_ms),) = stops
    speech_end = int(prompts[name]["speech_end_ms"])
    assert 0 <= stopped.speech_end_ms - speech_end <= 40  # within one 30 ms frame (+ rounding)
    assert stopped.audio_end_ms == stopped.speech_end_ms + 200
    frame_end = -(-stopped.audio_end_ms // 30) * 30  # the frame that completes the silence
    assert frame_end <= chunk_end_ms < frame_end + chunk_ms  # decided in that frame's chunk
