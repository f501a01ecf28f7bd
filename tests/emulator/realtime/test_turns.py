"""Full turns over the wire with real speech (flite TTS, pocketsphinx ASR, webrtcvad), in both
dialects: audio in with server VAD, manual commit with G.711, text turns, cancel, errors and
the session limit. Every received event is validated against the SDK models (rt_ws.Client).
"""

from __future__ import annotations

import asyncio
import base64
import time

import pytest
from rt_env import Account
from rt_ws import connect, fixture_pcm

from emulator.realtime import session_runner
from emulator.realtime.offline_speech import shared
from emulator.realtime.speech import codecs

SILENCE_1S = bytes(48000)
DIALECT = {
    "ga": {
        "deployment": "gpt-realtime",
        "audio": "response.output_audio.delta",
        "transcript": "response.output_audio_transcript.delta",
    },
    "beta": {
        "deployment": "gpt-4o-realtime-preview",
        "audio": "response.audio.delta",
        "transcript": "response.audio_transcript.delta",
    },
}


def url_for(account: Account, dialect: str) -> str:
    deployment = DIALECT[dialect]["deployment"]
    return account.ga_url(deployment) if dialect == "ga" else account.preview_url(deployment)


def with_transcription(dialect: str) -> dict[str, object]:
    if dialect == "ga":
        return {"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}}
    return {"input_audio_transcription": {"model": "whisper-1"}}


def reply_audio(events: list[dict[str, object]], dialect: str) -> bytes:
    kind = DIALECT[dialect]["audio"]
    return b"".join(base64.b64decode(str(ev["delta"])) for ev in events if ev["type"] == kind)


def reply_transcript(events: list[dict[str, object]], dialect: str) -> str:
    kind = DIALECT[dialect]["transcript"]
    return "".join(str(ev["delta"]) for ev in events if ev["type"] == kind)


@pytest.mark.parametrize("dialect", ["ga", "beta"])
async def test_audio_turn_with_server_vad(account: Account, dialect: str) -> None:
    async with connect(url_for(account, dialect), account, dialect, {"api-key": account.key}) as c:
        assert (await c.recv())["type"] == "session.created"
        await c.send(type="session.update", session=with_transcription(dialect))
        await c.until("session.updated")
        await c.append_audio(fixture_pcm() + SILENCE_1S)
        events = await c.until("response.done")
        types = [ev["type"] for ev in events]
        assert types[:3] == [
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
            "input_audio_buffer.committed",
        ]
        started = events[0]
        assert 100 <= started["audio_start_ms"] <= 400  # speech at ~527 ms minus 300 ms padding
        assert events[-1]["response"]["status"] == "completed"
        assert events[-1]["response"]["usage"]["total_tokens"] > 0
        assert reply_transcript(events, dialect) == "Blue harbor seven."
        if "conversation.item.input_audio_transcription.completed" not in types:
            events += await c.until("conversation.item.input_audio_transcription.completed")
        heard = next(
            ev
            for ev in events
            if ev["type"] == "conversation.item.input_audio_transcription.completed"
        )
        assert heard["transcript"] == "repeat after me blue harbor seven"
    audio = reply_audio(events, dialect)
    assert 0.8 < len(audio) / 48000 < 3.0
    assert shared().transcribe(audio) == "blue harbor seven"  # the reply is real speech


async def test_manual_commit_g711_in_and_out(account: Account) -> None:
    # narrowband (8 kHz) input costs the wideband recogniser accuracy on some phrases
    # ("repeat after me" -> "read the doctor me" on two of four fixtures, measured); this one
    # survives G.711 intact, so the turn can be checked word for word
    narrow = codecs.resample(fixture_pcm("repeat_green_river_three.wav"), 24000, codecs.G711_RATE)
    ulaw = codecs.pcm16_to_ulaw(narrow)
    async with connect(
        account.ga_url("gpt-realtime"), account, "ga", {"api-key": account.key}
    ) as c:
        await c.recv()
        fmt = {"type": "audio/pcmu"}
        await c.send(
            type="session.update",
            session={
                "type": "realtime",
                "audio": {
                    "input": {"format": fmt, "turn_detection": None},
                    "output": {"format": fmt},
                },
            },
        )
        updated = (await c.until("session.updated"))[-1]
        assert updated["session"]["audio"]["input"]["turn_detection"] is None
        await c.append_audio(ulaw, chunk=800)
        await c.send(type="input_audio_buffer.commit")
        committed = await c.until("input_audio_buffer.committed")
        assert [ev["type"] for ev in committed] == ["input_audio_buffer.committed"]
        await c.send(type="response.create")
        events = await c.until("response.done")
    deltas = [
        base64.b64decode(ev["delta"])
        for ev in events
        if ev["type"] == "response.output_audio.delta"
    ]
    assert [len(d) for d in deltas[:2]] == [800, 1200]  # 100 ms, 150 ms of 8 kHz G.711
    assert reply_transcript(events, "ga") == "Green river three."
    # the output is µ-law of the synthesised reply (narrowband output is not re-recognised:
    # the wideband recogniser reads it as "bring rubber tree", measured)
    speech = shared()
    expected = speech.encode("g711_ulaw", speech.synthesize("Green river three.", "alloy"))
    assert b"".join(deltas) == expected


@pytest.mark.parametrize("dialect", ["ga", "beta"])
async def test_text_turn(account: Account, dialect: str) -> None:
    async with connect(url_for(account, dialect), account, dialect, {"api-key": account.key}) as c:
        await c.recv()
        await c.send(
            type="conversation.item.create",
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "repeat after me good morning"}],
            },
        )
        await c.send(type="response.create")
        events = await c.until("response.done")
    assert reply_transcript(events, dialect) == "Good morning."
    assert shared().transcribe(reply_audio(events, dialect)) == "good morning"


