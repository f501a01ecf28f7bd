"""Runtime settings of the emulator: operation timing, propagation delays and fault injection."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class FaultRule:
    """One targeted fault: requests whose method and path match fail as described.

    ``kind="http"`` answers the matching request itself with ``status``/``code``;
    ``kind="lro"`` lets the write be accepted, then fails its long-running operation.
    ``times`` counts how many matching requests are affected (-1: all of them).
    """

    match: str
    method: str = "*"
    kind: str = "http"
    status: int = 500
    code: str = "InternalServerError"
    message: str = "Injected fault."
    times: int = 1
    retry_after: int | None = None

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule still applies to a request."""
        if self.times == 0:
            return False
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        return re.search(self.match, path, re.IGNORECASE) is not None

    def consume(self) -> None:
        """Count one affected request."""
        if self.times > 0:
            self.times -= 1


@dataclass
class EmulatorConfig:
    """Knobs of one emulator process; changeable at run time through ``/_admin/config``.

    Rates are fractions of ARM requests in [0, 1], drawn from a generator seeded with
    ``seed`` so that a test run is repeatable.
    """

    lro_seconds: float = 0.0
    """How long accounts, deployments and deletions stay in progress (by wall time)."""
    retry_after: int = 1
    """``Retry-After`` on long-running operations; >= 1 so SDKs never fall back to 30 s polls."""
    role_propagation_seconds: float = 0.0
    """How long a new role assignment stays invisible to the data plane."""
    token_lifetime_seconds: int = 3599
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    latency_ms: float = 0.0
    seed: int = 0
    faults: list[FaultRule] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update; raises ``ValueError`` naming any unknown or mistyped field."""
        known = {f.name: f for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown setting '{name}'")
            if name == "faults":
                if not isinstance(value, list):
                    raise ValueError("'faults' must be a list of rules")
                try:
                    value = [FaultRule(**rule) for rule in value]
                except TypeError as exc:
                    raise ValueError(f"bad fault rule: {exc}") from None
            else:
                current = getattr(self, name)
                if isinstance(current, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"'{name}' must be a number")
                value = type(current)(value)
                if name.endswith("_rate") and not 0.0 <= value <= 1.0:
                    raise ValueError(f"'{name}' must be between 0 and 1")
                if value < 0:
                    raise ValueError(f"'{name}' must not be negative")
            setattr(self, name, value)
