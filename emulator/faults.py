"""Seeded fault injection: random throttling and failures, and targeted rules."""

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
        self._seed = config.seed
        self._rng = random.Random(config.seed)

    def _draw(self) -> float:
        if self._config.seed != self._seed:  # reseeded through /_admin/config
            self._seed = self._config.seed
            self._rng = random.Random(self._seed)
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
                return ServiceError(
                    429,
                    "TooManyRequests",
                    "The request is being throttled as the limit has been reached for operation "
                    "type. Please try again after '1' seconds.",
                    headers={"Retry-After": "1"},
                )
            if config.error_rate and self._draw() < config.error_rate:
                return ServiceError(
                    500,
                    "InternalServerError",
                    "Encountered internal server error. Please try again.",
                )
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
