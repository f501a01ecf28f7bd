"""``up`` and ``down``: the write side of provisioning, for one environment or several.

This is the one module that strings the stages together (open -> plan -> pre-flight -> guards ->
apply -> readiness -> smoke), and the one place for each guard (protected environment,
confirmation of destructive changes). Nothing here prints: progress goes to callbacks, results
come back as an :class:`UpReport` that the CLI renders.

Several environments: everything before the first write (load, plan, pre-flight, protection,
confirmation) runs for every environment first, in order; if any fails, nothing is applied.
Then each environment is applied and waited for in its own thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from provision import apply, marker
from provision.changes import Plan
from provision.config import load_environment, with_subscription
from provision.errors import (
    EXIT_NOT_READY,
    EXIT_OK,
    AbortedError,
    InterruptedRunError,
    PreflightError,
    ProtectedEnvironmentError,
    ProvisionError,
    ReadinessError,
    UsageError,
)
from provision.model import ActualState
from provision.outcomes import (
    Confirm,
    DownOptions,
    EnvOutcome,
    EnvRef,
    Selection,
    UpOptions,
    UpReport,
    UpResult,
    refuse,
    worst,
)
from provision.session import Session, check_preflight, make_plan, open_loaded
from provision.teardown import plan_down

if TYPE_CHECKING:
    from provision.readiness import CheckResult, ReadinessReport

__all__ = [
    "DownOptions",
    "EnvOutcome",
    "EnvRef",
    "Selection",
    "UpOptions",
    "UpReport",
    "UpResult",
    "apply_and_wait",
    "down",
    "down_session",
    "guard_protected",
    "not_ready_error",
    "prepare_up",
    "refuse",
    "up",
    "up_sessions",
    "wait_ready",
    "worst",
]

# --------------------------------------------------------------------------------- up


def up(selection: Selection, options: UpOptions) -> UpReport:
    """Converge every selected environment; never raises for an environment's own failure
    (its :class:`EnvOutcome` carries the error and exit code)."""
    if not selection.envs:
        selection = replace(selection, envs=(EnvRef(),))  # lets config name the missing flag
    _refuse_duplicates(selection.envs)
    openers = [(ref.label, _opener(ref, selection, options.on_step)) for ref in selection.envs]
    return _up_all(openers, options)


def up_sessions(sessions: list[Session], options: UpOptions) -> UpReport:
    """:func:`up` for environments the caller has already opened (library use, tests)."""
    return _up_all([(s.environment, _given(s)) for s in sessions], options)


Opener = Callable[[], AbstractContextManager[Session]]


def _up_all(openers: list[tuple[str, Opener]], options: UpOptions) -> UpReport:
    with ExitStack() as stack:
        prepared, report = _prepare_all(openers, options, stack)
        if not report.applied:
            return report
        report.environments = _run_all(list(prepared.items()), options)
        return report


def _run_all(jobs: list[tuple[str, Prepared]], options: UpOptions) -> list[EnvOutcome]:
    """Apply every prepared environment; one alone runs in this thread (Ctrl-C interrupts it
    mid-change), several run in threads that stop after their current change on Ctrl-C."""
    cancel = threading.Event()

    def run(job: tuple[str, Prepared]) -> EnvOutcome:
        label, (session, plan, actual) = job
        return _run_one(label, session, plan, actual, options, cancel)

    if len(jobs) == 1:
        return [run(jobs[0])]
    with ThreadPoolExecutor(max_workers=min(8, len(jobs)), thread_name_prefix="up") as pool:
        futures = [pool.submit(run, job) for job in jobs]
        try:
            futures_wait(futures)
        except KeyboardInterrupt:
            cancel.set()  # the workers raise InterruptedRunError before their next change
            futures_wait(futures)
        return [f.result() for f in futures]


def _refuse_duplicates(envs: tuple[EnvRef, ...]) -> None:
    labels = [e.label for e in envs]
    dupes = sorted({label for label in labels if labels.count(label) > 1})
    if dupes:
        raise UsageError(f"environment given more than once: {', '.join(dupes)}")


Prepared = tuple[Session, Plan, ActualState]


def _prepare_all(
    openers: list[tuple[str, Opener]], options: UpOptions, stack: ExitStack
) -> tuple[dict[str, Prepared], UpReport]:
    prepared: dict[str, Prepared] = {}
    report = UpReport()
    accounts: dict[str, str] = {}
    single = len(openers) == 1
    for label, opener in openers:
        outcome = EnvOutcome(label, label)
        report.environments.append(outcome)
        try:
            session = stack.enter_context(opener())
            outcome.environment = session.environment
            _step(options.on_step, f"environment {session.environment} on {session.target.kind}")
            _one_account_per_run(session, accounts)
            allowed = _confirmed_protected(options.confirm_protected, session.environment, single)
            prepared[label] = (
                session,
                *prepare_up(session, options.confirm, allowed, options.on_plan),
            )
        except ProvisionError as exc:
            outcome.error, outcome.exit_code = exc, exc.exit_code
    if not single and options.confirm_protected:
        names = [o.environment for o in report.environments]
        if options.confirm_protected not in names and not _failed(report):
            error = UsageError(
                f"--confirm-protected {options.confirm_protected} names none of "
                "the environments given"
            )
            report.environments.append(
                EnvOutcome("<command line>", "<command line>", error.exit_code, error=error)
            )
    if _failed(report):
        report.applied = False
        for o in report.environments:
            if o.error is None:
                o.skipped = "not applied: another environment failed before any write"
                o.result = UpResult(prepared[o.label][1], None)
    return prepared, report


def _failed(report: UpReport) -> bool:
    return any(o.error is not None for o in report.environments)


def _opener(ref: EnvRef, selection: Selection, on_step: Callable[[str], None] | None) -> Opener:
    @contextmanager
    def open_it() -> Iterator[Session]:
        loaded = load_environment(ref.name, ref.file, selection.env_dir)
        loaded = with_subscription(loaded, selection.subscription)
        with open_loaded(loaded, principal=selection.principal, on_step=on_step) as session:
            yield session

    return open_it


def _given(session: Session) -> Opener:
    return lambda: nullcontext(session)


def _one_account_per_run(session: Session, accounts: dict[str, str]) -> None:
    account = session.desired.account_id.lower()
    if account in accounts:
        raise UsageError(
            f"{session.environment} and {accounts[account]} declare the same account "
            f"{session.desired.account.name}; apply them one at a time"
        )
    accounts[account] = session.environment


def _confirmed_protected(value: str | None, environment: str, single: bool) -> bool:
    """Whether ``--confirm-protected`` names this environment (one environment: it must)."""
    if value is None:
        return False
    if single and value != environment:
        raise UsageError(f"--confirm-protected must repeat the environment name ({environment!r})")
    return value == environment


def prepare_up(
    session: Session,
    confirm: Confirm,
    allow_protected: bool = False,
    on_plan: Callable[[str, Plan], None] | None = None,
) -> tuple[Plan, ActualState]:
    """Everything ``up`` does before its first write: plan, pre-flight, protection, confirm
    (``on_plan`` sees the plan before the confirmation and before any write)."""
    plan, actual = make_plan(session)
    if not plan.has_changes:
        return plan, actual
    failures = check_preflight(session, plan)
    if failures:
        raise PreflightError(failures)
    if on_plan is not None:
        on_plan(session.environment, plan)
    if plan.destructive:
        guard_protected(session, allow_protected, "destructive changes (replace/delete)")
        if not confirm(plan):
            raise AbortedError("not applied: destructive changes were not confirmed")
    return plan, actual


def _run_one(
    label: str,
    session: Session,
    plan: Plan,
    actual: ActualState,
    options: UpOptions,
    cancel: threading.Event | None = None,
) -> EnvOutcome:
    outcome = EnvOutcome(label, session.environment)
    try:
        outcome.result = apply_and_wait(session, plan, actual, options, cancel)
        outcome.exit_code = _result_code(outcome.result)
    except ProvisionError as exc:
        outcome.error, outcome.exit_code = exc, exc.exit_code
    return outcome


def _result_code(result: UpResult) -> int:
    if result.readiness is not None and not result.readiness.ok:
        return EXIT_NOT_READY
    return result.smoke_exit or EXIT_OK


def apply_and_wait(
    session: Session,
    plan: Plan,
    actual: ActualState,
    options: UpOptions,
    cancel: threading.Event | None = None,
) -> UpResult:
    """Apply ``plan``, then prove readiness (when asked) and run smoke (when asked).

    Readiness not yet proven is remembered in a marker tag (``provision.marker``) written with
    the plan's first change, so a rerun after a kill or a timeout proves readiness again.
    """
    from provision import readiness

    waits = options.wait and session.loaded.config.readiness.wait
    needed = readiness.needs_plan_wait(plan) or (waits and marker.pending(session.desired, actual))
    if needed:
        plan = marker.mark(plan, session.desired, actual)
    result = None
    if plan.has_changes:
        result = apply.execute(
            plan, session.desired, session.backend, on_event=options.on_event, cancel=cancel
        )
    outcome = UpResult(plan, result)
    try:
        if waits and needed:
            outcome = replace(outcome, readiness=_prove(session, options))
        if options.smoke and _result_code(outcome) == EXIT_OK:
            from provision.smoke_source import smoke_after_up

            report, code = smoke_after_up(session)
            outcome = replace(outcome, smoke=report, smoke_exit=code)
    except KeyboardInterrupt:  # everything was applied; the marker makes the rerun prove it
        raise InterruptedRunError(session.environment, result.applied if result else ()) from None
    return outcome


def _prove(session: Session, options: UpOptions) -> ReadinessReport:
    from provision import facts

    env, on_check, on_wait, on_start = (
        session.environment,
        options.on_check,
        options.on_wait,
        options.on_check_started,
    )
    hooks = _ReadinessHooks(
        (lambda c: on_check(env, c)) if on_check else None,
        (lambda d, i, r: on_wait(env, d, i, r)) if on_wait else None,
        (lambda d, i: on_start(env, d, i)) if on_start else None,
    )
    actual = facts.gather(session.backend, session.desired)
    report = wait_ready(session, actual, options.wait_timeout, hooks)
    if report.ok:
        marker.clear(session.backend, session.desired, actual)
    return report


@dataclass(frozen=True)
class _ReadinessHooks:
    on_check: Callable[[CheckResult], None] | None = None
    on_wait: Callable[[str, str, str], None] | None = None
    on_start: Callable[[str, str], None] | None = None


def wait_ready(
    session: Session,
    actual: ActualState,
    timeout: float | None = None,
    hooks: _ReadinessHooks | None = None,
) -> ReadinessReport:
    """Wait until the data plane accepts the granted identities; the report says what
    happened (never raises for a refusal)."""
    from provision import outputs, readiness

    config = session.loaded.config
    acct = actual.account
    endpoint = outputs.openai_endpoint(acct.endpoints, acct.endpoint) if acct else None
    local = session.target.kind == "emulator"
    policy = readiness.Policy(
        timeout_s=timeout or config.wait_timeout,
        first_delay_s=0.5 if local else 1.0,
        max_delay_s=2.0 if local else 15.0,
    )
    hooks = hooks or _ReadinessHooks()
    return readiness.wait(
        session.desired,
        session.target,
        endpoint,
        policy,
        on_check=hooks.on_check,
        on_wait=hooks.on_wait,
        on_start=hooks.on_start,
    )


def not_ready_error(report: ReadinessReport) -> ReadinessError:
    """The one-line error for a readiness wait that ran out (exit 4)."""
    first = report.failed[0]
    return ReadinessError(
        f"{report.environment}: applied, but the data plane did not accept "
        f"{len(report.failed)} of {len(report.checks)} deployment/identity check(s) within "
        f"{report.timeout_s:g}s (first: {first.deployment} as {first.identity}: {first.error}); "
        "role assignments can take up to 10 min on Azure: check later with `smoke run`, "
        "or raise --wait-timeout",
        report,
    )


# ------------------------------------------------------------------------------- down


def down(selection: Selection, options: DownOptions) -> UpReport:
    """Remove what the (single) selected environment owns; the protection guard runs before
    the target is even opened."""
    if len(selection.envs) > 1:
        raise UsageError("down takes one environment at a time")
    ref = selection.envs[0] if selection.envs else EnvRef()
    loaded = with_subscription(
        load_environment(ref.name, ref.file, selection.env_dir), selection.subscription
    )
    allow = _confirmed_protected(options.confirm_protected, loaded.name, single=True)
    outcome = EnvOutcome(ref.label, loaded.name)
    report = UpReport([outcome])
    try:
        _guard(loaded.config.protection.prevent_destroy, loaded.name, allow, "down")
        with open_loaded(loaded, principal=selection.principal, on_step=options.on_step) as session:
            _step(options.on_step, f"environment {session.environment} on {session.target.kind}")
            outcome.result = _teardown(session, options)
    except ProvisionError as exc:
        outcome.error, outcome.exit_code = exc, exc.exit_code
        report.applied = not isinstance(exc, (ProtectedEnvironmentError, AbortedError))
    return report


def down_session(
    session: Session, options: DownOptions, *, allow_protected: bool = False
) -> UpResult:
    """Tear down an open session's environment; raises ProtectedEnvironmentError,
    AbortedError, ApplyError."""
    guard_protected(session, allow_protected, "down")
    return _teardown(session, options)


def _teardown(session: Session, options: DownOptions) -> UpResult:
    """``down`` after its guard: read, plan the deletions, confirm, apply."""
    from provision import facts

    actual = facts.gather(session.backend, session.desired, for_down=True)
    plan = plan_down(session.desired, actual, purge=options.purge)
    if not plan.has_changes:
        return UpResult(plan, None)
    if options.on_plan is not None:
        options.on_plan(session.environment, plan)
    if not options.confirm(plan):
        raise AbortedError("nothing deleted: not confirmed")
    result = apply.execute(plan, session.desired, session.backend, on_event=options.on_event)
    return UpResult(plan, result)


# ----------------------------------------------------------------------------- guards


def guard_protected(session: Session, allow_protected: bool, what: str) -> None:
    """Raise ProtectedEnvironmentError for ``what`` on a protected environment without the
    ``--confirm-protected`` override."""
    _guard(session.desired.protected, session.environment, allow_protected, what)


def _guard(protected: bool, env: str, allow_protected: bool, what: str) -> None:
    if protected and not allow_protected:
        raise ProtectedEnvironmentError(
            f"environment {env} is protected (protection.prevent_destroy); {what} refused. "
            f"Re-run with --confirm-protected {env} if you really mean it"
        )


def _step(on_step: Callable[[str], None] | None, message: str) -> None:
    if on_step is not None:
        on_step(message)
