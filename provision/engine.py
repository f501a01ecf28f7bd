"""The provisioning stages as library calls: open -> gather -> plan -> pre-flight -> apply.

The CLI is one client of these functions; ``smoke`` is another (it opens an environment to
find endpoints and credentials). Nothing here prints: progress goes to ``on_event``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provision import apply, facts, outputs, preflight
from provision.changes import Plan
from provision.config import LoadedEnvironment, load_environment
from provision.errors import AbortedError, PreflightError, ProtectedEnvironmentError
from provision.model import ActualState, DesiredState
from provision.plan import diff
from provision.resolve import desired_state
from provision.targets import Target, open_target
from provision.teardown import plan_down

Confirm = Callable[[Plan], bool]


@dataclass
class Session:
    """An environment opened on its target, with its desired state resolved."""

    loaded: LoadedEnvironment
    target: Target
    desired: DesiredState

    @property
    def backend(self) -> Any:
        return self.target.backend


@contextmanager
def open_session(
    env: str | None = None, env_file: Path | None = None, env_dir: Path | None = None
) -> Iterator[Session]:
    """Load and validate the environment, open its target and resolve the desired state."""
    loaded = load_environment(env, env_file, env_dir)
    with open_target(loaded) as target:
        yield Session(loaded, target, desired_state(loaded.config, target.backend))


def make_plan(session: Session) -> tuple[Plan, ActualState]:
    """Read actual state (a handful of requests) and diff it against the desired state."""
    actual = facts.gather(session.backend, session.desired)
    return diff(session.desired, actual), actual


def check_preflight(session: Session, plan: Plan) -> list[preflight.PreflightFailure]:
    """Run pre-flight for ``plan`` (reads usages/catalog/subdomain only when needed)."""
    discovery = facts.gather_discovery(session.backend, session.desired, plan)
    return preflight.check(session.desired, plan, discovery)


@dataclass(frozen=True)
class UpResult:
    plan: Plan
    result: apply.ApplyResult | None  # None when nothing had to change

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "apply": self.result.to_dict() if self.result else None,
        }


def up(
    session: Session,
    *,
    confirm: Confirm,
    allow_protected: bool = False,
    on_event: Callable[[apply.Event], None] | None = None,
    retry: apply.RetryPolicy | None = None,
) -> UpResult:
    """Converge the environment. Destructive changes need ``confirm(plan)`` to return True.

    Raises PlanError, PreflightError (before any write), ProtectedEnvironmentError,
    AbortedError or ApplyError.
    """
    plan, _ = make_plan(session)
    if not plan.has_changes:
        return UpResult(plan, None)
    failures = check_preflight(session, plan)
    if failures:
        raise PreflightError(failures)
    if plan.destructive:
        _guard(session, allow_protected, "destructive changes (replace/delete)")
        if not confirm(plan):
            raise AbortedError("not applied: destructive changes were not confirmed")
    result = apply.execute(plan, session.desired, session.backend, on_event=on_event, retry=retry)
    return UpResult(plan, result)


def down(
    session: Session,
    *,
    purge: bool,
    confirm: Confirm,
    allow_protected: bool = False,
    on_event: Callable[[apply.Event], None] | None = None,
    retry: apply.RetryPolicy | None = None,
) -> UpResult:
    """Remove what this environment owns (and purge it when asked)."""
    _guard(session, allow_protected, "down")
    actual = facts.gather(session.backend, session.desired, for_down=True)
    plan = plan_down(session.desired, actual, purge=purge)
    if not plan.has_changes:
        return UpResult(plan, None)
    if not confirm(plan):
        raise AbortedError("nothing deleted: not confirmed")
    result = apply.execute(plan, session.desired, session.backend, on_event=on_event, retry=retry)
    return UpResult(plan, result)


def build_outputs(session: Session) -> dict[str, Any]:
    """Endpoint, deployments with realtime URL and dialect, role assignments."""
    actual = facts.gather(session.backend, session.desired)
    return outputs.build(session.desired, actual)


def _guard(session: Session, allow_protected: bool, what: str) -> None:
    guard_protected(session.desired.protected, session.desired.environment, allow_protected, what)


def guard_protected(protected: bool, env: str, allow_protected: bool, what: str) -> None:
    """Raise ProtectedEnvironmentError for ``what`` on a protected environment without override."""
    if protected and not allow_protected:
        raise ProtectedEnvironmentError(
            f"environment {env} is protected (protection.prevent_destroy); {what} refused. "
            f"Re-run with --confirm-protected {env} if you really mean it"
        )
