"""The sample page and its backend: the page is configured for the account's calls endpoint;
the backend mints a client secret with the key, or with the ``app`` principal's Entra identity
(which needs its role) when key auth is off."""

from __future__ import annotations

import json
import re
import ssl
import urllib.request

from rt_env import Account, Arm
from rtc_client import apost

from emulator import Emulator


def get(url: str, emu: Emulator) -> tuple[int, str, str]:
    context = ssl.create_default_context(cafile=str(emu.ca_path))
    with urllib.request.urlopen(url, context=context, timeout=10) as resp:
        return resp.status, resp.headers["Content-Type"], resp.read().decode()


async def test_the_page_points_at_the_calls_endpoint(
    account: Account, rtc_emulator: Emulator
) -> None:
    status, content_type, html = get(
        f"{rtc_emulator.url}/samples/webrtc/{account.subdomain}/gpt-realtime", rtc_emulator
    )
    assert status == 200 and content_type.startswith("text/html")
    config = json.loads(re.search(r'<script id="config"[^>]*>(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    assert config["callsUrl"] == f"{account.endpoint}openai/v1/realtime/calls"
    assert config["deployment"] == "gpt-realtime"
    assert "RTCPeerConnection" in html and "realtime-channel" in html
    assert account.key not in html  # the credential stays on the server


async def test_the_backend_mints_with_the_key(account: Account, rtc_emulator: Emulator) -> None:
    url = f"{rtc_emulator.url}/samples/webrtc/{account.subdomain}/gpt-realtime/token"
    minted = await apost(url, b"", {}, rtc_emulator.ca_path)
    assert minted.status == 200 and minted.json()["value"].startswith("ek_")
    assert account.key not in minted.body.decode()


async def test_without_key_auth_the_backend_uses_the_app_identity(
    arm: Arm, rtc_emulator: Emulator
) -> None:
    keyless = arm.account("rtckeyless", disable_local_auth=True)
    arm.deployment(keyless.subdomain, "gpt-realtime")
    url = f"{rtc_emulator.url}/samples/webrtc/{keyless.subdomain}/gpt-realtime/token"
    denied = await apost(url, b"", {}, rtc_emulator.ca_path)
    assert (denied.status, denied.json()["error"]["code"]) == (401, "PermissionDenied")
    arm.assign(rtc_emulator.connection.principals["app"].object_id, keyless.id)
    minted = await apost(url, b"", {}, rtc_emulator.ca_path)
    assert minted.status == 200 and minted.json()["value"].startswith("ek_")
