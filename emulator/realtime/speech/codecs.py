"""PCM16 ↔ G.711 (µ-law, A-law) in numpy, and a soxr resampling helper.

``audioop`` is deprecated (gone in Python 3.13), so the codecs are table-driven: decoding is
a 256-entry lookup, encoding a 65 536-entry lookup built once from the G.711 segment rules.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr

__all__ = [
    "G711_RATE",
    "alaw_to_pcm16",
    "as_pcm16",
    "pcm16_to_alaw",
    "pcm16_to_ulaw",
    "resample",
    "ulaw_to_pcm16",
]

Pcm16 = npt.NDArray[np.int16]

#: G.711 is defined at 8 kHz; the realtime API's ``audio/pcmu``/``audio/pcma`` use this rate.
G711_RATE = 8000

_ULAW_BIAS = 0x84
_ULAW_CLIP = 32635


def as_pcm16(audio: bytes | bytearray | memoryview | npt.ArrayLike) -> Pcm16:
    """View little-endian PCM16 bytes, or convert an array, as a 1-D int16 array."""
    if isinstance(audio, bytes | bytearray | memoryview):
        raw = bytes(audio)
        if len(raw) % 2:
            raise ValueError("PCM16 data must have an even number of bytes")
        return np.frombuffer(raw, dtype="<i2").astype(np.int16, copy=False)
    array = np.asarray(audio)
    if array.dtype != np.int16:
        raise TypeError(f"expected int16 samples, got {array.dtype}")
    return array.reshape(-1)


def _segment(magnitude: npt.NDArray[np.int32], shift: int) -> npt.NDArray[np.int32]:
    # Position of the highest set bit above the 'shift' low bits, clipped to segments 0..7.
    seg = np.zeros_like(magnitude)
    for bit in range(1, 8):
        seg[magnitude >= (1 << (bit + shift))] = bit
    return seg


def _ulaw_encode_all() -> npt.NDArray[np.uint8]:
    # Work on 14-bit values with an arithmetic shift, as the ITU reference code does, so that
    # negative samples round the same way as every other G.711 implementation.
    pcm14 = np.arange(-32768, 32768, dtype=np.int32) >> 2
    sign = np.where(pcm14 < 0, 0x80, 0x00)
    magnitude = np.minimum(np.abs(pcm14), _ULAW_CLIP >> 2) + (_ULAW_BIAS >> 2)
    seg = _segment(magnitude, 5)
    mantissa = (magnitude >> (seg + 1)) & 0x0F
    return (~(sign | (seg << 4) | mantissa) & 0xFF).astype(np.uint8)


def _ulaw_decode_all() -> Pcm16:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    seg = (code >> 4) & 0x07
    magnitude = (((code & 0x0F) << 3) + _ULAW_BIAS) << seg
    return np.where(code & 0x80, _ULAW_BIAS - magnitude, magnitude - _ULAW_BIAS).astype(np.int16)


def _alaw_encode_all() -> npt.NDArray[np.uint8]:
    pcm = np.arange(-32768, 32768, dtype=np.int32)
    sign = np.where(pcm >= 0, 0x80, 0x00)
    # A-law works on 13-bit magnitudes; negative values are one's-complemented per G.711.
    magnitude = np.where(pcm >= 0, pcm, -pcm - 1) >> 3
    seg = _segment(magnitude, 4)
    mantissa = np.where(seg == 0, magnitude >> 1, magnitude >> seg) & 0x0F
    return ((sign | (seg << 4) | mantissa) ^ 0x55).astype(np.uint8)


def _alaw_decode_all() -> Pcm16:
    code = np.arange(256, dtype=np.int32) ^ 0x55
    seg = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = np.where(seg == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (seg - 1))
    return np.where(code & 0x80, magnitude, -magnitude).astype(np.int16)


_ULAW_ENCODE = _ulaw_encode_all()
_ULAW_DECODE = _ulaw_decode_all()
_ALAW_ENCODE = _alaw_encode_all()
_ALAW_DECODE = _alaw_decode_all()


def pcm16_to_ulaw(pcm: bytes | npt.ArrayLike) -> bytes:
    """Encode PCM16 samples as G.711 µ-law, one byte per sample (rate unchanged)."""
    return _ULAW_ENCODE[as_pcm16(pcm).astype(np.int32) + 32768].tobytes()


def ulaw_to_pcm16(data: bytes | bytearray | memoryview) -> Pcm16:
    """Decode G.711 µ-law bytes to PCM16 samples."""
    return _ULAW_DECODE[np.frombuffer(bytes(data), dtype=np.uint8)]


def pcm16_to_alaw(pcm: bytes | npt.ArrayLike) -> bytes:
    """Encode PCM16 samples as G.711 A-law, one byte per sample (rate unchanged)."""
    return _ALAW_ENCODE[as_pcm16(pcm).astype(np.int32) + 32768].tobytes()


def alaw_to_pcm16(data: bytes | bytearray | memoryview) -> Pcm16:
    """Decode G.711 A-law bytes to PCM16 samples."""
    return _ALAW_DECODE[np.frombuffer(bytes(data), dtype=np.uint8)]


def resample(pcm: bytes | npt.ArrayLike, from_rate: int, to_rate: int) -> Pcm16:
    """Resample mono PCM16 with soxr (high quality); returns a new int16 array."""
    samples = as_pcm16(pcm)
    if from_rate == to_rate or samples.size == 0:
        return samples.copy()
    return np.asarray(soxr.resample(samples, from_rate, to_rate), dtype=np.int16)
