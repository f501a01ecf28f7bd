"""Realtime emulator bench: concurrent sessions vs first-audio latency, and reply-audio WER.

Starts an emulator (``instant`` timing profile: the bench measures the data plane, not ARM
operation times) in a temporary directory, provisions an account and a ``gpt-realtime``
deployment through the ARM SDK, then for each concurrency level N runs N sessions at once.
Each session streams the ``smoke/fixtures`` utterances in real time (100 ms chunks) with
server VAD and waits for each reply. Measured per turn:

- end of speech -> first ``response.output_audio.delta`` (the user-perceived latency; it
  includes the VAD's 200 ms silence window);
- ``speech_stopped`` -> first audio delta (the emulator's ASR + reply + TTS work);
- the project's recogniser (pocketsphinx) on the reply audio vs the reply transcript (WER).

Each level's p95 is printed beside its ratio to the single-session p50 of the same run (the
anchor; the first level is the anchor, so start the list at 1). Targets on 2 cores:
1 session ≤ VAD silence window (200 ms) + 250 ms; 4 sessions p95 ≤ 0.8 s; 8 sessions p95 ≤ 1.0 s.

The emulator's speech memo (identical utterances decode once) is OFF here
(``REALTIME_EMULATOR_SPEECH_MEMO=0``, set before the emulator starts): sessions replay the same
few fixtures, which stand for distinct users saying distinct things, so every turn pays its own
recognition and every reply its own synthesis in flight (the TTS cache of finished replies
predates the memo and stays). ``--memo`` turns it on to show what it does to this workload.

Usage: ``python bench/realtime_latency.py [--sessions 1,2,4,8,16] [--turns 2] [--fast] [--memo]``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import ssl
import sys
import tempfile
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulator.api import Emulator, EmulatorConfig  # noqa: E402
from emulator.realtime.offline_speech import PAUSE_AFTER_MS  # noqa: E402
from emulator.realtime.speech.asr import DECODER_DEFAULTS, Recognizer  # noqa: E402
from emulator.realtime.speech.text import normalize_text  # noqa: E402
from emulator.realtime.speech.vocabulary import VOCABULARY_WORDS  # noqa: E402

FIXTURES = ROOT / "smoke" / "fixtures"
CHUNK_MS = 100
DEPLOYMENT = "gpt-realtime"


@dataclass
class Turn:
    """Timings (wall seconds) and outputs of one turn."""

    speech_end_sent: float = 0.0
    speech_stopped: float = 0.0
    first_audio: float = 0.0
    transcript: str = ""
    audio: bytearray = field(default_factory=bytearray)

    @property
    def e2e_ms(self) -> float:
        return (self.first_audio - self.speech_end_sent) * 1000

    @property
    def server_ms(self) -> float:
        return (self.first_audio - self.speech_stopped) * 1000


def load_fixtures() -> list[tuple[bytes, int]]:
    """(PCM16 24 kHz, speech end in ms) for every fixture."""
    meta = json.loads((FIXTURES / "prompts.json").read_text())
    out = []
    for name, info in sorted(meta.items()):
        with wave.open(str(FIXTURES / name)) as wav:
            out.append((wav.readframes(wav.getnframes()), int(info["speech_end_ms"])))
    return out


def provision(emu: Emulator) -> tuple[str, str]:
    """Account + deployment through the ARM SDK; returns (ws base URL, key)."""
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    from emulator.api import sdk_client_options as client_options
    from emulator.api import sdk_credential as credential

    c = emu.connection
    cred = credential(c)
    common: dict[str, Any] = client_options(c)
    ResourceManagementClient(cred, c.subscription_id, **common).resource_groups.create_or_update(
        "rg-bench", {"location": "eastus2"}
    )
    cs = CognitiveServicesManagementClient(cred, c.subscription_id, **common)
    acc = cs.accounts.begin_create(
        "rg-bench",
        "benchrt",
        {
            "location": "eastus2",
            "kind": "AIServices",
            "sku": {"name": "S0"},
            "properties": {"customSubDomainName": "benchrt"},
        },
    ).result()
    cs.deployments.begin_create_or_update(
        "rg-bench",
        "benchrt",
        DEPLOYMENT,
        {
            "sku": {"name": "GlobalStandard", "capacity": 1},
            "properties": {
                "model": {"format": "OpenAI", "name": "gpt-realtime", "version": "2025-08-28"}
            },
        },
    ).result()
    key = cs.accounts.list_keys("rg-bench", "benchrt").key1
    return acc.properties.endpoint.rstrip("/").replace("https://", "wss://", 1), key


async def session(
    url: str, key: str, ctx: ssl.SSLContext, clips: list[tuple[bytes, int]], realtime: bool
) -> list[Turn]:
    """One session: stream each clip (+1 s silence) and wait for its reply."""
    turns: list[Turn] = []
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(url, headers={"api-key": key}, ssl=ctx, max_msg_size=0) as ws,
    ):
        await ws.receive()  # session.created
        for pcm, speech_end_ms in clips:
            turn = Turn()
            reader = asyncio.create_task(read_turn(ws, turn))
            audio = pcm + bytes(48 * 1000)
            step = 48 * CHUNK_MS
            for index, start in enumerate(range(0, len(audio), step)):
                await ws.send_str(
                    json.dumps(
                        {
                            "type": "input_audio_buffer.append",
                            "audio": base64.b64encode(audio[start : start + step]).decode(),
                        }
                    )
                )
                if not turn.speech_end_sent and (index + 1) * CHUNK_MS >= speech_end_ms:
                    turn.speech_end_sent = time.perf_counter()
                if realtime:
                    await asyncio.sleep(CHUNK_MS / 1000)  # the client's microphone pace
            await asyncio.wait_for(reader, 120)
            turns.append(turn)
    return turns


async def read_turn(ws: aiohttp.ClientWebSocketResponse, turn: Turn) -> None:
    while True:
        message = await ws.receive()
        if message.type != aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"socket closed: {message.type}")
        event = json.loads(message.data)
        kind = event["type"]
        now = time.perf_counter()
        if kind == "input_audio_buffer.speech_stopped":
            turn.speech_stopped = now
        elif kind == "response.output_audio.delta":
            turn.first_audio = turn.first_audio or now
            turn.audio += base64.b64decode(event["delta"])
        elif kind == "response.output_audio_transcript.delta":
            turn.transcript += event["delta"]
        elif kind == "error":
            raise RuntimeError(event["error"])
        elif kind == "response.done":
            return


def wer(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) after normalisation."""
    ref, hyp = normalize_text(reference).split(), normalize_text(hypothesis).split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run_level(
    url: str,
    key: str,
    ctx: ssl.SSLContext,
    n: int,
    turns: int,
    clips: list[tuple[bytes, int]],
    realtime: bool,
) -> list[Turn]:
    plans = [[clips[(s + t) % len(clips)] for t in range(turns)] for s in range(n)]
    results = await asyncio.gather(*(session(url, key, ctx, plan, realtime) for plan in plans))
    return [t for r in results for t in r]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,2,4,8,16")
    parser.add_argument("--turns", type=int, default=2, help="turns per session")
    parser.add_argument("--fast", action="store_true", help="send audio as fast as possible")
    parser.add_argument("--memo", action="store_true", help="keep the speech memo on")
    args = parser.parse_args()
    # read when the emulator builds its recogniser and synthesizer (first session)
    os.environ["REALTIME_EMULATOR_SPEECH_MEMO"] = "1" if args.memo else "0"
    levels = [int(x) for x in args.sessions.split(",")]
    clips = load_fixtures()
    recognizer = Recognizer()
    with (
        tempfile.TemporaryDirectory() as state,
        Emulator(state_dir=Path(state) / "emu", config=EmulatorConfig(timing="instant")) as emu,
    ):
        base, key = provision(emu)
        url = f"{base}/openai/v1/realtime?model={DEPLOYMENT}"
        ctx = ssl.create_default_context(cafile=str(emu.ca_path))
        asyncio.run(run_level(url, key, ctx, 1, 1, clips, False))  # warm-up: load ASR and TTS
        print(
            f"{'sessions':>8} {'turns':>5} {'e2e p50':>8} {'e2e p95':>8} {'x anchor':>8} "
            f"{'stop->audio p50':>15} {'p95':>6} {'reply WER':>9}"
        )
        edits = words = 0
        anchor: float | None = None
        for n in levels:
            done = asyncio.run(run_level(url, key, ctx, n, args.turns, clips, not args.fast))
            e2e = [t.e2e_ms for t in done]
            server = [t.server_ms for t in done]
            level_edits = level_words = 0
            for t in done:
                e, w = wer(t.transcript, recognizer.transcribe(bytes(t.audio), 24000))
                level_edits, level_words = level_edits + e, level_words + w
            edits, words = edits + level_edits, words + level_words
            if anchor is None:
                anchor = pct(e2e, 0.5)  # the single-session p50 when levels start at 1
            print(
                f"{n:>8} {len(done):>5} {pct(e2e, 0.5):>7.0f}ms {pct(e2e, 0.95):>7.0f}ms "
                f"{pct(e2e, 0.95) / anchor:>7.2f}x "
                f"{pct(server, 0.5):>13.0f}ms {pct(server, 0.95):>4.0f}ms "
                f"{100 * level_edits / max(1, level_words):>8.1f}%"
            )
        print(f"anchor: single-session e2e p50 {anchor:.0f} ms; 'x anchor' = level p95 / anchor")
        print(f"speech memo: {'on' if args.memo else 'off (every turn decoded)'}")
        options = {k: v for k, v in DECODER_DEFAULTS.items() if k != "loglevel"}
        print(
            f"recogniser: pocketsphinx {options}, {VOCABULARY_WORDS}-word vocabulary,"
            f" final pass after {PAUSE_AFTER_MS} ms of silence"
        )
        print(f"reply WER overall: {100 * edits / max(1, words):.1f}% ({edits}/{words} words)")


if __name__ == "__main__":
    main()
