"""Bounded backoff for 401/403/404/429 at the handshake, with a record of every wait."""

from __future__ import annotations

import email.utils
import time

import pytest
from smoke_fakeserver import FakeRealtimeServer, Script

from smoke.client import ConnectSettings, RealtimeClient, _retry_after
from smoke.errors import HandshakeError, TransportError
from smoke.readiness import (
    DATA_PLANE_ROLE,
    Readiness,
    ReadinessPolicy,
    explain_handshake,
    open_when_ready,
)
from smoke.realtime.dialects import Dialect, realtime_url
from smoke.realtime.protocol import RealtimeProtocol


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(statuses: list[int | HandshakeError]):
    calls = {"n": 0}

    async def open_once():
        calls["n"] += 1
        if statuses:
            refusal = statuses.pop(0)
            raise refusal if isinstance(refusal, HandshakeError) else HandshakeError(refusal, "x")
        return "connection"

    return open_once, calls


async def run_policy(refusals, policy=None):
    clock, readiness = FakeClock(), Readiness()
    open_once, calls = failing(refusals)
    result = await open_when_ready(
        open_once, policy or ReadinessPolicy(budget_s=60), readiness, sleep=clock.sleep, clock=clock
    )
    return result, clock, readiness, calls


def test_schedule_is_bounded_by_the_budget():
    assert ReadinessPolicy(budget_s=10, first_delay_s=1, factor=2, max_delay_s=4).delays() == [
        1,
        2,
        4,
        3,
    ]
    assert ReadinessPolicy(budget_s=0).delays() == []


async def test_retries_401_403_404_then_succeeds_and_records_waits():
    clock, readiness = FakeClock(), Readiness()
    open_once, calls = failing([403, 401, 404])
    result = await open_when_ready(
        open_once, ReadinessPolicy(budget_s=60), readiness, sleep=clock.sleep, clock=clock
    )
    assert result == "connection" and calls["n"] == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert [a.status for a in readiness.attempts] == [403, 401, 404]
    assert readiness.waited_s == 7.0
    assert (
        "waited 7.0s" in readiness.summary() and "deployment not visible yet" in readiness.summary()
    )


async def test_gives_up_when_the_budget_is_spent():
    clock, readiness = FakeClock(), Readiness()
    open_once, _ = failing([403] * 50)
    with pytest.raises(HandshakeError) as info:
        await open_when_ready(
            open_once, ReadinessPolicy(budget_s=5), readiness, sleep=clock.sleep, clock=clock
        )
    assert info.value.status == 403
    assert clock.now <= 5.0
    assert readiness.attempts[-1].waited_s == 0


@pytest.mark.parametrize("status", [500, 400])
async def test_other_statuses_are_not_retried(status):
    clock, readiness = FakeClock(), Readiness()
    open_once, calls = failing([status])
    with pytest.raises(HandshakeError):
        await open_when_ready(
            open_once, ReadinessPolicy(), readiness, sleep=clock.sleep, clock=clock
        )
    assert calls["n"] == 1 and clock.sleeps == []


async def test_transport_errors_propagate_at_once():
    async def open_once():
        raise TransportError("refused")

    with pytest.raises(TransportError):
        await open_when_ready(open_once, ReadinessPolicy(), Readiness())


def test_explanations_name_the_role_and_the_deployment():
    assert DATA_PLANE_ROLE in explain_handshake(HandshakeError(403, "x"), "entra", "d")
    assert DATA_PLANE_ROLE in explain_handshake(HandshakeError(401), "entra", "d")
    assert "API key was refused" in explain_handshake(HandshakeError(401), "key", "d")
    assert "deployment 'gpt-x' not found" in explain_handshake(
        HandshakeError(404), "entra", "gpt-x"
    )
    assert "retry after 3s" in explain_handshake(HandshakeError(429, "", 3.0), "key", "d")
    assert "HTTP 500" in explain_handshake(HandshakeError(500), "key", "d")
    assert Readiness().summary() == "ready at first attempt"
    disabled = HandshakeError(403, "DeploymentDisabled: off", None, "DeploymentDisabled")
    assert "deployment 'gpt-x' is disabled" in explain_handshake(disabled, "entra", "gpt-x")
    no_keys = HandshakeError(403, "x", None, "AuthenticationTypeDisabled")
    assert "key authentication is disabled" in explain_handshake(no_keys, "key", "d")


