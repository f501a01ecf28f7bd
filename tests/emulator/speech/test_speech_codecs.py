from __future__ import annotations

import numpy as np
import pytest

from emulator.realtime.speech import (
    G711_RATE,
    alaw_to_pcm16,
    as_pcm16,
    pcm16_to_alaw,
    pcm16_to_ulaw,
    resample,
    ulaw_to_pcm16,
)

ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)
CODECS = [(pcm16_to_ulaw, ulaw_to_pcm16), (pcm16_to_alaw, alaw_to_pcm16)]


@pytest.mark.parametrize(("encode", "decode"), CODECS)
def test_round_trip_error_is_bounded(encode, decode) -> None:
    decoded = decode(encode(ALL_SAMPLES)).astype(np.int32)
    error = np.abs(decoded - ALL_SAMPLES.astype(np.int32))
    magnitude = np.abs(ALL_SAMPLES.astype(np.int32))
    # G.711 steps double per segment, so the error is absolute near zero and relative above:
    # measured maxima are 7-8 LSB below 64, 5.1 % (µ-law) / 3.1 % (A-law) from 256 upwards,
    # 644 LSB overall (µ-law clips at ±32124).
    assert error[magnitude < 64].max() <= 8
    assert (error[magnitude >= 256] / magnitude[magnitude >= 256]).max() < 0.052
    assert (error[magnitude >= 1024] / magnitude[magnitude >= 1024]).max() < 0.036
    assert error.max() <= 644


@pytest.mark.parametrize(("encode", "decode"), CODECS)
def test_decode_then_encode_is_identity(encode, decode) -> None:
    codes = bytes(range(256))
    # µ-law has two codes for zero (0x7F and 0xFF); both decode to 0, which encodes to 0xFF.
    reencoded = encode(decode(codes))
    mismatches = [c for c, r in zip(codes, reencoded, strict=True) if c != r]
    assert mismatches in ([], [0x7F])


def test_known_g711_code_points() -> None:
    assert pcm16_to_ulaw(np.array([0, -1, 32767, -32768], np.int16)) == bytes(
        [0xFF, 0x7E, 0x80, 0x00]
    )
    assert pcm16_to_alaw(np.array([0, -1, 32767, -32768], np.int16)) == bytes(
        [0xD5, 0x55, 0xAA, 0x2A]
    )
    assert ulaw_to_pcm16(b"\x80\x00").tolist() == [32124, -32124]
    assert alaw_to_pcm16(b"\xaa\x2a").tolist() == [32256, -32256]


def test_encoders_accept_bytes_and_keep_one_byte_per_sample() -> None:
    pcm = np.array([100, -100, 2000], np.int16)
    assert pcm16_to_ulaw(pcm.tobytes()) == pcm16_to_ulaw(pcm)
    assert len(pcm16_to_alaw(pcm)) == 3


def test_as_pcm16_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        as_pcm16(b"\x00\x01\x02")
    with pytest.raises(TypeError):
        as_pcm16(np.zeros(4, np.float32))


def test_resample_to_g711_rate_keeps_duration_and_tone() -> None:
    t = np.arange(24000) / 24000
    tone = (10000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    low = resample(tone, 24000, G711_RATE)
    assert low.dtype == np.int16 and low.size == 8000
    spectrum = np.abs(np.fft.rfft(low.astype(np.float64)))
    assert abs(int(np.argmax(spectrum)) - 440) <= 1
    assert resample(tone, 24000, 24000) is not tone
    assert resample(np.zeros(0, np.int16), 24000, 16000).size == 0
