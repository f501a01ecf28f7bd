"""Wait for a fresh deployment or role assignment to take effect, proven at the handshake.

Right after ``provision up``, Azure answers the realtime upgrade with 401/403 until the role
assignment propagates and 404 until the deployment is visible. :func:`open_when_ready` retries
exactly those statuses with bounded exponential backoff and records every wait, so the report
can say how long it waited and why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from smoke.errors import HandshakeError

__all__ = [
    "DATA_PLANE_ROLE",
    "Attempt",
    "Readiness",
    "ReadinessPolicy",
    "explain_handshake",
    "open_when_ready",
]

T = TypeVar("T")

DATA_PLANE_ROLE = "Cognitive Services OpenAI User"
BROAD_DATA_PLANE_ROLE = "Cognitive Services User"

WHY = {
    401: "identity not yet accepted (role assignment not effective yet?)",
    403: "identity not yet authorised (role assignment not effective yet?)",
    404: "deployment not visible yet",
}


@dataclass(frozen=True, kw_only=True)
class ReadinessPolicy:
    """How long to keep retrying 401/403/404 and how fast to back off."""

    budget_s: float = 120.0
    first_delay_s: float = 1.0
    factor: float = 2.0
    max_delay_s: float = 15.0
    statuses: frozenset[int] = frozenset(WHY)

    def delays(self) -> list[float]:
        """The backoff schedule, capped so the sum stays within the budget."""
        out, delay, total = [], self.first_delay_s, 0.0
        while total < self.budget_s and delay > 0:
            step = min(delay, self.max_delay_s, self.budget_s - total)
            out.append(step)
            total += step
            delay *= self.factor
        return out


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """One refused handshake and the wait that followed it."""

    status: int
    detail: str
    waited_s: float


@dataclass(kw_only=True)
class Readiness:
    """Every refused attempt before success (or the final refusal)."""

    attempts: list[Attempt] = field(default_factory=list)

    @property
    def waited_s(self) -> float:
        return sum(a.waited_s for a in self.attempts)

    def summary(self) -> str:
        """E.g. ``ready after 2 retries, waited 3.0s: 403 x2 (identity not yet authorised …)``."""
        if not self.attempts:
            return "ready at first attempt"
        counts: dict[int, int] = {}
        for attempt in self.attempts:
            counts[attempt.status] = counts.get(attempt.status, 0) + 1
        reasons = ", ".join(f"{s} x{n} ({WHY.get(s, 'refused')})" for s, n in counts.items())
        return f"{len(self.attempts)} refused attempt(s), waited {self.waited_s:.1f}s: {reasons}"


async def open_when_ready(
    open_once: Callable[[], Awaitable[T]],
    policy: ReadinessPolicy,
    readiness: Readiness,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``open_once`` until it succeeds, retrying retryable handshake refusals.

    Every refusal is appended to ``readiness``. The last HandshakeError is re-raised once the
    budget is spent; other errors propagate at once.
    """
    delays = iter(policy.delays())
    started = clock()
    while True:
        try:
            return await open_once()
        except HandshakeError as exc:
            delay = next(delays, None) if exc.status in policy.statuses else None
            if delay is None or clock() - started + delay > policy.budget_s + 1e-6:
                readiness.attempts.append(Attempt(status=exc.status, detail=exc.detail, waited_s=0))
                raise
            readiness.attempts.append(Attempt(status=exc.status, detail=exc.detail, waited_s=delay))
            await sleep(delay)


def explain_handshake(exc: HandshakeError, auth_kind: str, deployment: str) -> str:
    """A one-line reason for a refused handshake that tells the user what to fix."""
    server = f" (server said: {exc.detail})" if exc.detail else ""
    if exc.status in (401, 403) and auth_kind == "entra":
        return (
            f"HTTP {exc.status}: the identity is not authorised for realtime on this account; "
            f"it needs the '{DATA_PLANE_ROLE}' role (or '{BROAD_DATA_PLANE_ROLE}') "
            f"on the account{server}"
        )
    if exc.status in (401, 403):
        return f"HTTP {exc.status}: the API key was rejected{server}"
    if exc.status == 404:
        return f"HTTP 404: deployment '{deployment}' not found or not serving realtime{server}"
    if exc.status == 429:
        after = f"; retry after {exc.retry_after:.0f}s" if exc.retry_after is not None else ""
        return f"HTTP 429: throttled by the service{after}{server}"
    return f"HTTP {exc.status} at the WebSocket handshake{server}"
