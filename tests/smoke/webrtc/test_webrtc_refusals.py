"""Refusals on the WebRTC path reach smoke as HandshakeError (status, Azure code, no secret),
so readiness and the exit codes treat them like a refused WebSocket upgrade."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "emulator" / "realtime"))

from rt_env import Arm  # noqa: E402

from emulator import Emulator  # noqa: E402
from smoke.auth import KeyCredential  # noqa: E402
from smoke.errors import HandshakeError  # noqa: E402
from smoke.realtime.dialects import Dialect, SessionSettings  # noqa: E402
from smoke.realtime.protocol import RealtimeProtocol  # noqa: E402
from smoke.targets import Target  # noqa: E402
from smoke.transport import OpenRequest  # noqa: E402
from smoke.webrtc import open_webrtc  # noqa: E402


def request(
    emulator: Emulator, endpoint: str, key: str, deployment: str, seen: list[str]
) -> OpenRequest:
    target = Target(
        name=deployment,
        endpoint=endpoint,
        deployment=deployment,
        dialect=Dialect.GA,
        credential=KeyCredential(key, "test"),
        ca_path=emulator.ca_path,
    )
    return OpenRequest(
        target=target,
        protocol=RealtimeProtocol(Dialect.GA),
        clock=lambda: 0.0,
        settings=SessionSettings(),
        open_timeout_s=10.0,
        remember_secret=seen.append,
    )


async def test_a_wrong_key_is_a_401_handshake_error_without_the_key(emulator: Emulator) -> None:
    arm = Arm(emulator)
    account = arm.account("rtcrefuse")
    arm.deployment(account.subdomain, "gpt-realtime")
    seen: list[str] = []
    wrong = "f" * 32
    with pytest.raises(HandshakeError) as info:
        await open_webrtc(request(emulator, account.endpoint, wrong, "gpt-realtime", seen))
    assert info.value.status == 401
    assert wrong not in str(info.value) and wrong in seen  # remembered for redaction
    with pytest.raises(HandshakeError) as missing:
        await open_webrtc(request(emulator, account.endpoint, account.key, "nope", []))
    assert (missing.value.status, missing.value.code) == (404, "DeploymentNotFound")


async def test_a_good_key_opens_and_closes(emulator: Emulator) -> None:
    arm = Arm(emulator)
    account = arm.account("rtcopen")
    arm.deployment(account.subdomain, "gpt-realtime")
    seen: list[str] = []
    transport = await open_webrtc(
        request(emulator, account.endpoint, account.key, "gpt-realtime", seen)
    )
    try:
        assert transport.name == "webrtc"
        assert any(s.startswith("ek_") for s in seen)  # the ephemeral key is redactable
        marks = [e.item.name for e in transport.protocol.log if e.direction == "mark"]  # type: ignore[union-attr]
        for mark in ("connecting", "secret_minted", "sdp_exchanged", "dtls_connected", "connected"):
            assert mark in marks, marks
    finally:
        await transport.close()
    assert transport.lost is None


async def test_the_preview_dialect_is_refused_before_any_request(emulator: Emulator) -> None:
    from smoke.errors import UsageError

    req = request(emulator, "https://127.0.0.1:9/dataplane/x/", "k" * 32, "gpt-realtime", [])
    preview = OpenRequest(
        target=req.target,
        protocol=RealtimeProtocol(Dialect.PREVIEW),
        clock=req.clock,
        settings=req.settings,
    )
    with pytest.raises(UsageError, match="GA protocol only"):
        await open_webrtc(preview)
