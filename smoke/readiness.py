"""Wait for a fresh deployment or role assignment to take effect, proven at the handshake.

Right after ``provision up``, Azure answers the realtime upgrade with 401/403 until the role
assignment propagates and 404 until the deployment is visible; a busy service answers 429 with
``Retry-After``. :func:`open_when_ready` retries exactly those refusals within a time budget —
bounded exponential backoff, or the server's ``Retry-After`` (capped) for 429 — and records
every wait, so the report can say how long it waited and why. Refusals whose error code says
waiting cannot help (a disabled deployment, key auth turned off) fail at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeVar

from smoke.errors import HandshakeError

__all__ = [
    "DATA_PLANE_ROLE",
    "PERMANENT_CODES",
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
    429: "throttled by the service",
}
# Error codes that no amount of waiting fixes: fail at the first refusal.
PERMANENT_CODES = frozenset(
    {"DeploymentDisabled", "AuthenticationTypeDisabled", "AccessDenied", "OperationNotSupported"}
)
_MIN_DELAY_S = 0.05  # never retry in a tight loop, even on "Retry-After: 0"


@dataclass(frozen=True, kw_only=True)
class ReadinessPolicy:
    """How long to keep retrying 401/403/404/429 and how fast to back off."""

    budget_s: float = 120.0
    first_delay_s: float = 1.0
    factor: float = 2.0
    max_delay_s: float = 15.0
    max_retry_after_s: float = 30.0
    statuses: frozenset[int] = frozenset(WHY)
    permanent_codes: frozenset[str] = PERMANENT_CODES

    def delays(self) -> list[float]:
        """The backoff schedule, capped so the sum stays within the budget."""
        out, delay, total = [], self.first_delay_s, 0.0
        while total < self.budget_s and delay > 0:
            step = min(delay, self.max_delay_s, self.budget_s - total)
            out.append(step)
            total += step
            delay *= self.factor
        return out

    def for_auth(self, kind: str) -> ReadinessPolicy:
        """This policy for credential ``kind``: under key auth a 401/403 is final.

        A role assignment propagates; a key does not — a refused key stays refused, so waiting
        on it would only hide the real problem for the whole budget.
        """
        if kind != "key":
            return self
        return replace(self, statuses=self.statuses - {401, 403})

    def within(self, seconds: float) -> ReadinessPolicy:
        """This policy with its budget capped at ``seconds`` (what is left of a deadline)."""
        return replace(self, budget_s=max(0.0, min(self.budget_s, seconds)))

    def retryable(self, exc: HandshakeError) -> bool:
        """Whether waiting could turn this refusal into an accepted handshake."""
        return exc.status in self.statuses and exc.code not in self.permanent_codes


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """One refused handshake and the wait that followed it."""

    status: int
    code: str | None = None
    detail: str
    waited_s: float

    @property
    def why(self) -> str:
        """Why this refusal was worth waiting on, in the user's terms."""
        if self.status == 429:
            return WHY[429]
        if self.code == "PermissionDenied":
            return "role assignment not effective on the data plane yet"
        if self.code == "DeploymentNotFound":
            return WHY[404]
        return WHY.get(self.status, "refused")


@dataclass(kw_only=True)
class Readiness:
    """Every refused attempt before success (or the final refusal)."""

    attempts: list[Attempt] = field(default_factory=list)

    @property
    def waited_s(self) -> float:
        return round(sum(a.waited_s for a in self.attempts), 3)

    def summary(self) -> str:
        """E.g. ``2 refused attempt(s), waited 3.0s: 401 PermissionDenied x2 (role …)``."""
        if not self.attempts:
            return "ready at first attempt"
        counts: dict[tuple[int, str | None], list[Attempt]] = {}
        for attempt in self.attempts:
            counts.setdefault((attempt.status, attempt.code), []).append(attempt)
        reasons = ", ".join(
            f"{status}{' ' + code if code and code != str(status) else ''} "
            f"x{len(group)} ({group[0].why})"
            for (status, code), group in counts.items()
        )
        return f"{len(self.attempts)} refused attempt(s), waited {self.waited_s:.1f}s: {reasons}"


def _next_delay(
    exc: HandshakeError, policy: ReadinessPolicy, backoff: Iterator[float]
) -> float | None:
    """Seconds to wait before the next attempt, or None when this refusal is final."""
    if not policy.retryable(exc):
        return None
    if exc.status == 429 and exc.retry_after is not None:
        # The server said when; honour it, but never wait unboundedly on its word.
        return max(_MIN_DELAY_S, min(exc.retry_after, policy.max_retry_after_s))
    delay = next(backoff, None)
    return None if delay is None else max(_MIN_DELAY_S, delay)


async def open_when_ready(
    open_once: Callable[[], Awaitable[T]],
    policy: ReadinessPolicy,
    readiness: Readiness,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``open_once`` until it succeeds, retrying retryable handshake refusals.

    Every refusal is appended to ``readiness``. The last HandshakeError is re-raised when it is
    not retryable or the next wait would overrun the budget; other errors propagate at once.
    """
    backoff = iter(policy.delays())
    started = clock()
    while True:
        try:
            return await open_once()
        except HandshakeError as exc:
            delay = _next_delay(exc, policy, backoff)
            final = delay is None or clock() - started + delay > policy.budget_s + 1e-6
            waited = 0.0 if final or delay is None else round(delay, 3)
            readiness.attempts.append(
                Attempt(status=exc.status, code=exc.code, detail=exc.detail, waited_s=waited)
            )
            if final:
                raise
            await sleep(waited)


def explain_handshake(exc: HandshakeError, auth_kind: str, deployment: str) -> str:
    """A one-line reason for a refused handshake that tells the user what to fix."""
    server = f" (server said: {exc.detail})" if exc.detail else ""
    if exc.code == "DeploymentDisabled":
        return (
            f"HTTP {exc.status}: deployment '{deployment}' is disabled and cannot serve requests; "
            f"re-enable it (or redeploy) before running the smoke test{server}"
        )
    if exc.code == "AuthenticationTypeDisabled":
        return (
            f"HTTP {exc.status}: key authentication is disabled on this account "
            f"(disableLocalAuth); use --auth entra, or allow local auth{server}"
        )
    if exc.status in (401, 403) and auth_kind == "entra":
        return (
            f"HTTP {exc.status}: the identity is not authorised for realtime on this account; "
            f"it needs the '{DATA_PLANE_ROLE}' role (or '{BROAD_DATA_PLANE_ROLE}') "
            f"on the account{server}"
        )
    if exc.status in (401, 403):
        return (
            f"HTTP {exc.status}: the API key was refused; check the key "
            f"(--api-key-env, or the account's keys) or use --auth entra{server}"
        )
    if exc.status == 404:
        return f"HTTP 404: deployment '{deployment}' not found or not serving realtime{server}"
    if exc.status == 429:
        after = f"; retry after {exc.retry_after:.0f}s" if exc.retry_after is not None else ""
        return f"HTTP 429: throttled by the service{after}{server}"
    return f"HTTP {exc.status} at the WebSocket handshake{server}"
