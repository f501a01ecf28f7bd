"""Bounded backoff for 401/403/404 at the handshake, with a record of every wait."""

from __future__ import annotations

import pytest

from smoke.errors import HandshakeError, TransportError
from smoke.readiness import (
    DATA_PLANE_ROLE,
    Readiness,
    ReadinessPolicy,
    explain_handshake,
    open_when_ready,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(statuses: list[int]):
    calls = {"n": 0}

    async def open_once():
        calls["n"] += 1
        if statuses:
            raise HandshakeError(statuses.pop(0), "not yet")
        return "connection"

    return open_once, calls


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


@pytest.mark.parametrize("status", [429, 500, 400])
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
    assert "API key was rejected" in explain_handshake(HandshakeError(401), "key", "d")
    assert "deployment 'gpt-x' not found" in explain_handshake(
        HandshakeError(404), "entra", "gpt-x"
    )
    assert "retry after 3s" in explain_handshake(HandshakeError(429, "", 3.0), "key", "d")
    assert "HTTP 500" in explain_handshake(HandshakeError(500), "key", "d")
    assert Readiness().summary() == "ready at first attempt"
