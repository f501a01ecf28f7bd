"""The WebRTC-only checks, over events replayed through the protocol (no sockets)."""

from __future__ import annotations

import json
import time

from smoke.realtime.dialects import Dialect
from smoke.realtime.protocol import RealtimeProtocol
from smoke.webrtc.checks import check_client_secret, check_connected, check_output_audio_buffer
from smoke.webrtc.http import ClientSecret


def received(*frames: dict) -> list:  # type: ignore[type-arg]
    protocol = RealtimeProtocol(Dialect.GA)
    for index, frame in enumerate(frames):
        protocol.receive_text(json.dumps({"event_id": f"event_{index}", **frame}), float(index))
    return protocol.events_received()


def done(response_id: str) -> dict:  # type: ignore[type-arg]
    return {
        "type": "response.done",
        "response": {
            "id": response_id,
            "object": "realtime.response",
            "status": "completed",
            "output": [],
        },
    }


def test_started_done_stopped_for_the_last_response_passes() -> None:
    events = received(
        {"type": "output_audio_buffer.started", "response_id": "resp_1"},
        done("resp_1"),
        {"type": "output_audio_buffer.stopped", "response_id": "resp_1"},
    )
    assert check_output_audio_buffer(events).passed


def test_missing_or_misordered_buffer_events_fail() -> None:
    no_stop = received(
        {"type": "output_audio_buffer.started", "response_id": "resp_1"}, done("resp_1")
    )
    result = check_output_audio_buffer(no_stop)
    assert not result.passed and "stopped" in result.observed
    other = received(
        {"type": "output_audio_buffer.started", "response_id": "resp_0"},
        done("resp_1"),
        {"type": "output_audio_buffer.stopped", "response_id": "resp_0"},
    )
    assert not check_output_audio_buffer(other).passed
    early = received(
        {"type": "output_audio_buffer.started", "response_id": "resp_1"},
        {"type": "output_audio_buffer.stopped", "response_id": "resp_1"},
        done("resp_1"),
    )
    assert check_output_audio_buffer(early).observed == "events out of order"
    assert check_output_audio_buffer([]).observed == "no response.done"


def test_connected_needs_ice_and_dtls() -> None:
    assert check_connected({"ice_connected", "dtls_connected"}, ["connecting", "connected"]).passed
    result = check_connected({"ice_connected"}, ["connecting", "failed"])
    assert not result.passed and "dtls_connected" in result.detail


def test_client_secret_expiry_and_shape() -> None:
    now = time.time()
    good = ClientSecret(
        value="ek_abc", expires_at=int(now) + 600, minted_at=now, requested_seconds=600
    )
    assert check_client_secret(good).passed
    late = ClientSecret(
        value="ek_abc", expires_at=int(now) + 7200, minted_at=now, requested_seconds=600
    )
    assert not check_client_secret(late).passed
    past = ClientSecret(
        value="ek_abc", expires_at=int(now) - 1, minted_at=now, requested_seconds=600
    )
    assert not check_client_secret(past).passed
    odd = ClientSecret(
        value="sk_abc", expires_at=int(now) + 600, minted_at=now, requested_seconds=600
    )
    result = check_client_secret(odd)
    assert not result.passed and "sk_abc" not in result.reason()
    assert "ek_abc" not in repr(good)
