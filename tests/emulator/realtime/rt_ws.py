"""A minimal raw WebSocket client for tests: connect, send events, collect until a condition.

Every received event is validated strictly against the SDK models of the session's dialect.
"""

from __future__ import annotations

import asyncio
import base64
import json
import wave
from pathlib import Path
from typing import Any

import aiohttp
from rt_conformance import validate
from rt_env import Account, ssl_context

FIXTURES = Path(__file__).resolve().parents[3] / "smoke" / "fixtures"
TIMEOUT = 60.0


def fixture_pcm(name: str = "repeat_blue_harbor_seven.wav") -> bytes:
    """PCM16 24 kHz mono from ``smoke/fixtures``."""
    with wave.open(str(FIXTURES / name)) as wav:
        assert wav.getframerate() == 24000 and wav.getnchannels() == 1
        return wav.readframes(wav.getnframes())


class Client:
    """One raw realtime connection."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, dialect: str) -> None:
        self.ws = ws
        self.dialect = dialect
        self.events: list[dict[str, Any]] = []

    async def send(self, **event: Any) -> None:
        await self.ws.send_str(json.dumps(event))

    async def append_audio(self, pcm: bytes, chunk: int = 4800) -> None:
        for start in range(0, len(pcm), chunk):
            await self.send(
                type="input_audio_buffer.append",
                audio=base64.b64encode(pcm[start : start + chunk]).decode(),
            )

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        message = await asyncio.wait_for(self.ws.receive(), timeout)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"socket ended: {message.type} {message.data!r}")
        validate(message.data, self.dialect)
        event = json.loads(message.data)
        self.events.append(event)
        return event

    async def until(self, kind: str, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Receive events up to and including the first of type ``kind``."""
        got: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while True:
                event = await self.recv(timeout)
                got.append(event)
                if event["type"] == kind:
                    return got


class connect:  # noqa: N801 - used as ``async with connect(...)``
    """``async with connect(url, headers, account, dialect) as client``."""

    def __init__(
        self, url: str, account: Account, dialect: str, headers: dict[str, str] | None = None
    ) -> None:
        self.url, self.account, self.dialect, self.headers = url, account, dialect, headers or {}

    async def __aenter__(self) -> Client:
        self._session = aiohttp.ClientSession()
        try:
            ws = await self._session.ws_connect(
                self.url,
                headers=self.headers,
                ssl=ssl_context(self.account.emu),
                max_msg_size=0,
                timeout=aiohttp.ClientWSTimeout(ws_close=10),
            )
        except BaseException:
            await self._session.close()
            raise
        return Client(ws, self.dialect)

    async def __aexit__(self, *exc: object) -> None:
        await self._session.close()


async def handshake_status(
    url: str, account: Account, headers: dict[str, str] | None = None
) -> int:
    """101 when the upgrade succeeds (then closes), else the HTTP status it was refused with."""
    try:
        async with connect(url, account, "ga", headers) as client:
            await client.ws.close()
            return 101
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status


async def refusal(
    url: str, account: Account, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, JSON body and headers of a refused upgrade (same checks, plain GET)."""
    http_url = url.replace("wss://", "https://", 1)
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            http_url,
            headers={
                **(headers or {}),
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
            },
            ssl=ssl_context(account.emu),
        ) as resp,
    ):
        return resp.status, await resp.json(), dict(resp.headers)