async def test_permission_denied_waits_are_explained_as_role_propagation():
    refusals = [
        HandshakeError(401, "PermissionDenied: lacks data action", None, "PermissionDenied")
    ]
    _, _, readiness, _ = await run_policy(refusals * 2)
    assert readiness.attempts[0].code == "PermissionDenied"
    assert (
        "waited 3.0s: 401 PermissionDenied x2 "
        "(role assignment not effective on the data plane yet)" in readiness.summary()
    )


# --------------------------------------------------------------------------- 429 and Retry-After


def throttled(after: float | None) -> HandshakeError:
    return HandshakeError(429, "TooManyRequests: slow down", after, "TooManyRequests")


async def test_429_waits_as_long_as_retry_after_says_and_reports_it():
    result, clock, readiness, calls = await run_policy([throttled(7), throttled(3)])
    assert result == "connection" and calls["n"] == 3
    assert clock.sleeps == [7.0, 3.0]  # the server's word, not the 1 s/2 s backoff schedule
    assert [(a.status, a.waited_s) for a in readiness.attempts] == [(429, 7.0), (429, 3.0)]
    assert "waited 10.0s: 429 TooManyRequests x2 (throttled by the service)" in readiness.summary()


async def test_429_without_retry_after_uses_the_backoff_schedule():
    _, clock, _, _ = await run_policy([throttled(None), throttled(None)])
    assert clock.sleeps == [1.0, 2.0]


async def test_a_huge_retry_after_is_capped():
    policy = ReadinessPolicy(budget_s=100, max_retry_after_s=20)
    _, clock, _, _ = await run_policy([throttled(86400)], policy)
    assert clock.sleeps == [20.0]


async def test_retry_after_beyond_the_budget_fails_at_once():
    clock, readiness = FakeClock(), Readiness()
    open_once, calls = failing([throttled(30)])
    with pytest.raises(HandshakeError) as info:
        await open_when_ready(
            open_once, ReadinessPolicy(budget_s=10), readiness, sleep=clock.sleep, clock=clock
        )
    assert info.value.status == 429 and calls["n"] == 1 and clock.sleeps == []
    assert readiness.attempts[0].waited_s == 0


async def test_retry_after_zero_still_pauses_a_little():
    _, clock, _, _ = await run_policy([throttled(0), throttled(0)])
    assert clock.sleeps and all(0 < s < 0.2 for s in clock.sleeps)


@pytest.mark.parametrize(
    "code", ["DeploymentDisabled", "AuthenticationTypeDisabled", "AccessDenied"]
)
async def test_refusals_that_waiting_cannot_fix_are_not_retried(code):
    clock, readiness = FakeClock(), Readiness()
    open_once, calls = failing([HandshakeError(403, code, None, code)])
    with pytest.raises(HandshakeError):
        await open_when_ready(
            open_once, ReadinessPolicy(budget_s=60), readiness, sleep=clock.sleep, clock=clock
        )
    assert calls["n"] == 1 and clock.sleeps == []


def test_retry_after_headers_are_parsed():
    assert _retry_after({"retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    assert _retry_after({"Retry-After": "4"}) == 4.0
    assert _retry_after({"Retry-After": "soon"}) is None
    assert _retry_after({"Retry-After": "-3"}) == 0.0
    assert _retry_after({}) is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= _retry_after({"Retry-After": later}) <= 31


async def test_scripted_server_429_is_honoured_through_the_real_client():
    """The handshake's Retry-After travels from the wire into the wait, no real sleeping."""
    script = Script(
        reject_first=2,
        reject_first_status=429,
        retry_after="7",
        reject_body='{"error":{"code":"429","message":"Rate limit exceeded. Retry in 7 s."}}',
    )
    async with FakeRealtimeServer(script) as server:
        url = realtime_url(server.endpoint, "gpt-realtime", Dialect.GA)
        clients = []

        async def open_once():
            protocol = RealtimeProtocol(Dialect.GA)
            clients.append(
                await RealtimeClient.connect(ConnectSettings(url=url), protocol, time.monotonic)
            )
            return clients[-1]

        clock, readiness = FakeClock(), Readiness()
        await open_when_ready(
            open_once, ReadinessPolicy(budget_s=60), readiness, sleep=clock.sleep, clock=clock
        )
        await clients[-1].close()
    assert server.seen.handshakes == 3
    assert clock.sleeps == [7.0, 7.0]
    assert [(a.status, a.code) for a in readiness.attempts] == [(429, "429")] * 2
    assert "Rate limit exceeded" in readiness.attempts[0].detail
    assert "429 x2 (throttled by the service)" in readiness.summary()
