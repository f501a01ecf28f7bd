"""The openai SDK's own realtime clients complete full audio turns against the emulator.

``AsyncOpenAI(websocket_base_url=…/openai/v1)`` (Microsoft's GA pattern) and
``AsyncAzureOpenAI(...).realtime.connect`` (GA events on ``/openai/realtime?api-version=
2025-08-28``) speak GA; ``AsyncAzureOpenAI(api_version="2025-04-01-preview").beta.realtime``
speaks the preview dialect. Raw frames are validated strictly (rt_conformance).
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from openai import AsyncAzureOpenAI, AsyncOpenAI
from rt_conformance import validate
from rt_env import TOKEN_AUDIENCE, Account, Arm, ssl_context
from rt_ws import fixture_pcm

from emulator import Emulator
from emulator.realtime.offline_speech import shared

GA_SESSION = {"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}}
BETA_SESSION = {"input_audio_transcription": {"model": "whisper-1"}}


async def audio_turn(conn: Any, dialect: str, session: dict[str, Any]) -> list[dict[str, Any]]:
    """session.update, stream the fixture plus silence, collect raw events to response.done."""
    events: list[dict[str, Any]] = []

    async def until(kind: str) -> None:
        async with asyncio.timeout(60):
            while True:
                raw = await conn.recv_bytes()
                validate(raw.decode(), dialect)
                events.append(json.loads(raw))
                if events[-1]["type"] == kind:
                    return

    await until("session.created")
    await conn.session.update(session=session)
    await until("session.updated")
    pcm = fixture_pcm() + bytes(48000)
    for start in range(0, len(pcm), 4800):
        await conn.input_audio_buffer.append(
            audio=base64.b64encode(pcm[start : start + 4800]).decode()
        )
    await until("response.done")
    return events


def check_turn(events: list[dict[str, Any]], audio_type: str) -> None:
    types = [ev["type"] for ev in events]
    assert "input_audio_buffer.speech_started" in types and "input_audio_buffer.committed" in types
    assert events[-1]["response"]["status"] == "completed"
    audio = b"".join(base64.b64decode(ev["delta"]) for ev in events if ev["type"] == audio_type)
    assert shared().transcribe(audio) == "blue harbor seven"


async def test_openai_client_with_websocket_base_url(account: Account) -> None:
    client = AsyncOpenAI(api_key=account.key, websocket_base_url=account.ws_base() + "/openai/v1")
    async with client.realtime.connect(
        model="gpt-realtime", websocket_connection_options={"ssl": ssl_context(account.emu)}
    ) as conn:
        events = await audio_turn(conn, "ga", GA_SESSION)
    check_turn(events, "response.output_audio.delta")


async def test_azure_client_realtime_connect_ga_version(account: Account) -> None:
    client = AsyncAzureOpenAI(
        azure_endpoint=account.endpoint, api_key=account.key, api_version="2025-08-28"
    )
    async with client.realtime.connect(
        model="gpt-realtime", websocket_connection_options={"ssl": ssl_context(account.emu)}
    ) as conn:
        events = await audio_turn(conn, "ga", GA_SESSION)
    check_turn(events, "response.output_audio.delta")


async def test_azure_client_with_entra_token(
    account: Account, arm: Arm, rt_emulator: Emulator
) -> None:
    user = rt_emulator.add_principal("rt-sdk-user")
    arm.assign(user.object_id, account.id)
    client = AsyncAzureOpenAI(
        azure_endpoint=account.endpoint,
        api_version="2025-08-28",
        azure_ad_token=rt_emulator.mint_token("rt-sdk-user", TOKEN_AUDIENCE),
    )
    async with client.realtime.connect(
        model="gpt-realtime", websocket_connection_options={"ssl": ssl_context(account.emu)}
    ) as conn:
        events = await audio_turn(conn, "ga", GA_SESSION)
    check_turn(events, "response.output_audio.delta")


async def test_azure_beta_client_preview_dialect(account: Account) -> None:
    client = AsyncAzureOpenAI(
        azure_endpoint=account.endpoint, api_key=account.key, api_version="2025-04-01-preview"
    )
    async with client.beta.realtime.connect(
        model="gpt-4o-realtime-preview",
        websocket_connection_options={"ssl": ssl_context(account.emu)},
    ) as conn:
        events = await audio_turn(conn, "beta", BETA_SESSION)
    check_turn(events, "response.audio.delta")
    heard = [
        ev["transcript"]
        for ev in events
        if ev["type"] == "conversation.item.input_audio_transcription.completed"
    ]
    assert heard in ([], ["repeat after me blue harbor seven"])


async def test_ga_client_on_preview_version_gets_azures_error(account: Account) -> None:
    """GA fields on the preview endpoint: ``unknown_parameter`` (openai/openai-python#2638)."""
    client = AsyncAzureOpenAI(
        azure_endpoint=account.endpoint, api_key=account.key, api_version="2025-04-01-preview"
    )
    async with client.realtime.connect(
        model="gpt-realtime", websocket_connection_options={"ssl": ssl_context(account.emu)}
    ) as conn:
        created = json.loads(await asyncio.wait_for(conn.recv_bytes(), 30))
        validate(json.dumps(created), "beta")
        await conn.session.update(session=GA_SESSION)
        error = json.loads(await asyncio.wait_for(conn.recv_bytes(), 30))
    validate(json.dumps(error), "beta")
    assert error["error"]["code"] == "unknown_parameter"
    assert error["error"]["param"] == "session.type"
