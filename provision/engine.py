"""The provisioning stages as library calls: open -> gather -> plan -> pre-flight -> apply.

The CLI is one client of these functions; ``smoke`` is another (it opens an environment to
find endpoints and credentials). Nothing here prints: progress goes to ``on_event``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from provision import apply, facts, outputs, preflight, readiness
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
    env: str | None = None,
    env_file: Path | None = None,
    env_dir: Path | None = None,
    *,
    principal: str | None = None,
) -> Iterator[Session]:
    """Load and validate the environment, open its target and resolve the desired state.

    ``principal`` (emulator only) names the connection.json principal to act as.
    """
    loaded = load_environment(env, env_file, env_dir)
    with open_target(loaded, principal) as target:
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
    readiness: readiness.ReadinessReport | None = None  # None when not waited for

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "apply": self.result.to_dict() if self.result else None,
            "readiness": self.readiness.to_dict() if self.readiness else None,
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
    AbortedError or ApplyError. Readiness is a separate step: ``wait_ready``.
    """
    plan = prepare_up(session, confirm=confirm, allow_protected=allow_protected)
    return apply_up(session, plan, on_event=on_event, retry=retry)


def prepare_up(session: Session, *, confirm: Confirm, allow_protected: bool = False) -> Plan:
    """Everything ``up`` does before its first write: plan, pre-flight, protection, confirm."""
    plan, _ = make_plan(session)
    if not plan.has_changes:
        return plan
    failures = check_preflight(session, plan)
    if failures:
        raise PreflightError(failures)
    if plan.destructive:
        _guard(session, allow_protected, "destructive changes (replace/delete)")
        if not confirm(plan):
            raise AbortedError("not applied: destructive changes were not confirmed")
    return plan


def apply_up(
    session: Session,
    plan: Plan,
    *,
    on_event: Callable[[apply.Event], None] | None = None,
    retry: apply.RetryPolicy | None = None,
) -> UpResult:
    """Apply a plan from ``prepare_up`` (nothing when it has no changes). Raises ApplyError."""
    if not plan.has_changes:
        return UpResult(plan, None)
    result = apply.execute(plan, session.desired, session.backend, on_event=on_event, retry=retry)
    return UpResult(plan, result)


def wait_ready(
    session: Session,
    outcome: UpResult,
    *,
    timeout: float | None = None,
    on_check: Callable[[readiness.CheckResult], None] | None = None,
) -> UpResult:
    """Wait until the data plane accepts the granted identities, if ``up`` changed anything it
    depends on; ``outcome.readiness`` then holds the report (never raises for a refusal)."""
    config = session.loaded.config
    if not config.readiness.wait or not readiness.needs_wait(outcome.result):
        return outcome
    actual = facts.gather(session.backend, session.desired)
    acct = actual.account
    endpoint = outputs.openai_endpoint(acct.endpoints, acct.endpoint) if acct else None
    local = session.target.kind == "emulator"
    policy = readiness.Policy(
        timeout_s=timeout or config.wait_timeout,
        first_delay_s=0.5 if local else 1.0,
        max_delay_s=2.0 if local else 15.0,
    )
    report = readiness.wait(session.desired, session.target, endpoint, policy, on_check=on_check)
    return replace(outcome, readiness=report)


def up_many(
    jobs: list[tuple[Session, Plan]],
    *,
    wait: bool,
    timeout: float | None = None,
    on_event: Callable[[apply.Event], None] | None = None,
    on_check: Callable[[str, readiness.CheckResult], None] | None = None,
) -> list[UpResult | BaseException]:
    """Apply (and wait for) several prepared environments concurrently, one thread each.

    Returns one result or exception per job, in order; one failure does not stop the others.
    """

    def one(job: tuple[Session, Plan]) -> UpResult | BaseException:
        session, plan = job
        env = session.desired.environment
        try:
            outcome = apply_up(session, plan, on_event=on_event)
            if not wait:
                return outcome
            check = (lambda c: on_check(env, c)) if on_check else None
            return wait_ready(session, outcome, timeout=timeout, on_check=check)
        except Exception as exc:  # reported per environment
            return exc

    with ThreadPoolExecutor(max_workers=min(8, max(1, len(jobs))), thread_name_prefix="up") as pool:
        return list(pool.map(one, jobs))


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
