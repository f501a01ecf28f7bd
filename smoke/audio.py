"""PCM16 helpers: WAV in/out, resampling to the session rate, chunking, duration, loudness.

Realtime sessions carry 16-bit little-endian mono PCM at 24 kHz (48 000 bytes per second).
Samples are numpy ``int16`` arrays; wire audio is ``bytes``.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from smoke.errors import AudioError

__all__ = [
    "SESSION_RATE",
    "Clip",
    "chunk_bytes",
    "decode_g711",
    "duration_seconds",
    "from_bytes",
    "read_wav",
    "resample",
    "rms_dbfs",
    "silence",
    "to_bytes",
    "write_wav",
]

SESSION_RATE = 24000
_SILENCE_DBFS = -120.0


@dataclass(frozen=True)
class Clip:
    """Mono PCM16 samples at ``rate`` Hz."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


def read_wav(path: str | Path, *, rate: int = SESSION_RATE) -> Clip:
    """Read a PCM WAV (8/16/32-bit, any channel count) as mono PCM16 resampled to ``rate``."""
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, src_rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise AudioError(f"{path}: no such file") from None
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"{path}: not a PCM WAV file ({exc})") from None
    samples = _to_int16(frames, width, path)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
    if len(samples) == 0:
        raise AudioError(f"{path}: contains no audio")
    return Clip(resample(samples, src_rate, rate), rate)


def _to_int16(frames: bytes, width: int, path: str | Path) -> np.ndarray:
    if width == 2:
        return np.frombuffer(frames, dtype="<i2").astype(np.int16)
    if width == 1:  # unsigned 8-bit
        unsigned = np.frombuffer(frames, dtype=np.uint8).astype(np.int16)
        return ((unsigned - 128) << 8).astype(np.int16)
    if width == 4:
        return (np.frombuffer(frames, dtype="<i4") >> 16).astype(np.int16)
    raise AudioError(f"{path}: {8 * width}-bit samples are not supported (use 8, 16 or 32)")


def write_wav(path: str | Path, samples: np.ndarray | bytes, rate: int = SESSION_RATE) -> Path:
    """Write mono PCM16 ``samples`` (array or little-endian bytes) to ``path``."""
    data = samples if isinstance(samples, bytes) else to_bytes(samples)
    path = Path(path)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(data)
    return path


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Resample int16 ``samples`` from ``src_rate`` to ``dst_rate`` (soxr, high quality)."""
    if src_rate == dst_rate or len(samples) == 0:
        return samples.astype(np.int16, copy=False)
    import soxr  # imported here: only needed for non-24 kHz inputs

    out: np.ndarray = soxr.resample(samples.astype(np.float32) / 32768.0, src_rate, dst_rate)
    return np.clip(np.round(out * 32768.0), -32768, 32767).astype(np.int16)


def to_bytes(samples: np.ndarray) -> bytes:
    """int16 samples → little-endian PCM16 bytes."""
    return samples.astype("<i2", copy=False).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    """Little-endian PCM16 bytes → int16 samples; an odd trailing byte is an error."""
    if len(data) % 2:
        raise AudioError(f"PCM16 audio must have an even byte count, got {len(data)}")
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def silence(ms: int, rate: int = SESSION_RATE) -> bytes:
    """``ms`` milliseconds of digital silence as PCM16 bytes."""
    return bytes(2 * (rate * ms // 1000))


def chunk_bytes(data: bytes, rate: int = SESSION_RATE, ms: int = 100) -> Iterator[bytes]:
    """Split PCM16 ``data`` into ~``ms`` millisecond chunks (the last may be shorter)."""
    size = max(2, 2 * (rate * ms // 1000))
    for start in range(0, len(data), size):
        yield data[start : start + size]


def duration_seconds(nbytes: int, rate: int = SESSION_RATE) -> float:
    """Duration of ``nbytes`` of mono PCM16 at ``rate``."""
    return nbytes / (2 * rate) if rate else 0.0


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS level in dBFS (0 = full-scale square wave); -120 for empty or digital silence."""
    if len(samples) == 0:
        return _SILENCE_DBFS
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))
    return max(_SILENCE_DBFS, 20.0 * np.log10(rms / 32768.0)) if rms > 0 else _SILENCE_DBFS


def decode_g711(data: bytes, law: str) -> np.ndarray:
    """Decode G.711 ``ulaw`` or ``alaw`` bytes to int16 samples (ITU-T G.711 expansion)."""
    codes = np.frombuffer(data, dtype=np.uint8)
    if law == "ulaw":
        u = ~codes & 0xFF
        exponent = (u >> 4) & 0x07
        mantissa = (u & 0x0F).astype(np.int32)
        magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
        return np.where(u & 0x80, -magnitude, magnitude).astype(np.int16)
    if law == "alaw":
        a = codes ^ 0x55
        exponent = ((a >> 4) & 0x07).astype(np.int32)
        mantissa = (a & 0x0F).astype(np.int32)
        magnitude = np.where(
            exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1)
        )
        return np.where(a & 0x80, magnitude, -magnitude).astype(np.int16)
    raise AudioError(f"unknown G.711 law {law!r}; use ulaw or alaw")
