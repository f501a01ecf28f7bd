"""Latency gates: a team's budget for first audio and total scenario time, as checks."""

from __future__ import annotations

from dataclasses import dataclass

from smoke.checks.base import CheckResult, fail, ok

__all__ = ["LatencyGates", "check_latency"]


@dataclass(frozen=True, kw_only=True)
class LatencyGates:
    """Budgets in milliseconds; None = no gate. From ``--max-first-audio-ms`` / ``[smoke]``."""

    max_first_audio_ms: float | None = None
    max_total_ms: float | None = None

    @property
    def active(self) -> bool:
        return self.max_first_audio_ms is not None or self.max_total_ms is not None


def _gate(name: str, measured_s: float | None, limit_ms: float, what: str) -> CheckResult:
    expected = f"{what} ≤ {limit_ms:.0f} ms"
    if measured_s is None:
        return fail(name, expected, "not measured", f"{what} was never reached")
    measured_ms = measured_s * 1000
    observed = f"{measured_ms:.0f} ms"
    if measured_ms > limit_ms:
        return fail(
            name, expected, observed, f"{what} took {measured_ms:.0f} ms, budget {limit_ms:.0f} ms"
        )
    return ok(name, expected, observed)


def check_latency(
    gates: LatencyGates, first_audio_s: float | None, total_s: float | None
) -> list[CheckResult]:
    """One check per active gate, each reporting the measured value."""
    checks = []
    if gates.max_first_audio_ms is not None:
        checks.append(
            _gate("latency.first_audio", first_audio_s, gates.max_first_audio_ms, "first audio")
        )
    if gates.max_total_ms is not None:
        checks.append(_gate("latency.total", total_s, gates.max_total_ms, "scenario total"))
    return checks
