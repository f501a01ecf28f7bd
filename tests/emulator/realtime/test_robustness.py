"""Garbage on the realtime socket: every bad frame gets an ``error`` event, the session stays
open, the server logs no unhandled error and keeps answering.

Frames are sent from a raw aiohttp client. After each bad frame a sentinel (an unknown event
type carrying its own ``event_id``) is sent: its ``error`` marks the end of the bad frame's
answer, so nothing waits on time.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from rt_env import Account
from rt_ws import Client, connect, handshake_status

from emulator.realtime.input_audio import InputAudio

WRONG = (True, 7, "x", [1], {"k": 1})  # one value of each JSON type but null
# fields whose type is a union: a value of these kinds may well be valid
UNIONS = {"max_output_tokens": "number", "max_response_output_tokens": "number"}
MSG = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
TURN = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 200,
    "create_response": True,
    "interrupt_response": True,
}
AUDIO = base64.b64encode(bytes(9600)).decode()
COMMON = [
    {"type": "input_audio_buffer.append", "audio": AUDIO},
    {"type": "input_audio_buffer.commit"},
    {"type": "input_audio_buffer.clear"},
    {"type": "conversation.item.create", "previous_item_id": "i", "item": MSG},
    {"type": "conversation.item.create", "item": {"type": "function_call_output", "call_id": "c"}},
    {"type": "conversation.item.retrieve", "item_id": "x"},
    {"type": "conversation.item.delete", "item_id": "x"},
    {"type": "conversation.item.truncate", "item_id": "x", "content_index": 0, "audio_end_ms": 0},
    {"type": "response.cancel", "response_id": "x"},
]
TEMPLATES = {
    "ga": [
        *COMMON,
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "instructions": "x",
                "output_modalities": ["audio"],
                "audio": {
                    "input": {
                        "format": {"type": "audio/pcm", "rate": 24000},
                        "transcription": {"model": "whisper-1"},
                        "turn_detection": TURN,
                    },
                    "output": {"format": {"type": "audio/pcm"}, "voice": "alloy", "speed": 1.0},
                },
                "tools": [{"type": "function", "name": "f", "parameters": {}}],
                "tool_choice": "auto",
                "max_output_tokens": "inf",
            },
        },
        {
            "type": "response.create",
            "response": {
                "output_modalities": ["text"],
                "instructions": "x",
                "max_output_tokens": 100,
                "conversation": "none",
                "metadata": {"a": "b"},
                "input": [MSG, {"type": "item_reference", "id": "x"}],
                "audio": {"output": {"voice": "alloy", "format": {"type": "audio/pcm"}}},
            },
        },
    ],
    "beta": [
        *COMMON,
        {
            "type": "session.update",
            "session": {
                "modalities": ["text", "audio"],
                "voice": "alloy",
                "input_audio_format": "pcm16",
                "input_audio_transcription": {"model": "whisper-1"},
                "turn_detection": TURN,
                "temperature": 0.8,
                "max_response_output_tokens": "inf",
            },
        },
        {
            "type": "response.create",
            "response": {"modalities": ["text"], "temperature": 0.8, "input": [MSG]},
        },
    ],
}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in children:
        yield (*prefix, key)
        if isinstance(child, (dict, list)):
            yield from _paths(child, (*prefix, key))


def _kind(value: Any) -> str:
    return "number" if type(value) in (int, float) else type(value).__name__


def wrong_typed(dialect: str) -> Iterator[dict[str, Any]]:
    """Every template with one field (at any depth) replaced by a value of another type."""
    for template in TEMPLATES[dialect]:
        for path in _paths(template):
            if path == ("type",):
                continue
            parent = template
            for key in path[:-1]:
                parent = parent[key]
            for value in WRONG:
                if _kind(value) in (_kind(parent[path[-1]]), UNIONS.get(path[-1])):
                    continue
                event = copy.deepcopy(template)
                target = event
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = value
                yield event


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


GARBAGE_TEXT = [
    "",
    "not json",
    "{",
    "[]",
    "[1, 2]",
    "null",
    "42",
    '"type"',
    "{}",
    '{"type": null}',
    '{"type": 5}',
    '{"type": "no.such.event"}',
    '{"type": "session.update"}',
    '{"type": "session.update", "session": NaN}',
    '{"type": "response.create", "response": {"temperature": Infinity}}',
    '{"type": "conversation.item.truncate", "item_id": "x", "content_index": 0, '
    '"audio_end_ms": ' + "9" * 5000 + "}",
    "[" * 100_000 + "]" * 100_000,
    json.dumps({"type": "session.update", "session": {"tools": [{"parameters": _nested(80)}]}}),
    "x" * (4 * 1024 * 1024),  # large, but cheap to send: the 15 MiB limit is a session test
]


@pytest.fixture
def emulator_log() -> Iterator[list[logging.LogRecord]]:
    """Records the ``emulator`` loggers write while the test runs."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("emulator")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


