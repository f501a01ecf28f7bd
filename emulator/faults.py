"""Seeded fault injection: random throttling and failures, and targeted rules.

ARM requests may be throttled (``throttle_rate``), fail (``error_rate``) or hit a targeted
rule; realtime handshakes may be throttled (``realtime_throttle_rate``) or hit a targeted rule.
Both draw from the same seeded generator, and only when their rate is non-zero, so enabling
one kind of fault does not shift the sequence of the other.
"""

from __future__ import annotations

import random
import threading

from emulator.config import EmulatorConfig, FaultRule
from emulator.errors import ServiceError


class Faults:
    """Decides, per request, whether to inject a fault. Repeatable for a given seed."""

    def __init__(self, config: EmulatorConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._seeded = (config.seed, config.seed_generation)
        self._rng = random.Random(config.seed)

    def _draw(self) -> float:
        current = (self._config.seed, self._config.seed_generation)
        if current != self._seeded:  # reseeded through /_admin/config
            self._seeded = current
            self._rng = random.Random(self._config.seed)
        return self._rng.random()

    def http_fault(self, method: str, path: str) -> ServiceError | None:
        """An error to answer instead of handling the request, if one is due."""
        with self._lock:
            rule = self._take(method, path, "http")
            if rule is not None:
                headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after else {}
                return ServiceError(rule.status, rule.code, rule.message, headers=headers)
            config = self._config
            if config.throttle_rate and self._draw() < config.throttle_rate:
                wait = config.throttle_retry_after
                return ServiceError(
                    429,
                    "TooManyRequests",
                    "The request is being throttled as the limit has been reached for operation "
                    f"type. Please try again after '{wait}' seconds.",
                    headers={"Retry-After": str(wait)},
                )
            if config.error_rate and self._draw() < config.error_rate:
                return ServiceError(
                    500,
                    "InternalServerError",
                    "Encountered internal server error. Please try again.",
                )
        return None

    def dataplane_fault(self, method: str, path: str) -> ServiceError | None:
        """An error to refuse a realtime handshake with (before the upgrade), if one is due.

        Azure refuses a rate-limited upgrade with HTTP 429 (realtime-protocol §3.4); a 429
        always carries ``Retry-After`` here, as Azure OpenAI's do.
        """
        with self._lock:
            rule = self._take(method, path, "http")
            if rule is not None:
                retry = rule.retry_after
                if retry is None and rule.status == 429:
                    retry = 1
                headers = {"Retry-After": str(retry)} if retry else {}
                return ServiceError(rule.status, rule.code, rule.message, headers=headers)
            rate = self._config.realtime_throttle_rate
            if rate and self._draw() < rate:
                return realtime_throttled()
        return None

    def lro_fault(self, method: str, path: str) -> FaultRule | None:
        """A rule that should make this write's long-running operation fail, if any."""
        with self._lock:
            return self._take(method, path, "lro")

    def _take(self, method: str, path: str, kind: str) -> FaultRule | None:
        for rule in self._config.faults:
            if rule.kind == kind and rule.matches(method, path):
                rule.consume()
                return rule
        return None


def realtime_throttled(seconds: int = 1) -> ServiceError:
    """Azure OpenAI's 429 for a request over the deployment's rate limit (wording modelled on
    its REST answers; the realtime body is UNCONFIRMED, realtime-protocol §15)."""
    return ServiceError(
        429,
        "429",
        "Requests to the Realtime operation under Azure OpenAI API have exceeded the call "
        f"rate limit of your current pricing tier. Please retry after {seconds} second"
        f"{'' if seconds == 1 else 's'}.",
        headers={"Retry-After": str(seconds), "retry-after-ms": str(seconds * 1000)},
    )
