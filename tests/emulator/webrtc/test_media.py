"""Media end to end with a real WebRTC peer (aiortc on loopback): the microphone's Opus goes
through VAD and recognition, the reply comes back as Opus, the data channel carries the GA
events plus ``output_audio_buffer.*``; the observer WebSocket watches and steers; hang-up ends
the session."""

from __future__ import annotations

import asyncio
import json
import ssl

import aiohttp
import pytest
from rt_env import Account
from rtc_client import PROMPT, WavMicrophone, answer, apost, offer, rms

from emulator import Emulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


async def mint(account: Account, emu: Emulator, model: str = "gpt-realtime") -> str:
    body = json.dumps({"session": {"type": "realtime", "model": model}}).encode()
    headers = {"api-key": account.key, "Content-Type": "application/json"}
    url = f"{account.endpoint}openai/v1/realtime/client_secrets"
    return str((await apost(url, body, headers, emu.ca_path)).json()["value"])


async def call(
    account: Account, emu: Emulator, ek: str, caller_sdp: str, query: str = ""
) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {ek}", "Content-Type": "application/sdp"}
    url = f"{account.endpoint}openai/v1/realtime/calls{query}"
    answered = await apost(url, caller_sdp.encode(), headers, emu.ca_path)
    assert answered.status == 201, answered.body
    return answered.body.decode(), answered.headers["Location"].rsplit("/", 1)[-1]


async def test_speech_in_speech_out_over_webrtc(account: Account, rtc_emulator: Emulator) -> None:
    ek = await mint(account, rtc_emulator, model="gpt-4o-realtime-preview")
    caller, sdp = await offer(WavMicrophone(PROMPT, speed=4.0), label="realtime-channel")
    try:
        answer_sdp, call_id = await call(account, rtc_emulator, ek, sdp)
        await answer(caller, answer_sdp)
        stopped = await caller.wait_for("output_audio_buffer.stopped", timeout=90)
        types = caller.types()
        assert types[0] == "session.created"
        assert caller.events[0]["session"]["model"] == "gpt-4o-realtime-preview-2024-12-17"
        for kind in (
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
            "response.created",
            "output_audio_buffer.started",
            "response.done",
        ):
            assert kind in types
        assert "response.output_audio.delta" not in types  # the audio is on the media track
        assert types.index("output_audio_buffer.started") < types.index(
            "output_audio_buffer.stopped"
        )
        assert types.index("response.done") < types.index("output_audio_buffer.stopped")
        done = await caller.wait_for("response.done")
        assert done["response"]["status"] == "completed"
        assert stopped["response_id"] == done["response"]["id"]
        transcript = (await caller.wait_for("response.output_audio_transcript.done"))["transcript"]
        assert {"blue", "harbor", "seven"} <= set(transcript.lower().strip(".").split())
        assert caller.pc.connectionState == "connected"
        # the reply's audio came over RTP: at least half a second of it is loud
        loud = [rms(caller.audio[i : i + 9600]) for i in range(0, len(caller.audio), 9600)]
        assert sum(1 for level in loud if level > 300) >= 5, loud
        assert call_id.startswith("rtc_")
    finally:
        await caller.pc.close()


@pytest.mark.conformance  # slow WebRTC media; core keeps test_speech_in_speech_out_over_webrtc
async def test_webrtcfilter_limits_the_data_channel(
    account: Account, rtc_emulator: Emulator
) -> None:
    ek = await mint(account, rtc_emulator)
    caller, sdp = await offer(WavMicrophone(PROMPT, speed=4.0))
    try:
        answer_sdp, _ = await call(account, rtc_emulator, ek, sdp, "?webrtcfilter=on")
        await answer(caller, answer_sdp)
        await caller.wait_for("output_audio_buffer.stopped", timeout=90)
        allowed = {
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
            "output_audio_buffer.started",
            "output_audio_buffer.stopped",
            "conversation.item.input_audio_transcription.completed",
            "conversation.item.added",
            "conversation.item.created",
            "response.output_text.delta",
            "response.output_text.done",
            "response.output_audio_transcript.delta",
            "response.output_audio_transcript.done",
        }
        assert set(caller.types()) <= allowed
        assert "response.output_audio_transcript.done" in caller.types()
    finally:
        await caller.pc.close()


