"""``POST {endpoint}openai/v1/realtime/client_secrets`` driven by the official openai SDK
(its ``ClientSecretCreateResponse`` model is the independent reference for the body)."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator

import openai
import pytest
from openai import AsyncOpenAI, DefaultAsyncHttpxClient
from rt_env import TOKEN_AUDIENCE, Account, Arm, admin
from rtc_client import apost

from emulator import Emulator


@pytest.fixture
async def sdk(account: Account, rtc_emulator: Emulator) -> AsyncIterator[AsyncOpenAI]:
    """The openai SDK pointed at the account's v1 endpoint with the resource key."""
    context = ssl.create_default_context(cafile=str(rtc_emulator.ca_path))
    async with DefaultAsyncHttpxClient(verify=context) as http:
        yield AsyncOpenAI(
            base_url=f"{account.endpoint}openai/v1", api_key=account.key, http_client=http
        )


def secrets_url(account: Account) -> str:
    return f"{account.endpoint}openai/v1/realtime/client_secrets"


async def test_key_mints_an_ephemeral_key_with_the_effective_session(sdk: AsyncOpenAI) -> None:
    minted = await sdk.realtime.client_secrets.create(
        session={
            "type": "realtime",
            "model": "gpt-realtime",
            "instructions": "Answer in one word.",
            "audio": {"output": {"voice": "alloy"}},
        },
        expires_after={"anchor": "created_at", "seconds": 120},
    )
    assert minted.value.startswith("ek_") and len(minted.value) > 20
    session = minted.session
    assert session.type == "realtime"
    assert session.instructions == "Answer in one word."
    assert session.audio is not None and session.audio.output is not None
    assert session.audio.output.voice == "alloy"
    assert session.model == "gpt-realtime-2025-08-28"
    again = await sdk.realtime.client_secrets.create(
        session={"type": "realtime", "model": "gpt-realtime"}
    )
    assert again.value != minted.value
    # default lifetime 600 s, requested 120 s
    assert 480 <= again.expires_at - minted.expires_at <= 490


async def test_entra_needs_the_realtime_data_action(
    account: Account, arm: Arm, rtc_emulator: Emulator
) -> None:
    body = json.dumps({"session": {"type": "realtime", "model": "gpt-realtime"}}).encode()
    rtc_emulator.add_principal("rtc-norole")
    token = rtc_emulator.mint_token("rtc-norole", TOKEN_AUDIENCE)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    denied = await apost(secrets_url(account), body, headers, rtc_emulator.ca_path)
    assert (denied.status, denied.json()["error"]["code"]) == (401, "PermissionDenied")
    assert "client_secrets" in denied.json()["error"]["message"]
    user = rtc_emulator.add_principal("rtc-user")
    arm.assign(user.object_id, account.id)
    token = rtc_emulator.mint_token("rtc-user", TOKEN_AUDIENCE)
    headers["Authorization"] = f"Bearer {token}"
    granted = await apost(secrets_url(account), body, headers, rtc_emulator.ca_path)
    assert granted.status == 200 and granted.json()["value"].startswith("ek_")


async def test_role_propagation_applies(account: Account, arm: Arm, rtc_emulator: Emulator) -> None:
    admin(rtc_emulator, "PATCH", "/_admin/config", {"role_propagation_seconds": 300})
    try:
        user = rtc_emulator.add_principal("rtc-late")
        arm.assign(user.object_id, account.id)
        token = rtc_emulator.mint_token("rtc-late", TOKEN_AUDIENCE)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = json.dumps({"session": {"type": "realtime", "model": "gpt-realtime"}}).encode()
        early = await apost(secrets_url(account), body, headers, rtc_emulator.ca_path)
        assert (early.status, early.json()["error"]["code"]) == (401, "PermissionDenied")
        rtc_emulator.advance_clock(301)
        late = await apost(secrets_url(account), body, headers, rtc_emulator.ca_path)
        assert late.status == 200
    finally:
        admin(rtc_emulator, "PATCH", "/_admin/config", {"role_propagation_seconds": 0})


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"session": {"type": "realtime"}}, 400, "session.model"),
        ({"session": {"type": "realtime", "model": "nope"}}, 404, "DeploymentNotFound"),
        ({"session": {"type": "realtime", "model": "gpt-realtime", "voice": "x"}}, 400, "voice"),
        ({"session": {"model": "gpt-realtime"}}, 400, "type"),
        (
            {
                "expires_after": {"seconds": 5},
                "session": {"type": "realtime", "model": "gpt-realtime"},
            },
            400,
            "expires_after.seconds",
        ),
        (
            {
                "expires_after": {"anchor": "now"},
                "session": {"type": "realtime", "model": "gpt-realtime"},
            },
            400,
            "expires_after.anchor",
        ),
        ({"nonsense": 1}, 400, "nonsense"),
    ],
)
async def test_bad_requests_are_refused(
    account: Account, rtc_emulator: Emulator, body: dict[str, object], status: int, fragment: str
) -> None:
    headers = {"api-key": account.key, "Content-Type": "application/json"}
    answer = await apost(
        secrets_url(account), json.dumps(body).encode(), headers, rtc_emulator.ca_path
    )
    assert answer.status == status
    assert fragment in json.dumps(answer.json()["error"])


async def test_missing_or_bad_key_is_401(account: Account, rtc_emulator: Emulator) -> None:
    body = json.dumps({"session": {"type": "realtime", "model": "gpt-realtime"}}).encode()
    missing = await apost(secrets_url(account), body, {}, rtc_emulator.ca_path)
    assert missing.status == 401
    wrong = await apost(secrets_url(account), body, {"api-key": "0" * 32}, rtc_emulator.ca_path)
    assert wrong.status == 401


async def test_an_ephemeral_key_cannot_mint_another(
    sdk: AsyncOpenAI, account: Account, rtc_emulator: Emulator
) -> None:
    minted = await sdk.realtime.client_secrets.create(
        session={"type": "realtime", "model": "gpt-realtime"}
    )
    body = json.dumps({"session": {"type": "realtime", "model": "gpt-realtime"}}).encode()
    refused = await apost(
        secrets_url(account),
        body,
        {"Authorization": f"Bearer {minted.value}"},
        rtc_emulator.ca_path,
    )
    assert refused.status == 401
    assert minted.value not in refused.body.decode()


async def test_throttling_applies(sdk: AsyncOpenAI, rtc_emulator: Emulator) -> None:
    rule = {"match": r"/realtime/client_secrets$", "status": 429, "code": "429", "times": 1}
    admin(rtc_emulator, "PATCH", "/_admin/config", {"faults": [rule]})
    try:
        with pytest.raises(openai.RateLimitError) as info:
            await sdk.with_options(max_retries=0).realtime.client_secrets.create(
                session={"type": "realtime", "model": "gpt-realtime"}
            )
        assert info.value.response.headers["Retry-After"] == "1"
        minted = await sdk.realtime.client_secrets.create(
            session={"type": "realtime", "model": "gpt-realtime"}
        )
        assert minted.value.startswith("ek_")
    finally:
        admin(rtc_emulator, "PATCH", "/_admin/config", {"faults": []})