@pytest.mark.parametrize("dialect", ["ga", "beta"])
async def test_cancel_mid_stream(
    account: Account, dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_runner, "STREAM_SPEED", 1.0)  # stream in real time: room to cancel
    text = "repeat after me one two three four five six seven eight nine ten eleven twelve"
    async with connect(url_for(account, dialect), account, dialect, {"api-key": account.key}) as c:
        await c.recv()
        await c.send(
            type="conversation.item.create",
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            },
        )
        await c.send(type="response.create")
        await c.until(DIALECT[dialect]["audio"])
        await c.send(type="response.cancel", event_id="evt_cancel")
        events = await c.until("response.done")
        done = events[-1]["response"]
        assert done["status"] == "cancelled"
        assert done["status_details"]["reason"] == "client_cancelled"
        assert len(reply_transcript(c.events, dialect)) < len(
            "One two three four five six seven eight nine ten eleven twelve."
        )
        await c.send(type="response.cancel", event_id="evt_again")
        error = (await c.until("error"))[-1]["error"]
        assert (error["code"], error["event_id"]) == ("response_cancel_not_active", "evt_again")


@pytest.mark.parametrize("dialect", ["ga", "beta"])
async def test_errors_keep_the_session_open(account: Account, dialect: str) -> None:
    async with connect(url_for(account, dialect), account, dialect, {"api-key": account.key}) as c:
        await c.recv()
        await c.ws.send_str("{oops")
        assert (await c.until("error"))[-1]["error"]["code"] == "invalid_json"
        await c.send(type="input_audio_buffer.commit", event_id="evt_commit")
        error = (await c.until("error"))[-1]["error"]
        assert (error["code"], error["event_id"]) == (
            "input_audio_buffer_commit_empty",
            "evt_commit",
        )
        bad = {"type": "realtime"} if dialect == "beta" else {"modalities": ["text"]}
        await c.send(type="session.update", session=bad)
        error = (await c.until("error"))[-1]["error"]
        assert error["code"] in ("unknown_parameter", "missing_required_parameter")
        await c.send(type="input_audio_buffer.clear")
        assert (await c.until("input_audio_buffer.cleared"))[-1][
            "type"
        ] == "input_audio_buffer.cleared"


async def test_session_limit_closes_the_socket(account: Account) -> None:
    account.emu.config.realtime_session_seconds = 1
    try:
        await _expire_session(account)
    finally:
        account.emu.config.realtime_session_seconds = 1800


async def _expire_session(account: Account) -> None:
    async with connect(
        account.ga_url("gpt-realtime"), account, "ga", {"api-key": account.key}
    ) as c:
        created = await c.recv()
        assert created["session"]["expires_at"] <= int(time.time()) + 2
        error = (await c.until("error", timeout=10))[-1]["error"]
        assert error["code"] == "session_expired"
        closing = await asyncio.wait_for(c.ws.receive(), 10)
        assert c.ws.closed or closing.type.name in ("CLOSE", "CLOSING", "CLOSED")