async def test_the_observer_watches_steers_and_sees_the_hang_up(
    account: Account, rtc_emulator: Emulator
) -> None:
    ek = await mint(account, rtc_emulator)
    caller, sdp = await offer()  # no microphone: the observer drives the conversation
    context = ssl.create_default_context(cafile=str(rtc_emulator.ca_path))
    try:
        answer_sdp, call_id = await call(account, rtc_emulator, ek, sdp)
        await answer(caller, answer_sdp)
        await caller.wait_for("session.created")
        url = f"{account.ws_base()}/openai/v1/realtime?call_id={call_id}"
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(url, ssl=context)
            assert refused.value.status == 401
            with pytest.raises(aiohttp.WSServerHandshakeError) as unknown:
                await http.ws_connect(
                    url.replace(call_id, "rtc_nope"), ssl=context, headers={"api-key": account.key}
                )
            assert unknown.value.status == 404
            async with http.ws_connect(url, ssl=context, headers={"api-key": account.key}) as ws:
                await ws.send_str(
                    json.dumps(
                        {
                            "type": "session.update",
                            "session": {"type": "realtime", "instructions": "Observer was here."},
                        }
                    )
                )
                seen: list[str] = []
                while "session.updated" not in seen:
                    seen.append(json.loads((await ws.receive(timeout=10)).data)["type"])
                updated = await caller.wait_for("session.updated")
                assert updated["session"]["instructions"] == "Observer was here."
                hangup = f"{account.endpoint}openai/v1/realtime/calls/{call_id}/hangup"
                ended = await apost(hangup, b"", {"api-key": account.key}, rtc_emulator.ca_path)
                assert ended.status == 200
                closing = await ws.receive(timeout=10)
                assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            again = await apost(hangup, b"", {"api-key": account.key}, rtc_emulator.ca_path)
            assert again.status == 404  # the call is gone
    finally:
        await caller.pc.close()


async def test_the_caller_hanging_up_ends_the_session(
    account: Account, rtc_emulator: Emulator
) -> None:
    ek = await mint(account, rtc_emulator)
    caller, sdp = await offer()
    context = ssl.create_default_context(cafile=str(rtc_emulator.ca_path))
    answer_sdp, call_id = await call(account, rtc_emulator, ek, sdp)
    await answer(caller, answer_sdp)
    await caller.wait_for("session.created")
    url = f"{account.ws_base()}/openai/v1/realtime?call_id={call_id}"
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url, ssl=context, headers={"api-key": account.key}) as ws:
            await caller.pc.close()
            closing = await ws.receive(timeout=15)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        with pytest.raises(aiohttp.WSServerHandshakeError) as gone:
            await http.ws_connect(url, ssl=context, headers={"api-key": account.key})
        assert gone.value.status == 404


@pytest.mark.conformance  # slow WebRTC media; core keeps test_speech_in_speech_out_over_webrtc
async def test_talking_over_the_reply_clears_the_output_audio_buffer(
    account: Account, rtc_emulator: Emulator
) -> None:
    ek = await mint(account, rtc_emulator)
    mic = WavMicrophone(PROMPT, speed=4.0)
    caller, sdp = await offer(mic)
    try:
        answer_sdp, _ = await call(account, rtc_emulator, ek, sdp)
        await answer(caller, answer_sdp)
        started = await caller.wait_for("output_audio_buffer.started", timeout=90)
        mic.again()  # barge in while the reply plays
        cleared = await caller.wait_for("output_audio_buffer.cleared", timeout=30)
        assert cleared["response_id"] == started["response_id"]
        types = caller.types()
        first_stop = [
            e
            for e in caller.events
            if e["type"] == "output_audio_buffer.stopped"
            and e["response_id"] == started["response_id"]
        ]
        assert not first_stop  # cut, not played to the end
        assert types.count("input_audio_buffer.speech_started") == 2
        assert types.index("output_audio_buffer.cleared") > types.index(
            "input_audio_buffer.speech_started", types.index("output_audio_buffer.started")
        )
    finally:
        await caller.pc.close()


@pytest.mark.conformance  # slow WebRTC media; core keeps test_speech_in_speech_out_over_webrtc
async def test_the_session_limit_ends_the_call(account: Account, rtc_emulator: Emulator) -> None:
    rtc_emulator.config.realtime_session_seconds = 3
    try:
        ek = await mint(account, rtc_emulator)
        caller, sdp = await offer()
        answer_sdp, _ = await call(account, rtc_emulator, ek, sdp)
    finally:
        rtc_emulator.config.realtime_session_seconds = 1800
    closed = asyncio.Event()

    @caller.pc.on("connectionstatechange")
    def changed() -> None:
        if caller.pc.connectionState in ("closed", "failed"):
            closed.set()

    try:
        await answer(caller, answer_sdp)
        await asyncio.wait_for(closed.wait(), 40)  # the emulator hung up
        if "session.created" in caller.types():  # the channel was open in time: told why
            assert caller.events[-1]["type"] == "error"
            assert caller.events[-1]["error"]["code"] == "session_expired"
    finally:
        await caller.pc.close()
