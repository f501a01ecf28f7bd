from __future__ import annotations

import numpy as np
import pytest

from emulator.realtime.speech import MAX_TTS_CHARS, Synthesizer, engine_name, synthesize

ENGINES = ["flite", "espeak"]


def _active_ms(pcm: np.ndarray, rate: int) -> float:
    loud = np.nonzero(np.abs(pcm.astype(np.int32)) > 328)[0]
    return (loud[-1] - loud[0]) * 1000 / rate


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rate", [24000, 16000, 8000])
def test_synthesis_is_audible_speech_of_plausible_length(engine: str, rate: int) -> None:
    pcm = Synthesizer(engine).synthesize("Blue harbor seven.", rate)
    assert pcm.dtype == np.int16 and pcm.ndim == 1
    rms = float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)))
    assert rms > 300  # well above silence (-40 dBFS)
    # three words: roughly 0.6-2.5 s of speech at any rate
    assert 600 < _active_ms(pcm, rate) < 2500
    assert 0.5 < pcm.size / rate < 3.5


def test_default_engine_is_flite_kal16_when_installed() -> None:
    assert engine_name() == "flite/kal16"
    assert synthesize("hello", 24000).size > 0


def test_cache_returns_the_identical_read_only_array() -> None:
    synth = Synthesizer("flite")
    first = synth.synthesize("Green river three.")
    again = synth.synthesize("Green river three.")
    assert again is first
    assert not first.flags.writeable
    assert synth.synthesize("Green river three.", 16000).size < first.size


def test_cache_is_bounded() -> None:
    synth = Synthesizer("flite", cache_size=2)
    first = synth.synthesize("one")
    synth.synthesize("two")
    synth.synthesize("three")
    assert synth.synthesize("one") is not first
    # flite is deterministic across processes and calls, so the re-rendered audio is equal
    assert np.array_equal(synth.synthesize("one"), first)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", ["", "   ", "...", "\u4f60\u597d"])
def test_nothing_speakable_gives_empty_audio(engine: str, text: str) -> None:
    assert Synthesizer(engine).synthesize(text).size == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_hostile_and_non_ascii_text_is_spoken_as_text(engine: str, tmp_path) -> None:
    marker = tmp_path / "pwned"
    text = f'caf\u00e9 na\u00efve "; touch {marker}; $(touch {marker}) `touch {marker}` -o {marker}'
    pcm = Synthesizer(engine).synthesize(text)
    assert pcm.size > 24000
    assert not marker.exists()


def test_long_text_is_capped() -> None:
    synth = Synthesizer("flite")
    pcm = synth.synthesize("harbor " * 1000)
    capped = synth.synthesize("harbor " * (MAX_TTS_CHARS // 7))
    assert abs(pcm.size - capped.size) < 24000
    assert pcm.size / 24000 < 120


def test_unknown_engine_is_rejected() -> None:
    with pytest.raises(ValueError):
        Synthesizer("festival")
