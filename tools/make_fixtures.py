"""Regenerate the spoken test prompts in smoke/fixtures/ (flite kal16 → 24 kHz PCM16 WAV).

Usage: python tools/make_fixtures.py [--out smoke/fixtures]

Needs the ``flite`` binary (apt-get install flite). Each WAV has 0.3 s of leading and 0.8 s of
trailing silence so a server VAD can find both edges. Phrases were checked to be transcribed
exactly by pocketsphinx (the emulator's recogniser); words the recogniser finds fragile on
synthetic speech ("a", "at", "catch that") are avoided.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import soxr

RATE = 24000
LEAD_S = 0.3
TRAIL_S = 0.8

# file stem → (prompt spoken by the user, words expected in the reply)
PROMPTS: dict[str, tuple[str, list[str]]] = {
    "repeat_blue_harbor_seven": ("repeat after me blue harbor seven", ["blue", "harbor", "seven"]),
    "repeat_green_river_three": ("repeat after me green river three", ["green", "river", "three"]),
    "repeat_hello_world": ("repeat after me hello world", ["hello", "world"]),
    "what_is_the_weather": (
        "what is the weather like today",
        ["you", "said", "what", "is", "the", "weather", "like", "today"],
    ),
}


def speak(text: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav_path = Path(tmp, "out.wav")
        subprocess.run(
            ["flite", "-voice", "kal16", "-t", text, "-o", str(wav_path)],
            check=True,
            capture_output=True,
        )
        with wave.open(str(wav_path), "rb") as wav:
            rate = wav.getframerate()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    audio = np.asarray(soxr.resample(pcm, rate, RATE), dtype=np.int16)
    lead = np.zeros(int(LEAD_S * RATE), dtype=np.int16)
    trail = np.zeros(int(TRAIL_S * RATE), dtype=np.int16)
    return np.concatenate([lead, audio, trail])


def speech_edges_ms(pcm: np.ndarray) -> tuple[int, int]:
    """First and last sample above -40 dBFS, in ms: the true speech span for VAD checks."""
    loud = np.nonzero(np.abs(pcm.astype(np.int32)) > 328)[0]
    return round(loud[0] * 1000 / RATE), round(loud[-1] * 1000 / RATE)


def write_wav(path: Path, pcm: np.ndarray) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(pcm.astype("<i2").tobytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("smoke/fixtures"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    for stem, (prompt, reply_words) in PROMPTS.items():
        pcm = speak(prompt)
        start_ms, end_ms = speech_edges_ms(pcm)
        write_wav(args.out / f"{stem}.wav", pcm)
        manifest[f"{stem}.wav"] = {
            "text": prompt,
            "expect_transcript_words": prompt.split(),
            "expect_reply_words": reply_words,
            "rate": RATE,
            "speech_start_ms": start_ms,
            "speech_end_ms": end_ms,
        }
        print(f"{stem}.wav  {len(pcm) / RATE:.2f} s  {prompt!r}", file=sys.stderr)
    (args.out / "prompts.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
