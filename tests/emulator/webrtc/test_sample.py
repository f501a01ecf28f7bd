"""The sample page and its backend: the page is configured for the account's calls endpoint;
the backend mints a client secret with the key, or with the ``app`` principal's Entra identity
(which needs its role) when key auth is off — and only for a caller showing the per-start
``sample_token`` of connection.json; ``realtime-emulator sample-url`` builds the page's URL."""

from __future__ import annotations

import json
import logging
import re
import ssl
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rt_env import Account, Arm
from rtc_client import apost

from emulator import Emulator
from emulator.api import load_connection
from emulator.cli import main as emulator_cli

SAMPLE_DENIED = "SampleAuthenticationRequired"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sample_auth(emu: Emulator) -> dict[str, str]:
    """The header the page sends, with the token read from connection.json (as the CLI does)."""
    return bearer(load_connection(emu.connection_file).sample_token)


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
    minted = await apost(url, b"", sample_auth(rtc_emulator), rtc_emulator.ca_path)
    assert minted.status == 200 and minted.json()["value"].startswith("ek_")
    assert account.key not in minted.body.decode()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("not-the-sample-token"),
        {"api-key": "not-the-sample-token"},
        {"Authorization": "Basic not-the-sample-token"},
    ],
    ids=["no-token", "wrong-token", "api-key-header", "wrong-scheme"],
)
async def test_the_backend_mints_nothing_without_the_sample_token(
    account: Account, rtc_emulator: Emulator, headers: dict[str, str]
) -> None:
    url = f"{rtc_emulator.url}/samples/webrtc/{account.subdomain}/gpt-realtime/token"
    before = _secret_count(rtc_emulator)
    denied = await apost(url, b"", headers, rtc_emulator.ca_path)
    assert denied.status == 401
    assert denied.json()["error"]["code"] == SAMPLE_DENIED
    assert "sample_token" in denied.json()["error"]["message"]
    assert denied.headers["WWW-Authenticate"].startswith("Bearer")
    assert "ek_" not in denied.body.decode()
    assert _secret_count(rtc_emulator) == before


async def test_other_credentials_are_not_the_sample_token(
    account: Account, rtc_emulator: Emulator
) -> None:
    url = f"{rtc_emulator.url}/samples/webrtc/{account.subdomain}/gpt-realtime/token"
    conn = load_connection(rtc_emulator.connection_file)
    for token in (conn.admin_key, account.key, conn.principals["app"].client_secret):
        denied = await apost(url, b"", bearer(token), rtc_emulator.ca_path)
        assert (denied.status, denied.json()["error"]["code"]) == (401, SAMPLE_DENIED)


async def test_an_unknown_account_is_not_revealed_without_the_token(
    rtc_emulator: Emulator,
) -> None:
    url = f"{rtc_emulator.url}/samples/webrtc/nosuchaccount/gpt-realtime/token"
    denied = await apost(url, b"", {}, rtc_emulator.ca_path)
    assert (denied.status, denied.json()["error"]["code"]) == (401, SAMPLE_DENIED)
    missing = await apost(url, b"", sample_auth(rtc_emulator), rtc_emulator.ca_path)
    assert missing.status == 404


def test_the_sample_token_is_new_on_every_start_and_owner_only(tmp_path: Path) -> None:
    tokens = []
    for _ in range(2):
        with Emulator(state_dir=tmp_path / "emu") as emu:
            assert emu.connection_file.stat().st_mode & 0o077 == 0
            conn = load_connection(emu.connection_file)
            assert len(conn.sample_token) >= 40 and conn.sample_token != conn.admin_key
            assert conn.sample_token not in repr(conn)
            tokens.append(conn.sample_token)
    assert tokens[0] != tokens[1]


async def test_sample_url_prints_the_page_url_with_the_token_in_the_fragment(
    account: Account, rtc_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(rtc_emulator.state_dir)
    args = ["sample-url", "--state-dir", state, "--deployment", "gpt-4o-realtime-preview"]
    assert emulator_cli(args) == 0
    url = capsys.readouterr().out.strip()
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == rtc_emulator.url
    assert parts.path == f"/samples/webrtc/{account.subdomain}/gpt-4o-realtime-preview"
    assert parts.query == "" and parts.fragment.startswith("token=")
    token = parts.fragment.removeprefix("token=")
    assert token == load_connection(rtc_emulator.connection_file).sample_token
    status, _, html = get(url, rtc_emulator)  # the page loads; its script reads the fragment
    assert status == 200 and token not in html
    mint = f"{rtc_emulator.url}{parts.path}/token"
    minted = await apost(mint, b"", bearer(token), rtc_emulator.ca_path)
    assert minted.status == 200 and minted.json()["value"].startswith("ek_")
    explicit = [*args[:-1], "gpt-realtime", "--account", account.subdomain]
    assert emulator_cli(explicit) == 0
    assert capsys.readouterr().out.strip() == url.replace("gpt-4o-realtime-preview", "gpt-realtime")


def test_sample_url_without_a_unique_account_is_one_line(
    account: Account, rtc_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(rtc_emulator.state_dir)
    assert emulator_cli(["sample-url", "--state-dir", state, "--deployment", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no account has a deployment 'nope'" in err
    assert emulator_cli(["sample-url", "--state-dir", state + "x", "--deployment", "a"]) == 10


async def test_the_token_reaches_no_log(
    account: Account, rtc_emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="emulator")
    auth = sample_auth(rtc_emulator)
    url = f"{rtc_emulator.url}/samples/webrtc/{account.subdomain}/gpt-realtime/token"
    minted = await apost(url, b"", auth, rtc_emulator.ca_path)
    await apost(url, b"", {}, rtc_emulator.ca_path)
    token = auth["Authorization"].removeprefix("Bearer ")
    logged = [r.getMessage() for r in caplog.records]
    assert any("/gpt-realtime/token -> 200" in line for line in logged), logged
    assert any("/gpt-realtime/token -> 401" in line for line in logged), logged
    for secret in (token, minted.json()["value"]):
        assert not any(secret in line for line in logged)
        assert secret not in json.dumps(rtc_emulator.stats())


def _secret_count(emu: Emulator) -> int:
    """Client secrets minted so far (the store keeps digests only)."""
    assert emu.app is not None
    store = emu.app.services.get("client_secrets")
    return 0 if store is None else store.count()


async def test_without_key_auth_the_backend_uses_the_app_identity(
    arm: Arm, rtc_emulator: Emulator
) -> None:
    keyless = arm.account("rtckeyless", disable_local_auth=True)
    arm.deployment(keyless.subdomain, "gpt-realtime")
    url = f"{rtc_emulator.url}/samples/webrtc/{keyless.subdomain}/gpt-realtime/token"
    auth = sample_auth(rtc_emulator)
    denied = await apost(url, b"", auth, rtc_emulator.ca_path)
    assert (denied.status, denied.json()["error"]["code"]) == (401, "PermissionDenied")
    arm.assign(rtc_emulator.connection.principals["app"].object_id, keyless.id)
    minted = await apost(url, b"", auth, rtc_emulator.ca_path)
    assert minted.status == 200 and minted.json()["value"].startswith("ek_")
