"""A small scripted realtime server on 127.0.0.1 for client and CLI tests.

It speaks just enough of both dialects (chosen by the request path, like Azure) to drive the smoke
scenarios, and can misbehave on request: refuse the handshake, send malformed frames, skip
events, fail the response, drop the connection, or stream forever.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import ssl
import threading
from dataclasses import dataclass, field
from http import HTTPStatus

import numpy as np
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

RATE = 24000


def tone(seconds: float, level: float = 0.25) -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    return (level * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2").tobytes()


def speech_like(seconds: float) -> bytes:
    """A tone burst standing in for speech (the fake server's VAD is energy-based)."""
    return tone(seconds, level=0.3)


@dataclass
class Script:
    """How the fake server behaves. Defaults: a well-behaved GA/preview server."""

    reply: str = "blue harbor seven"
    transcript: str = "repeat after me blue harbor seven"
    reject_status: int | None = None  # refuse every handshake with this status
    reject_first: int = 0  # refuse only the first N handshakes (readiness)
    reject_handshakes: tuple[int, ...] = ()  # refuse exactly these handshakes (1-based)
    reject_first_status: int = 403  # ... with this status
    reject_body: str = (
        '{"error":{"code":"PermissionDenied","message":"principal lacks data action"}}'
    )
    retry_after: str | None = None
    retry_after_ms: str | None = None
    malformed: bool = False  # garbage frames before the response
    skip_session_created: bool = False
    ignore_session_update: bool = False
    reject_session_update: bool = False
    response_status: str = "completed"
    drop_after_update: bool = False  # abort the TCP connection after session.updated
    endless: bool = False  # stream transcript deltas forever, never response.done
    silent_audio: bool = False
    beta_names_on_ga: bool = False
    wrong_voice: bool = False
    no_usage: bool = False
    binary_frame: bool = False
    silence_ms: int = 400
    echo_secret: bool = False  # repeat the client's key/token in every error and the session


def client_secret(headers: dict[str, str]) -> str:
    """The api-key header or the Bearer token the client sent."""
    auth = headers.get("authorization", "")
    return headers.get("api-key") or auth.partition(" ")[2]


@dataclass
class Seen:
    """What the server observed, for assertions."""

    paths: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    client_events: list[dict] = field(default_factory=list)
    handshakes: int = 0
    first_handshake: threading.Event = field(default_factory=threading.Event)
    active: int = 0
    max_active: int = 0


class FakeRealtimeServer:
    """``async with FakeRealtimeServer(script) as server: server.endpoint``."""

    def __init__(self, script: Script | None = None, ssl_context: ssl.SSLContext | None = None):
        self.script = script or Script()
        self.seen = Seen()
        self._ssl = ssl_context
        self._server = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://127.0.0.1:{self.port}/"

    async def __aenter__(self) -> FakeRealtimeServer:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            ssl=self._ssl,
            max_size=None,
            ping_interval=None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.seen.handshakes += 1
        self.seen.first_handshake.set()
        self.seen.paths.append(request.path)
        self.seen.headers.append({k.lower(): v for k, v in request.headers.raw_items()})
        s = self.script
        status = s.reject_status if s.reject_status else None
        if status is None and self.seen.handshakes <= s.reject_first:
            status = s.reject_first_status
        if status is None and self.seen.handshakes in s.reject_handshakes:
            status = s.reject_first_status
        realtime_paths = ("/openai/v1/realtime", "/openai/realtime")
        if status is None and not any(p in request.path for p in realtime_paths):
            status = 404
        if status is None:
            return None
        headers = Headers({"Content-Type": "application/json"})
        if s.retry_after:
            headers["Retry-After"] = s.retry_after
        if s.retry_after_ms:
            headers["retry-after-ms"] = s.retry_after_ms
        body = s.reject_body.encode()
        if s.echo_secret:
            secret = client_secret(self.seen.headers[-1])
            body = json.dumps(
                # the key straddles the client's 300-character excerpt of the body
                {"error": {"code": "401", "message": "x" * 270 + f" invalid key {secret}"}}
            ).encode()
        return Response(status, HTTPStatus(status).phrase, headers, body)

    async def _handle(self, ws: ServerConnection) -> None:
        ga = "/openai/v1/" in ws.request.path
        session = _Session(ws, self.script, self.seen, ga)
        session.secret = client_secret({k.lower(): v for k, v in ws.request.headers.raw_items()})
        self.seen.active += 1
        self.seen.max_active = max(self.seen.max_active, self.seen.active)
        # The client may go away mid-stream; that ends this session and nothing else.
        try:
            with contextlib.suppress(Exception):
                await session.run()
        finally:
            self.seen.active -= 1


def _repeat_reply(text: str) -> str | None:
    """The fake's reply model: "Repeat after me: X." → "X"."""
    words = "".join(c for c in text.lower() if c.isalnum() or c.isspace()).split()
    return " ".join(words[3:]) if words[:3] == ["repeat", "after", "me"] else None


class _Session:
    def __init__(self, ws: ServerConnection, script: Script, seen: Seen, ga: bool):
        self.ws, self.s, self.seen, self.ga = ws, script, seen, ga
        self.n = 0
        self.voice = "marin" if ga else "verse"
        self.transcription: str | None = None
        self.speech = False
        self.speech_ms = 0
        self.quiet_ms = 0
        self.total_ms = 0
        self.start_ms = 0
        self.reply_override: str | None = None
        self.secret = ""

    async def send(self, frame: dict) -> None:
        self.n += 1
        await self.ws.send(json.dumps({"event_id": f"event_{self.n:05d}", **frame}))

    def name(self, ga_name: str) -> str:
        beta = {
            "response.output_audio.delta": "response.audio.delta",
            "response.output_audio.done": "response.audio.done",
            "response.output_audio_transcript.delta": "response.audio_transcript.delta",
            "response.output_audio_transcript.done": "response.audio_transcript.done",
            "conversation.item.added": "conversation.item.created",
        }
        if self.ga and not self.s.beta_names_on_ga:
            return ga_name
        return beta.get(ga_name, ga_name)

    def session(self) -> dict:
        data = self._session()
        if self.s.echo_secret:
            data |= {"api_key": self.secret, "instructions": f"you were called with {self.secret}"}
        return data

    def _session(self) -> dict:
        voice = "shimmer" if self.s.wrong_voice else self.voice
        if self.ga:
            fmt = {"type": "audio/pcm", "rate": RATE}
            return {
                "type": "realtime",
                "object": "realtime.session",
                "id": "sess_fake",
                "model": "gpt-realtime",
                "output_modalities": ["audio"],
                "audio": {
                    "input": {
                        "format": fmt,
                        "transcription": {"model": self.transcription}
                        if self.transcription
                        else None,
                        "turn_detection": {"type": "server_vad"},
                    },
                    "output": {"format": fmt, "voice": voice},
                },
            }
        return {
            "id": "sess_fake",
            "object": "realtime.session",
            "model": "gpt-4o-realtime-preview",
            "modalities": ["audio", "text"],
            "voice": voice,
            "input_audio_format": "pcm16",
            "output_audio_format": "pcm16",
            "input_audio_transcription": {"model": self.transcription}
            if self.transcription
            else None,
            "turn_detection": {"type": "server_vad"},
        }

    async def run(self) -> None:
        if not self.s.skip_session_created:
            await self.send({"type": "session.created", "session": self.session()})
        async for message in self.ws:
            event = json.loads(message)
            self.seen.client_events.append(event)
            await self.on_event(event)

    async def on_event(self, event: dict) -> None:
        kind = event.get("type")
        if kind == "session.update":
            await self.on_update(event)
        elif kind == "input_audio_buffer.append":
            await self.on_audio(base64.b64decode(event["audio"]))
        elif kind == "conversation.item.create":
            self.reply_override = _repeat_reply(event["item"]["content"][0].get("text", ""))
        elif kind == "response.create":
            await self.respond()

    async def on_update(self, event: dict) -> None:
        if self.s.reject_session_update:
            await self.send(
                {
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "code": "unknown_parameter",
                        "message": "Unknown parameter: 'session.type'.",
                        "param": "session.type",
                        "event_id": event.get("event_id"),
                    },
                }
            )
            return
        if self.s.ignore_session_update:
            return
        session = event["session"]
        if self.ga:
            self.voice = session["audio"]["output"]["voice"]
            tr = session["audio"]["input"].get("transcription")
        else:
            self.voice = session["voice"]
            tr = session.get("input_audio_transcription")
        self.transcription = tr["model"] if tr else None
        await self.send({"type": "session.updated", "session": self.session()})
        if self.s.echo_secret:
            await self.echo_secret()
        if self.s.drop_after_update:
            self.ws.transport.abort()

    async def echo_secret(self) -> None:
        """Errors quoting the secret, one of them cut off inside it (the excerpt is 200 chars)."""
        await self.send(
            {
                "type": "error",
                "error": {"code": "invalid_api_key", "message": f"Incorrect key: {self.secret}"},
            }
        )
        await self.ws.send("x" * 190 + self.secret + " and then not JSON")

    async def on_audio(self, chunk: bytes) -> None:
        samples = np.frombuffer(chunk, dtype="<i2").astype(np.float64)
        ms = len(samples) * 1000 // RATE
        loud = len(samples) and np.sqrt(np.mean(samples**2)) > 500
        if loud and not self.speech:
            self.speech, self.quiet_ms, self.start_ms = True, 0, self.total_ms
            await self.send(
                {
                    "type": "input_audio_buffer.speech_started",
                    "audio_start_ms": self.start_ms,
                    "item_id": "item_user",
                }
            )
        elif self.speech and not loud:
            self.quiet_ms += ms
            if self.quiet_ms >= self.s.silence_ms:
                self.speech = False
                await self.end_of_speech()
        elif loud:
            self.quiet_ms = 0
        self.total_ms += ms

    async def end_of_speech(self) -> None:
        await self.send(
            {
                "type": "input_audio_buffer.speech_stopped",
                "audio_end_ms": self.total_ms,
                "item_id": "item_user",
            }
        )
        await self.send(
            {
                "type": "input_audio_buffer.committed",
                "item_id": "item_user",
                "previous_item_id": None,
            }
        )
        await self.respond()
        if self.transcription:
            await self.send(
                {
                    "type": "conversation.item.input_audio_transcription.completed",
                    "item_id": "item_user",
                    "content_index": 0,
                    "transcript": self.s.transcript,
                }
            )

    async def respond(self) -> None:
        s = self.s
        rid, iid = "resp_fake", "item_reply"
        base = {"response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}
        await self.send(
            {
                "type": "response.created",
                "response": {
                    "object": "realtime.response",
                    "id": rid,
                    "status": "in_progress",
                    "output": [],
                    "usage": None,
                },
            }
        )
        if s.malformed:
            await self.ws.send("this is not json {")
            await self.ws.send('{"no_type": true}')
            await self.send({"type": self.name("response.output_audio.delta"), "delta": "AAAA"})
        if s.binary_frame:
            await self.ws.send(b"\x00\x01binary")
        if s.endless:
            while True:
                await self.send(
                    {
                        "type": self.name("response.output_audio_transcript.delta"),
                        **base,
                        "delta": "la ",
                    }
                )
                await asyncio.sleep(0.001)
        reply = self.reply_override or s.reply
        words = reply.split()
        audio = bytes(len(tone(0.35)) * len(words)) if s.silent_audio else tone(0.35 * len(words))
        for i, word in enumerate(words):
            await self.send(
                {
                    "type": self.name("response.output_audio_transcript.delta"),
                    **base,
                    "delta": word if i == 0 else f" {word}",
                }
            )
        for i in range(0, len(audio), 4800):
            await self.send(
                {
                    "type": self.name("response.output_audio.delta"),
                    **base,
                    "delta": base64.b64encode(audio[i : i + 4800]).decode(),
                }
            )
        await self.send({"type": self.name("response.output_audio.done"), **base})
        await self.send(
            {
                "type": self.name("response.output_audio_transcript.done"),
                **base,
                "transcript": reply,
            }
        )
        status_details = None
        if s.echo_secret:
            s.response_status = "failed"
        if s.response_status == "failed":
            status_details = {
                "type": "failed",
                "error": {
                    "type": "server_error",
                    "code": "internal_error",
                    "message": f"The model crashed. {self.secret}"
                    if s.echo_secret
                    else "The model crashed.",
                },
            }
        usage = (
            None if s.no_usage else {"total_tokens": 30, "input_tokens": 10, "output_tokens": 20}
        )
        part = "output_audio" if self.ga else "audio"
        await self.send(
            {
                "type": "response.done",
                "response": {
                    "object": "realtime.response",
                    "id": rid,
                    "status": s.response_status,
                    "status_details": status_details,
                    "output": [
                        {
                            "id": iid,
                            "type": "message",
                            "role": "assistant",
                            "status": "completed",
                            "content": [{"type": part, "transcript": reply}],
                        }
                    ],
                    "usage": usage,
                },
            }
        )
