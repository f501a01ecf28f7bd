"""Function calling through the openai SDK's own realtime clients, GA and preview.

A declared tool is called with arguments that validate against its schema; the call's output
comes back as a spoken answer (checked with the project's recogniser); an output for a call
that does not exist is refused as Azure refuses it. Raw frames are validated strictly.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import jsonschema
from openai import AsyncAzureOpenAI, AsyncOpenAI
from rt_conformance import validate
from rt_env import Account, ssl_context

from emulator.realtime.offline_speech import shared

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location", "unit"],
    },
}
QUESTION = "What is the weather like in Seattle today?"
OUTPUT = {"temperature": 72, "sky": "cloudy"}  # words the recogniser reads back


@asynccontextmanager
async def connect(account: Account, dialect: str) -> AsyncIterator[Any]:
    options = {"ssl": ssl_context(account.emu)}
    if dialect == "ga":
        client = AsyncOpenAI(
            api_key=account.key, websocket_base_url=account.ws_base() + "/openai/v1"
        )
        async with client.realtime.connect(
            model="gpt-realtime", websocket_connection_options=options
        ) as conn:
            yield conn
    else:
        azure = AsyncAzureOpenAI(
            azure_endpoint=account.endpoint, api_key=account.key, api_version="2025-04-01-preview"
        )
        async with azure.beta.realtime.connect(
            model="gpt-4o-realtime-preview", websocket_connection_options=options
        ) as conn:
            yield conn


async def until(conn: Any, dialect: str, kind: str) -> list[dict[str, Any]]:
    """Raw events up to and including the first of ``kind``, each validated."""
    events: list[dict[str, Any]] = []
    async with asyncio.timeout(60):
        while not events or events[-1]["type"] != kind:
            raw = (await conn.recv_bytes()).decode()
            validate(raw, dialect)
            events.append(json.loads(raw))
    return events


def session(dialect: str) -> dict[str, Any]:
    if dialect == "ga":
        return {"type": "realtime", "tools": [WEATHER], "tool_choice": "auto"}
    return {"tools": [WEATHER], "tool_choice": "auto"}


async def ask(conn: Any, dialect: str) -> list[dict[str, Any]]:
    await until(conn, dialect, "session.created")
    await conn.session.update(session=session(dialect))
    await until(conn, dialect, "session.updated")
    text = [{"type": "input_text", "text": QUESTION}]
    await conn.conversation.item.create(item={"type": "message", "role": "user", "content": text})
    await conn.response.create()
    return await until(conn, dialect, "response.done")


async def round_trip(account: Account, dialect: str, audio_delta: str) -> None:
    async with connect(account, dialect) as conn:
        events = await ask(conn, dialect)
        done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
        arguments = json.loads(done["arguments"])
        jsonschema.validate(arguments, WEATHER["parameters"])
        assert arguments == {"location": "Seattle", "unit": "celsius"}
        call = events[-1]["response"]["output"][0]
        assert call["type"] == "function_call" and call["name"] == "get_weather"
        assert call["call_id"] == done["call_id"]

        output = {"type": "function_call_output", "call_id": done["call_id"]}
        await conn.conversation.item.create(item={**output, "output": json.dumps(OUTPUT)})
        await conn.response.create()
        answer = await until(conn, dialect, "response.done")
    assert answer[-1]["response"]["status"] == "completed"
    audio = b"".join(base64.b64decode(e["delta"]) for e in answer if e["type"] == audio_delta)
    heard = shared().transcribe(audio)
    assert "seventy two" in heard and "cloudy" in heard, heard


async def test_ga_function_call_round_trip(account: Account) -> None:
    await round_trip(account, "ga", "response.output_audio.delta")


async def test_preview_function_call_round_trip(account: Account) -> None:
    await round_trip(account, "beta", "response.audio.delta")


async def refused(account: Account, dialect: str) -> None:
    async with connect(account, dialect) as conn:
        await until(conn, dialect, "session.created")
        item = {"type": "function_call_output", "call_id": "call_0123456789abcdef", "output": "{}"}
        await conn.conversation.item.create(item=item, event_id="evt_unknown_call")
        (error,) = await until(conn, dialect, "error")
    assert error["error"] == {
        "type": "invalid_request_error",
        "code": "invalid_tool_call_id",
        "message": "Tool call ID 'call_0123456789abcdef' not found in conversation.",
        "param": None,
        "event_id": "evt_unknown_call",
    }


async def test_ga_output_for_unknown_call_is_refused(account: Account) -> None:
    await refused(account, "ga")


async def test_preview_output_for_unknown_call_is_refused(account: Account) -> None:
    await refused(account, "beta")
