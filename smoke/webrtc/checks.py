"""Checks only a WebRTC session can make (pure functions over what the transport recorded)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from smoke.checks.base import CheckResult, fail, ok
from smoke.realtime.events import ServerEvent
from smoke.realtime.protocol import ProtocolError

if TYPE_CHECKING:
    from smoke.webrtc.http import ClientSecret

__all__ = ["check_client_secret", "check_connected", "check_output_audio_buffer"]

_CLOCK_SLACK_S = 60  # tolerated difference between our clock and the service's


def check_connected(marks: set[str], states: Sequence[str]) -> CheckResult:
    """ICE and DTLS both reached ``connected``."""
    name, expected = "webrtc.connected", "ICE and DTLS connected"
    missing = [m for m in ("ice_connected", "dtls_connected") if m not in marks]
    observed = " -> ".join(states) or "no peer connection state change"
    if missing:
        return fail(name, expected, observed, f"never reached: {', '.join(missing)}")
    return ok(name, expected, observed)


def check_output_audio_buffer(received: Sequence[ServerEvent | ProtocolError]) -> CheckResult:
    """The last response's audio was announced (``output_audio_buffer.started``) and finished
    playing (``.stopped``, after ``response.done``), both naming that response."""
    name = "webrtc.output_audio_buffer"
    expected = "output_audio_buffer.started, response.done, output_audio_buffer.stopped"
    events = [e for e in received if isinstance(e, ServerEvent)]
    done = [i for i, e in enumerate(events) if e.type == "response.done"]
    if not done:
        return fail(name, expected, "no response.done")
    response_id = events[done[-1]].raw.get("response", {}).get("id")
    started = _index(events, "output_audio_buffer.started", response_id)
    stopped = _index(events, "output_audio_buffer.stopped", response_id)
    if started is None:
        return fail(name, expected, f"no output_audio_buffer.started for {response_id}")
    if stopped is None:
        return fail(name, expected, f"no output_audio_buffer.stopped for {response_id}")
    if not started < done[-1] < stopped:
        return fail(name, expected, "events out of order")
    return ok(name, expected, f"started, done, stopped for {response_id}")


def check_client_secret(secret: ClientSecret) -> CheckResult:
    """The ephemeral key looks like one and expires as requested (never shows the key)."""
    name = "webrtc.client_secret"
    expected = f"ek_ key expiring within {secret.requested_seconds} s of minting"
    lifetime = secret.expires_at - secret.minted_at
    observed = f"expires {lifetime:.0f} s after minting"
    if not secret.value.startswith("ek_"):
        return fail(name, expected, "the key does not start with ek_")
    if not 0 < lifetime <= secret.requested_seconds + _CLOCK_SLACK_S:
        return fail(name, expected, observed)
    return ok(name, expected, observed)


def _index(events: Sequence[ServerEvent], kind: str, response_id: object) -> int | None:
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.type == kind and event.raw.get("response_id") == response_id:
            return index
    return None
