"""A small WebRTC caller for the tests (aiortc, loopback only): a WAV file as the microphone,
the events data channel recorded, the inbound audio recorded. Independent of smoke's adapter."""

from __future__ import annotations

import asyncio
import fractions
import json
import ssl
import time
import urllib.error
import urllib.request
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from emulator.realtime.webrtc.peer import use_loopback_candidates

FIXTURES = Path(__file__).resolve().parents[3] / "smoke" / "fixtures"
PROMPT = FIXTURES / "repeat_blue_harbor_seven.wav"


class WavMicrophone(MediaStreamTrack):
    """PCM16 mono WAV in 20 ms frames, ``speed`` times real time, then silence."""

    kind = "audio"

    def __init__(self, path: Path, speed: float = 4.0) -> None:
        super().__init__()
        with wave.open(str(path)) as w:
            self.rate = w.getframerate()
            self.pcm = w.readframes(w.getnframes())
        self.samples = self.rate // 50
        self.speed = speed
        self.index = 0
        self.first = 0  # frame index where the prompt (re)started
        self.start: float | None = None

    def again(self) -> None:
        """Say the prompt once more, from the next frame on."""
        self.first = self.index

    async def recv(self) -> Any:
        if self.start is None:
            self.start = time.monotonic()
        delay = self.start + self.index * 0.02 / self.speed - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)  # media pacing
        size = self.samples * 2
        at = self.index - self.first
        chunk = self.pcm[at * size : (at + 1) * size].ljust(size, b"\0")
        frame = av.AudioFrame.from_ndarray(
            np.frombuffer(chunk, "<i2").reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = self.rate
        frame.pts = self.index * self.samples
        frame.time_base = fractions.Fraction(1, self.rate)
        self.index += 1
        return frame


@dataclass
class Http:
    """Status, headers and body of one HTTPS answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def post(url: str, body: bytes, headers: dict[str, str], cafile: Path) -> Http:
    """A blocking HTTPS POST trusting the emulator's CA."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    context = ssl.create_default_context(cafile=str(cafile))
    try:
        with urllib.request.urlopen(request, context=context, timeout=15) as resp:
            return Http(resp.status, dict(resp.headers), resp.read())
    except urllib.error.HTTPError as exc:
        return Http(exc.code, dict(exc.headers), exc.read())


async def apost(url: str, body: bytes, headers: dict[str, str], cafile: Path) -> Http:
    """``post`` off the event loop (the emulator's loop runs in another thread)."""
    return await asyncio.to_thread(post, url, body, headers, cafile)


@dataclass
class Caller:
    """One peer connection to the emulator and what it recorded."""

    pc: Any
    events: list[dict[str, Any]] = field(default_factory=list)
    audio: bytearray = field(default_factory=bytearray)  # PCM16 48 kHz as decoded, mono
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    channel: Any = None

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    async def wait_for(self, kind: str, timeout: float = 60.0) -> dict[str, Any]:
        """The first event of type ``kind``, waiting for it up to ``timeout`` seconds."""

        async def seen() -> dict[str, Any]:
            while True:
                for ev in self.events:
                    if ev["type"] == kind:
                        return ev
                self.changed.clear()
                await self.changed.wait()

        return await asyncio.wait_for(seen(), timeout)

    def send(self, event: dict[str, Any]) -> None:
        self.channel.send(json.dumps(event))


async def offer(
    mic: MediaStreamTrack | None = None, label: str = "oai-events"
) -> tuple[Caller, str]:
    """A peer connection with a microphone track and a data channel, and its SDP offer."""
    use_loopback_candidates()
    pc = RTCPeerConnection()
    caller = Caller(pc)
    if mic is not None:
        pc.addTrack(mic)
    else:
        pc.addTransceiver("audio", direction="recvonly")
    caller.channel = pc.createDataChannel(label)

    @caller.channel.on("message")
    def on_message(message: str) -> None:
        caller.events.append(json.loads(message))
        caller.changed.set()

    @pc.on("track")
    def on_track(track: Any) -> None:
        async def record() -> None:
            while True:
                try:
                    frame = await track.recv()
                except Exception:
                    return
                samples = frame.to_ndarray().reshape(-1, len(frame.layout.channels))
                caller.audio += samples.mean(axis=1).astype("<i2").tobytes()

        asyncio.ensure_future(record())

    await pc.setLocalDescription(await pc.createOffer())
    return caller, pc.localDescription.sdp


async def answer(caller: Caller, sdp: str) -> None:
    """Complete the negotiation with the emulator's answer."""
    await caller.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))


def rms(pcm: bytes) -> float:
    """Loudness of PCM16 audio."""
    samples = np.frombuffer(bytes(pcm), "<i2").astype(np.float64)
    return float(np.sqrt((samples**2).mean())) if samples.size else 0.0