class Prober:
    """Sends bad frames and returns what the server answered to them."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.count = 0

    async def answer(self, *frames: str | bytes) -> list[dict[str, Any]]:
        """Everything the server sent in reply to ``frames`` (sent back to back)."""
        self.count += 1
        sentinel = f"sentinel_{self.count}"
        for frame in frames:
            if isinstance(frame, bytes):
                await self.client.ws.send_bytes(frame)
            else:
                await self.client.ws.send_str(frame)
        await self.client.send(type="emulator.sentinel", event_id=sentinel)
        got = []
        while True:
            event = await self.client.recv()
            if event["type"] == "error" and event["error"]["event_id"] == sentinel:
                return got
            got.append(event)


def _url(account: Account, dialect: str) -> str:
    if dialect == "ga":
        return account.ga_url("gpt-realtime")
    return account.preview_url("gpt-4o-realtime-preview")


async def _still_serving(client: Client, account: Account, dialect: str) -> None:
    """The same session applies a valid update, and new sessions open."""
    instructions = {"instructions": "still here"}
    await client.send(
        type="session.update",
        session={"type": "realtime", **instructions} if dialect == "ga" else instructions,
    )
    updated = (await client.until("session.updated"))[-1]
    assert updated["session"]["instructions"] == "still here"
    url = _url(account, dialect)
    assert await handshake_status(url, account, {"api-key": account.key}) == 101


def _unhandled(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if "unhandled error" in r.getMessage()]


async def test_garbage_frames_each_get_an_error_event(
    account: Account, emulator_log: list[logging.LogRecord]
) -> None:
    headers = {"api-key": account.key}
    async with connect(_url(account, "ga"), account, "ga", headers) as client:
        assert (await client.recv())["type"] == "session.created"
        probe = Prober(client)
        binary: list[str | bytes] = [b"\x00\xff", b"", b'{"type": "input_audio_buffer.clear"}']
        for frame in [*binary, *GARBAGE_TEXT]:
            answer = await probe.answer(frame)
            assert [e["type"] for e in answer] == ["error"], (str(frame)[:80], answer)
        await _still_serving(client, account, "ga")
    assert _unhandled(emulator_log) == []


@pytest.mark.parametrize("dialect", ["ga", "beta"])
async def test_every_wrong_field_type_of_every_client_event_is_an_error(
    account: Account, emulator_log: list[logging.LogRecord], dialect: str
) -> None:
    frames = []
    for index, event in enumerate(wrong_typed(dialect)):
        frames.append(json.dumps({**event, "event_id": f"evt_{index}"}))
    assert len(frames) > 150
    headers = {"api-key": account.key}
    async with connect(_url(account, dialect), account, dialect, headers) as client:
        assert (await client.recv())["type"] == "session.created"
        answer = await Prober(client).answer(*frames)
        assert {e["type"] for e in answer} == {"error"}, [e for e in answer if e["type"] != "error"]
        answered = [e["error"]["event_id"] for e in answer]
        missing = sorted(set(range(len(frames))) - {int(a.split("_")[1]) for a in answered})
        assert missing == [], [frames[i][:200] for i in missing[:3]]
        assert len(answered) == len(frames)  # one error each
        await _still_serving(client, account, dialect)
    assert _unhandled(emulator_log) == []


async def test_a_bug_in_a_handler_is_logged_and_the_session_survives(
    account: Account, emulator_log: list[logging.LogRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: InputAudio, body: dict[str, Any]) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(InputAudio, "clear", broken)
    headers = {"api-key": account.key}
    async with connect(_url(account, "ga"), account, "ga", headers) as client:
        assert (await client.recv())["type"] == "session.created"
        answer = await Prober(client).answer('{"type": "input_audio_buffer.clear"}')
        assert [e["error"]["type"] for e in answer] == ["server_error"]
        assert "simulated bug" not in json.dumps(answer)  # no internals on the wire
        await _still_serving(client, account, "ga")
    logged = _unhandled(emulator_log)
    assert len(logged) == 1 and "simulated bug" in logged[0]
