"""Shared helpers for smoke tests: recorded-session fixtures, prompts, fake servers."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from smoke_fakeserver import FakeRealtimeServer, Script, speech_like

from smoke.prompts import Prompt
from smoke.realtime.dialects import Dialect
from smoke.realtime.events import parse_client_event
from smoke.realtime.protocol import Entry, RealtimeProtocol

FIXTURES = Path(__file__).parent / "fixtures"
Lines = list[dict[str, Any]]


def load_lines(name: str) -> Lines:
    """The lines of ``tests/smoke/fixtures/<name>.jsonl``."""
    text = (FIXTURES / f"{name}.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def to_log(lines: Lines, dialect: Dialect) -> list[Entry]:
    """Replay fixture lines through the protocol, as the client would have recorded them."""
    protocol = RealtimeProtocol(dialect)
    for line in lines:
        frame, at = line["frame"], line["t"]
        if line["dir"] == "recv":
            text = frame if isinstance(frame, str) else json.dumps(frame)
            protocol.receive_text(text, at)
        elif line["dir"] == "sent":
            protocol.send(parse_client_event(frame), at)
        else:
            detail = {k: v for k, v in frame.items() if k != "mark"}
            protocol.mark(frame["mark"], at, **detail)
    return protocol.log


def drop(lines: Lines, *types: str) -> Lines:
    """Lines without received frames of the given wire types."""
    return [
        line
        for line in lines
        if not (
            line["dir"] == "recv"
            and isinstance(line["frame"], dict)
            and line["frame"].get("type") in types
        )
    ]


def edit(lines: Lines, wire_type: str, change: Callable[[dict[str, Any]], None]) -> Lines:
    """Lines with ``change`` applied to a deep copy of every received frame of ``wire_type``."""
    out = []
    for line in lines:
        line = json.loads(json.dumps(line))
        if line["dir"] == "recv" and line["frame"].get("type") == wire_type:
            change(line["frame"])
        out.append(line)
    return out


FIXTURE_CASES = [
    ("ga_audio_ok", Dialect.GA, "audio"),
    ("preview_audio_ok", Dialect.PREVIEW, "audio"),
    ("ga_text_ok", Dialect.GA, "text"),
    ("preview_text_ok", Dialect.PREVIEW, "text"),
]


@pytest.fixture(scope="session")  # a frozen Prompt: shared, so module fixtures can use it
def tone_prompt() -> Prompt:
    """A tone burst the fake server's energy VAD treats as speech."""
    pcm = bytes(4800 * 3) + speech_like(1.0)
    return Prompt(
        name="tone",
        pcm=pcm,
        text="repeat after me blue harbor seven",
        expected_words=("blue", "harbor", "seven"),
    )


class ServerThread:
    """A FakeRealtimeServer on its own event loop in a thread (for CLI tests)."""

    def __init__(self, script: Script, ssl_context: Any = None) -> None:
        self.server = FakeRealtimeServer(script, ssl_context)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with self.server:
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> FakeRealtimeServer:
        self._thread.start()
        assert self._ready.wait(10), "fake server did not start"
        return self.server

    def __exit__(self, *exc: object) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@pytest.fixture
def server_thread() -> Iterator[Callable[..., ServerThread]]:
    started: list[ServerThread] = []

    def start(script: Script | None = None, ssl_context: Any = None) -> ServerThread:
        thread = ServerThread(script or Script(), ssl_context)
        started.append(thread)
        return thread

    yield start
