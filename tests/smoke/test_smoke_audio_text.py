"""Audio helpers and text normalisation."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from smoke import audio, text
from smoke.errors import AudioError


def sine(rate: int, seconds: float, level: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (level * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def test_wav_round_trip_and_resampling(tmp_path):
    path = audio.write_wav(tmp_path / "a.wav", sine(16000, 0.5), 16000)
    clip = audio.read_wav(path)
    assert clip.rate == 24000 and abs(clip.seconds - 0.5) < 0.01
    assert -10 < audio.rms_dbfs(clip.samples) < -5


def test_stereo_and_8bit_wavs_are_accepted(tmp_path):
    path = tmp_path / "s.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(1)
        w.setframerate(24000)
        w.writeframes(bytes([128, 128] * 2400))
    clip = audio.read_wav(path)
    assert len(clip.samples) == 2400 and audio.rms_dbfs(clip.samples) == -120.0


def test_bad_wavs_are_audio_errors(tmp_path):
    (tmp_path / "x.wav").write_bytes(b"RIFF nonsense")
    with pytest.raises(AudioError, match="not a PCM WAV"):
        audio.read_wav(tmp_path / "x.wav")
    with pytest.raises(AudioError, match="no such file"):
        audio.read_wav(tmp_path / "missing.wav")


def test_chunking_silence_and_duration():
    data = audio.silence(250)
    assert len(data) == 12000 and audio.duration_seconds(len(data)) == 0.25
    sizes = [len(c) for c in audio.chunk_bytes(data, ms=100)]
    assert sizes == [4800, 4800, 2400]
    with pytest.raises(AudioError):
        audio.from_bytes(b"\x00\x01\x02")


def test_g711_decoding():
    assert audio.decode_g711(bytes([0xFF, 0x00]), "ulaw").tolist() == [0, -32124]
    assert audio.decode_g711(bytes([0xD5, 0xAA]), "alaw").tolist() == [8, 32256]
    with pytest.raises(AudioError):
        audio.decode_g711(b"\x00", "mulaw")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("Blue-harbor, 7!", ["blue", "harbor", "seven"]),
        ("29", ["twenty", "nine"]),
        ("twenty-nine", ["twenty", "nine"]),
        ("1,204", ["one", "thousand", "two", "hundred", "four"]),
        ("It's 3.5", ["its", "three", "point", "five"]),
        ("100 2000000", ["one", "hundred", "two", "million"]),
    ],
)
def test_normalise(raw, words):
    assert text.normalise(raw) == words


def test_missing_words_and_wer():
    assert text.missing_words("blue harbor 7", "Blue harbor seven.") == []
    assert text.missing_words(["red", "fox"], "a red dog") == ["fox"]
    assert text.word_error_rate("repeat after me", "repeat after me") == 0.0
    assert text.word_error_rate("a b c d", "a x c") == 0.5
    assert text.word_error_rate("", "") == 0.0
