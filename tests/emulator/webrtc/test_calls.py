"""``POST {endpoint}openai/v1/realtime/calls``: who may call, what the answer looks like, and
what Azure-shaped refusals a malformed offer, an expired key, another account's key or no
credential get. Ephemeral keys on ARM and on the realtime WebSocket."""

from __future__ import annotations

import json
import ssl

import aiohttp
import openai
import pytest
from openai import AsyncOpenAI, DefaultAsyncHttpxClient
from rt_env import TOKEN_AUDIENCE, Account, admin
from rtc_client import apost, offer

from emulator import Emulator


async def mint(account: Account, emu: Emulator, seconds: int = 600, **session: object) -> str:
    body = {
        "session": {"type": "realtime", "model": "gpt-realtime", **session},
        "expires_after": {"anchor": "created_at", "seconds": seconds},
    }
    headers = {"api-key": account.key, "Content-Type": "application/json"}
    url = f"{account.endpoint}openai/v1/realtime/client_secrets"
    minted = await apost(url, json.dumps(body).encode(), headers, emu.ca_path)
    assert minted.status == 200, minted.body
    return str(minted.json()["value"])


def calls_url(account: Account, query: str = "") -> str:
    return f"{account.endpoint}openai/v1/realtime/calls{query}"


def sdp_headers(ek: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ek}", "Content-Type": "application/sdp"}


async def test_an_ephemeral_key_and_an_sdp_offer_get_201_and_an_answer(
    account: Account, rtc_emulator: Emulator
) -> None:
    ek = await mint(account, rtc_emulator)
    caller, sdp = await offer()
    try:
        answer = await apost(
            calls_url(account), sdp.encode(), sdp_headers(ek), rtc_emulator.ca_path
        )
        assert answer.status == 201
        assert answer.headers["Content-Type"].startswith("application/sdp")
        location = answer.headers["Location"]
        assert location.startswith("/v1/realtime/calls/rtc_")
        text = answer.body.decode()
        assert text.startswith("v=0\r\n") and "a=setup:active" in text
        assert "opus/48000/2" in text and "webrtc-datachannel" in text
        # the emulator listens on loopback: its ICE candidates are loopback only
        candidates = [line for line in text.splitlines() if line.startswith("a=candidate:")]
        assert candidates and all(" 127.0.0.1 " in line for line in candidates)
    finally:
        await caller.pc.close()


async def test_the_sdk_multipart_form_works_with_the_resource_key(
    account: Account, rtc_emulator: Emulator
) -> None:
    caller, sdp = await offer()
    context = ssl.create_default_context(cafile=str(rtc_emulator.ca_path))
    try:
        async with DefaultAsyncHttpxClient(verify=context) as http:
            sdk = AsyncOpenAI(
                base_url=f"{account.endpoint}openai/v1", api_key=account.key, http_client=http
            )
            raw = await sdk.realtime.calls.with_raw_response.create(
                sdp=sdp,
                session={
                    "type": "realtime",
                    "model": "gpt-4o-realtime-preview",
                    "instructions": "Be brief.",
                },
            )
            assert raw.status_code == 201
            call_id = raw.headers["Location"].split("/")[-1]
            assert call_id.startswith("rtc_")
            assert raw.content.decode().startswith("v=0")
            await sdk.realtime.calls.hangup(call_id)  # the SDK's path shape: calls/{id}/hangup
            with pytest.raises(openai.NotFoundError):
                await sdk.realtime.calls.hangup(call_id)
    finally:
        await caller.pc.close()


@pytest.mark.parametrize(
    ("sdp", "fragment"),
    [
        ("hello", "v=0"),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "m=audio"),
        (
            "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:x\r\na=ice-pwd:y\r\n",
            "fingerprint",
        ),
    ],
)
async def test_a_malformed_offer_is_400(
    account: Account, rtc_emulator: Emulator, sdp: str, fragment: str
) -> None:
    ek = await mint(account, rtc_emulator)
    answer = await apost(calls_url(account), sdp.encode(), sdp_headers(ek), rtc_emulator.ca_path)
    assert answer.status == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_request_error" and fragment in error["message"]


