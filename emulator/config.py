"""Runtime settings of the emulator: operation timing, propagation delays and fault injection."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args

TimingProfile = Literal["realistic", "instant"]
"""``realistic``: writes take about 2 s on the emulator clock (the account stays locked, so
concurrent writes meet ``RequestConflict``) and new role assignments reach the data plane after
about 5 s, as on Azure. ``instant``: everything at once (unit tests)."""

TIMING_PROFILES: dict[str, dict[str, float]] = {
    "realistic": {"lro_seconds": 2.0, "role_propagation_seconds": 5.0},
    "instant": {"lro_seconds": 0.0, "role_propagation_seconds": 0.0},
}
_FROM_PROFILE = -1.0  # a timing field left unset takes its value from ``timing``


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

    Rates are fractions in [0, 1] (``throttle_rate``/``error_rate`` of ARM requests,
    ``realtime_throttle_rate`` of realtime handshakes), drawn from one generator seeded with
    ``seed`` so that a test run is repeatable. Targeted ``faults`` (kind ``http``) apply to
    ARM requests and realtime handshakes alike; Entra and ``/_admin`` are never faulted.
    """

    timing: str = "instant"
    """The timing profile (``TimingProfile``) that fills ``lro_seconds`` and
    ``role_propagation_seconds`` when they are not given."""
    lro_seconds: float = _FROM_PROFILE
    """How long accounts, deployments and deletions stay in progress (emulator clock)."""
    retry_after: int = 1
    """``Retry-After`` on long-running operations; >= 1 so SDKs never fall back to 30 s polls."""
    role_propagation_seconds: float = _FROM_PROFILE
    """How long a new role assignment stays invisible to the data plane."""
    token_lifetime_seconds: int = 3599
    clock_offset_seconds: float = 0.0
    """How far the emulator's clock runs ahead of the wall clock (``Emulator.advance_clock``)."""
    realtime_session_seconds: float = 1800.0
    """Maximum realtime session length (Azure: 30 minutes)."""
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    throttle_retry_after: int = 1
    """``Retry-After`` seconds of the random ARM 429s (``throttle_rate``); 0 means "retry now"."""
    realtime_throttle_rate: float = 0.0
    """Fraction of realtime WebSocket handshakes refused with HTTP 429 and ``Retry-After``."""
    latency_ms: float = 0.0
    seed: int = 0
    faults: list[FaultRule] = field(default_factory=list)
    page_size: int = 50
    """Items per page of ARM list operations; longer lists continue through ``nextLink``."""

    def __post_init__(self) -> None:
        if self.timing not in TIMING_PROFILES:
            raise ValueError(f"timing must be one of {', '.join(get_args(TimingProfile))}")
        for name, value in TIMING_PROFILES[self.timing].items():
            if getattr(self, name) < 0:
                setattr(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update atomically.

        Every field is checked before any is applied, so a rejected update changes nothing.
        Raises ``ValueError`` naming the first unknown or invalid field.
        """
        known = {f.name for f in fields(self)}
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown setting '{name}'")
            if name == "faults":
                checked[name] = _check_faults(value)
            elif name == "timing":
                checked[name] = _check_timing(value)
            else:
                checked[name] = _check_number(name, getattr(self, name), value)
        if "timing" in checked:
            # a new profile resets the timings it governs, unless the same update sets them
            for name, value in TIMING_PROFILES[checked["timing"]].items():
                checked.setdefault(name, value)
        for name, value in checked.items():
            setattr(self, name, value)
        if "seed" in checked:
            # setting the seed (even to its current value) restarts the fault sequence
            self.seed_generation = self.seed_generation + 1

    @property
    def seed_generation(self) -> int:
        """How many times ``seed`` was set through ``update`` (not a setting itself)."""
        return self.__dict__.get("_seed_generation", 0)

    @seed_generation.setter
    def seed_generation(self, value: int) -> None:
        self.__dict__["_seed_generation"] = value


def _check_timing(value: Any) -> str:
    if value not in TIMING_PROFILES:
        raise ValueError(f"'timing' must be one of {', '.join(get_args(TimingProfile))}")
    return str(value)


def _check_number(name: str, current: Any, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"'{name}' must be a number")
    if isinstance(current, int) and not float(value).is_integer():
        raise ValueError(f"'{name}' must be a whole number")
    value = type(current)(value)
    if name.endswith("_rate") and not 0.0 <= value <= 1.0:
        raise ValueError(f"'{name}' must be between 0 and 1")
    if value < 0:
        raise ValueError(f"'{name}' must not be negative")
    if name == "page_size" and value < 1:
        raise ValueError("'page_size' must be at least 1")
    return value


def _check_faults(value: Any) -> list[FaultRule]:
    if not isinstance(value, list):
        raise ValueError("'faults' must be a list of rules")
    rules = []
    for index, raw in enumerate(value):
        where = f"faults[{index}]"
        if not isinstance(raw, dict):
            raise ValueError(f"{where} must be an object")
        try:
            rule = FaultRule(**raw)
        except TypeError as exc:
            raise ValueError(f"{where}: {exc}") from None
        try:
            re.compile(rule.match)
        except (re.error, TypeError) as exc:
            raise ValueError(f"{where}.match is not a valid regular expression ({exc})") from None
        if rule.kind not in ("http", "lro"):
            raise ValueError(f"{where}.kind must be 'http' or 'lro'")
        if (
            isinstance(rule.status, bool)
            or not isinstance(rule.status, int)
            or not 100 <= rule.status <= 599
        ):
            raise ValueError(f"{where}.status must be an HTTP status code")
        if isinstance(rule.times, bool) or not isinstance(rule.times, int) or rule.times < -1:
            raise ValueError(f"{where}.times must be an integer >= -1")
        if rule.retry_after is not None and (
            isinstance(rule.retry_after, bool) or not isinstance(rule.retry_after, int)
        ):
            raise ValueError(f"{where}.retry_after must be an integer or null")
        for text_field in ("method", "code", "message"):
            if not isinstance(getattr(rule, text_field), str):
                raise ValueError(f"{where}.{text_field} must be a string")
        rules.append(rule)
    return rules
