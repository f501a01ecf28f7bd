"""Benchmark the offline speech stack: TTS speed, ASR speed and the recogniser's WER on the
TTS's own reply audio (the emulator's round trip) and on the smoke fixtures, decoded whole
and streamed in 100 ms chunks as the emulator does while the user speaks. For streaming it
prints the CPU time left when speech stops (``finish``) beside the whole-utterance decode
(the anchor): CPU time, unlike latency, barely depends on how busy the machine is. Then as
the emulator streams a VAD turn: the utterance, 90 ms of silence, ``pause`` (the final pass,
run inside the 200 ms silence window), the rest of the window, ``finish``.

Usage:
    python bench/speech_wer.py [--engine flite|espeak] [--decoder-option KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import wave
from pathlib import Path

import jiwer
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from emulator.realtime.speech import (
    DecoderStream,
    Recognizer,
    Synthesizer,
    normalize_text,
    reply_text,
)
from emulator.realtime.speech.asr import new_decoder

RATE = 24000
FIXTURES = Path(__file__).resolve().parents[1] / "smoke" / "fixtures"
PROMPTS = [
    "repeat after me blue harbor seven",
    "repeat after me green river three",
    "repeat after me hello world",
    "please repeat after me orange garden five",
    "say purple mountain nine",
    "repeat after me 42",
    "what is the weather like today",
    "what is the capital of france",
    "turn on the kitchen lights",
    "the quick brown fox jumps over the lazy dog",
    "my phone number is 5551234",
    "twenty nine thousand and forty two",
    "set a timer for ten minutes",
    "how are you doing this morning",
    "",
]


def _load(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def _decode_all(rec: Recognizer, clips: list[np.ndarray]):
    """Transcribe each clip; wall-clock and CPU seconds (CPU is robust to a busy machine)."""
    hyps, latencies, cpu = [], [], []
    for pcm in clips:
        start, start_cpu = time.perf_counter(), time.thread_time()
        hyps.append(rec.transcribe(pcm, RATE))
        latencies.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    return hyps, latencies, cpu


def _exact(refs: list[str], hyps: list[str]) -> int:
    return sum(normalize_text(r) == normalize_text(h) for r, h in zip(refs, hyps, strict=True))


def _report(label: str, refs: list[str], hyps: list[str], clips, latencies, cpu) -> None:
    audio_s = sum(c.size for c in clips) / RATE
    wer = jiwer.wer([normalize_text(r) for r in refs], [normalize_text(h) for h in hyps])
    print(f"\n[{label}] {len(clips)} utterances, {audio_s:.1f} s audio")
    print(f"  WER {wer * 100:.1f} %   exact {_exact(refs, hyps)}/{len(refs)}")
    print(
        f"  ASR RTF {sum(latencies) / audio_s:.3f};"
        f" per utterance mean {statistics.mean(latencies):.3f} s,"
        f" median {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s (wall clock)"
    )
    print(
        f"  ASR CPU RTF {sum(cpu) / audio_s:.3f}; per utterance mean {statistics.mean(cpu):.3f} s,"
        f" median {statistics.median(cpu):.3f} s, max {max(cpu):.3f} s (CPU time)"
    )
    for ref, hyp in zip(refs, hyps, strict=True):
        if normalize_text(ref) != normalize_text(hyp):
            print(f"    ref: {normalize_text(ref)!r}\n    hyp: {hyp!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["flite", "espeak"], default=None)
    parser.add_argument("--decoder-option", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    options = {}
    for item in args.decoder_option:
        key, _, value = item.partition("=")
        options[key] = (
            json.loads(value) if value[:1].isdigit() or value in ("true", "false") else value
        )

    synth = Synthesizer(args.engine)
    replies = [reply_text(p) for p in PROMPTS]
    start = time.perf_counter()
    clips = [synth.synthesize(r, RATE) for r in replies]
    synth_s = time.perf_counter() - start
    audio_s = sum(c.size for c in clips) / RATE
    print(f"TTS engine: {synth.engine_name}")
    print(
        f"TTS: {len(clips)} replies, {audio_s:.1f} s audio in {synth_s:.2f} s"
        f" -> RTF {synth_s / audio_s:.4f}"
        f" ({synth_s / len(clips) * 1000:.0f} ms per reply)"
    )
    start = time.perf_counter()
    synth.synthesize(replies[0], RATE)
    print(f"TTS cached repeat: {(time.perf_counter() - start) * 1e6:.0f} us")

    rec = Recognizer(**options)
    start = time.perf_counter()
    rec.load()
    print(
        f"ASR: pocketsphinx model load {time.perf_counter() - start:.2f} s;"
        f" options {options or 'default'}"
    )
    hyps, latencies, cpu = _decode_all(rec, clips)
    _report("replies: TTS -> ASR", replies, hyps, clips, latencies, cpu)
    whole_cpu = list(cpu)

    manifest = json.loads((FIXTURES / "prompts.json").read_text())
    fixture_clips = [_load(FIXTURES / name) for name in manifest]
    hyps, latencies, cpu = _decode_all(rec, fixture_clips)
    refs = [str(m["text"]) for m in manifest.values()]
    _report("smoke fixtures", refs, hyps, fixture_clips, latencies, cpu)
    whole_cpu += cpu
    _streaming(options, replies + refs, clips + fixture_clips, whole_cpu)
    return 0


def _streaming(options, refs: list[str], clips: list[np.ndarray], whole_cpu: list[float]) -> None:
    """Stream every clip in 100 ms chunks; CPU per utterance while feeding and at the end."""
    decoder = new_decoder(options)
    hyps, feed_cpu, finish_cpu = [], [], []
    for pcm in clips:
        start = time.thread_time()
        stream = DecoderStream(decoder, RATE)
        for offset in range(0, pcm.size, RATE // 10):
            stream.feed(pcm[offset : offset + RATE // 10].astype("<i2").tobytes())
        fed = time.thread_time()
        hyps.append(stream.finish())
        finish_cpu.append(time.thread_time() - fed)
        feed_cpu.append(fed - start)
    wer = jiwer.wer(
        [normalize_text(r) or "-" for r in refs], [normalize_text(h) or "-" for h in hyps]
    )
    whole, finish = statistics.mean(whole_cpu), statistics.mean(finish_cpu)
    print(f"\n[streamed, 100 ms chunks] {len(clips)} utterances (replies + fixtures)")
    print(f"  WER {wer * 100:.1f} %   exact {_exact(refs, hyps)}/{len(refs)}")
    print(
        f"  CPU per utterance: while speaking {statistics.mean(feed_cpu) * 1000:.0f} ms,"
        f" left when speech stops {finish * 1000:.0f} ms"
        f" vs whole decode {whole * 1000:.0f} ms (anchor) -> {finish / whole:.2f}x"
    )
    _paused(decoder, refs, clips, whole)


def _paused(decoder, refs: list[str], clips: list[np.ndarray], whole: float) -> None:
    """As a VAD turn: speech, 90 ms of silence, pause (final pass), 110 ms more, finish."""
    hyps, pause_cpu, finish_cpu = [], [], []
    for pcm in clips:
        stream = DecoderStream(decoder, RATE)
        turn = np.concatenate([pcm, np.zeros(RATE * 90 // 1000, np.int16)])
        for offset in range(0, turn.size, RATE // 10):
            stream.feed(turn[offset : offset + RATE // 10].astype("<i2").tobytes())
        start = time.thread_time()
        stream.pause()
        paused = time.thread_time()
        stream.feed(np.zeros(RATE * 110 // 1000, np.int16).tobytes())
        hyps.append(stream.finish())
        finish_cpu.append(time.thread_time() - paused)
        pause_cpu.append(paused - start)
    wer = jiwer.wer(
        [normalize_text(r) or "-" for r in refs], [normalize_text(h) or "-" for h in hyps]
    )
    finish = statistics.mean(finish_cpu)
    print("\n[streamed VAD turn, final pass at the pause in the silence window]")
    print(f"  WER {wer * 100:.1f} %   exact {_exact(refs, hyps)}/{len(refs)}")
    print(
        f"  CPU per utterance: final pass at the pause {statistics.mean(pause_cpu) * 1000:.0f} ms,"
        f" left when VAD ends the turn {finish * 1000:.1f} ms"
        f" vs whole decode {whole * 1000:.0f} ms (anchor) -> {finish / whole:.3f}x"
    )


if __name__ == "__main__":
    raise SystemExit(main())
