"""The vocabulary of ``up`` and ``down``: what to open, how to run, and what came out.

:class:`UpReport` holds one :class:`EnvOutcome` per environment (a result, or the error that
stopped it, with its exit code); the CLI renders it, the pytest plugin reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provision.changes import Plan
from provision.errors import (
    EXIT_AUTH,
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_NOT_READY,
    EXIT_OK,
    ProvisionError,
)

if TYPE_CHECKING:
    from provision.apply import ApplyResult, Event
    from provision.readiness import CheckResult, ReadinessReport

Confirm = Callable[[Plan], bool]
# The exit code of a multi-environment run is the most severe of its environments'.
_SEVERITY = (EXIT_INTERRUPTED, EXIT_AUTH, EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_NOT_READY)


def refuse(plan: Plan) -> bool:
    """The default confirmation: destructive changes are not confirmed."""
    return False


@dataclass(frozen=True)
class EnvRef:
    """One environment on the command line: ``--env NAME`` or ``--env-file PATH``."""

    name: str | None = None
    file: Path | None = None

    @property
    def label(self) -> str:
        return self.name or str(self.file or "<none>")


@dataclass(frozen=True)
class Selection:
    """Which environments, and how to open them."""

    envs: tuple[EnvRef, ...]
    env_dir: Path | None = None
    principal: str | None = None
    subscription: str | None = None


@dataclass(frozen=True)
class UpOptions:
    confirm: Confirm = refuse
    confirm_protected: str | None = None
    wait: bool = True
    wait_timeout: float | None = None
    smoke: bool = False
    on_event: Callable[[Event], None] | None = None
    on_check: Callable[[str, CheckResult], None] | None = None
    on_step: Callable[[str], None] | None = None
    on_plan: Callable[[str, Plan], None] | None = None  # (environment, plan) before applying
    # (environment, deployment, identity, reason) each time a readiness probe is refused
    on_wait: Callable[[str, str, str, str], None] | None = None
    # (environment, deployment, identity) when a readiness probe starts
    on_check_started: Callable[[str, str, str], None] | None = None


@dataclass(frozen=True)
class DownOptions:
    purge: bool = False
    confirm: Confirm = refuse
    confirm_protected: str | None = None
    on_event: Callable[[Event], None] | None = None
    on_step: Callable[[str], None] | None = None
    on_plan: Callable[[str, Plan], None] | None = None  # (environment, plan) before deleting


@dataclass(frozen=True)
class UpResult:
    """What happened to one environment: the plan, what was applied, what the data plane said,
    and the smoke report when ``up --smoke`` ran one."""

    plan: Plan
    result: ApplyResult | None  # None when nothing had to change
    readiness: ReadinessReport | None = None  # None when not waited for
    smoke: Any = None  # smoke.run.SmokeReport
    smoke_exit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "apply": self.result.to_dict() if self.result else None,
            "readiness": self.readiness.to_dict() if self.readiness else None,
        }


@dataclass
class EnvOutcome:
    """One environment's ending: a result, or the error that stopped it."""

    label: str
    environment: str
    exit_code: int = EXIT_OK
    result: UpResult | None = None
    error: ProvisionError | None = None
    skipped: str | None = None  # why it was not applied (another environment failed first)


@dataclass
class UpReport:
    """Every environment of one ``up`` or ``down``; ``applied`` is False when nothing was
    written because some environment failed before any write."""

    environments: list[EnvOutcome] = field(default_factory=list)
    applied: bool = True

    @property
    def exit_code(self) -> int:
        return worst(o.exit_code for o in self.environments)

    def to_dict(self) -> dict[str, Any]:
        items = []
        for o in self.environments:
            item: dict[str, Any] = {"environment": o.environment, "exit_code": o.exit_code}
            if o.error is not None:
                item["error"] = str(o.error)
            if o.result is not None:
                item.update(o.result.to_dict())
            if o.skipped:
                item["skipped"] = o.skipped
            items.append(item)
        return {"environments": items, "applied": self.applied}


def worst(codes: Any) -> int:
    """The most severe of several exit codes (0 when all are 0)."""
    found = [c for c in codes if c]
    for code in _SEVERITY:
        if code in found:
            return code
    return found[0] if found else EXIT_OK