async def test_refusals_without_auth_expired_and_foreign_keys(
    account: Account, other_account: Account, rtc_emulator: Emulator
) -> None:
    caller, sdp = await offer()
    await caller.pc.close()
    body = sdp.encode()
    missing = await apost(
        calls_url(account), body, {"Content-Type": "application/sdp"}, rtc_emulator.ca_path
    )
    assert (missing.status, missing.json()["error"]["code"]) == (401, "401")
    foreign = await mint(other_account, rtc_emulator)
    refused = await apost(calls_url(account), body, sdp_headers(foreign), rtc_emulator.ca_path)
    assert refused.status == 401 and "another resource" in refused.json()["error"]["message"]
    assert foreign not in refused.body.decode()
    forged = await apost(
        calls_url(account), body, sdp_headers("ek_" + "0" * 32), rtc_emulator.ca_path
    )
    assert forged.status == 401
    short = await mint(account, rtc_emulator, seconds=10)
    rtc_emulator.advance_clock(11)
    expired = await apost(calls_url(account), body, sdp_headers(short), rtc_emulator.ca_path)
    assert expired.status == 401 and "expired" in expired.json()["error"]["message"]


async def test_an_ephemeral_key_is_refused_by_resource_manager(
    account: Account, rtc_emulator: Emulator
) -> None:
    ek = await mint(account, rtc_emulator)
    url = (
        f"{rtc_emulator.url}/subscriptions/{rtc_emulator.connection.subscription_id}"
        "/resourceGroups?api-version=2021-04-01"
    )
    context = ssl.create_default_context(cafile=str(rtc_emulator.ca_path))
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, headers={"Authorization": f"Bearer {ek}"}, ssl=context) as resp,
    ):
        assert resp.status == 401
        assert (await resp.json())["error"]["code"] == "InvalidAuthenticationToken"


async def test_throttling_applies_to_calls(account: Account, rtc_emulator: Emulator) -> None:
    ek = await mint(account, rtc_emulator)
    caller, sdp = await offer()
    await caller.pc.close()
    rule = {"match": r"/realtime/calls$", "status": 429, "code": "429", "times": 1}
    admin(rtc_emulator, "PATCH", "/_admin/config", {"faults": [rule]})
    try:
        answer = await apost(
            calls_url(account), sdp.encode(), sdp_headers(ek), rtc_emulator.ca_path
        )
        assert answer.status == 429 and answer.headers["Retry-After"] == "1"
    finally:
        admin(rtc_emulator, "PATCH", "/_admin/config", {"faults": []})


async def test_an_ephemeral_key_opens_the_ga_websocket_with_its_session(
    account: Account, other_account: Account, rtc_emulator: Emulator
) -> None:
    ek = await mint(account, rtc_emulator, instructions="Only say yes.")
    context = ssl.create_default_context(cafile=str(rtc_emulator.ca_path))
    url = f"{account.ws_base()}/openai/v1/realtime?model=gpt-realtime"
    headers = {"Authorization": f"Bearer {ek}"}
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url, headers=headers, ssl=context) as ws:
            created = json.loads((await ws.receive(timeout=10)).data)
            assert created["type"] == "session.created"
            assert created["session"]["instructions"] == "Only say yes."
        with pytest.raises(aiohttp.WSServerHandshakeError) as wrong_model:
            await http.ws_connect(
                url.replace("gpt-realtime", "gpt-4o-realtime-preview"), headers=headers, ssl=context
            )
        assert wrong_model.value.status == 401
        preview = (
            f"{account.ws_base()}/openai/realtime?api-version=2025-04-01-preview"
            "&deployment=gpt-realtime"
        )
        with pytest.raises(aiohttp.WSServerHandshakeError) as on_preview:
            await http.ws_connect(preview, headers=headers, ssl=context)
        assert on_preview.value.status == 401

        foreign = f"{other_account.ws_base()}/openai/v1/realtime?model=gpt-realtime"
        with pytest.raises(aiohttp.WSServerHandshakeError) as on_other:
            await http.ws_connect(foreign, headers=headers, ssl=context)
        assert on_other.value.status == 401


async def test_the_form_with_an_entra_token_needs_the_data_action(
    account: Account, rtc_emulator: Emulator
) -> None:
    rtc_emulator.add_principal("rtc-form-norole")
    token = rtc_emulator.mint_token("rtc-form-norole", TOKEN_AUDIENCE)
    caller, sdp = await offer()
    await caller.pc.close()
    boundary = "smoke-boundary"
    session = json.dumps({"type": "realtime", "model": "gpt-realtime"})
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="sdp"\r\n'
        f"Content-Type: application/sdp\r\n\r\n{sdp}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="session"\r\n'
        f"Content-Type: application/json\r\n\r\n{session}\r\n--{boundary}--\r\n"
    ).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    denied = await apost(calls_url(account), body, headers, rtc_emulator.ca_path)
    assert (denied.status, denied.json()["error"]["code"]) == (401, "PermissionDenied")
    assert "/openai/v1/realtime/calls" in denied.json()["error"]["message"]
