"""Execute a plan: walk its changes in order, retry what ARM says to retry, stop at the first
failure and report what was and was not applied.

Order comes from the planner (resource group -> account -> deployments -> role assignments).
Deployment writes are serialized per account (one at a time) and retried with bounded backoff
on ``RequestConflict`` and 429; role assignments use their deterministic names and an explicit
``principalType`` and are retried on ``PrincipalNotFound`` (directory replication lag).
Several environments are applied concurrently with ``execute_many``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from provision.backends.base import Backend
from provision.changes import Change, Create, Delete, NoOp, Plan, Replace, Update
from provision.errors import (
    ApplyError,
    AzureApiError,
    ConflictError,
    NotFoundError,
    ThrottledError,
)
from provision.model import ROLE_ASSIGNMENT_MARKER, DesiredState

T = TypeVar("T")

RETRYABLE_CODES = {"RequestConflict", "AnotherOperationInProgress", "PrincipalNotFound"}


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff; ``Retry-After`` from the service wins when present."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0
    wait_timeout: float = 1800.0  # for provisioning states that ARM reports without an LRO
    wait_interval: float = 2.0

    def delay(self, attempt: int, error: AzureApiError) -> float:
        if error.retry_after:
            return min(float(error.retry_after), self.max_delay)
        return min(self.base_delay * (2**attempt), self.max_delay)


@dataclass(frozen=True)
class Event:
    """Progress notification: ``phase`` is start | done | retry | wait | note."""

    environment: str
    change: Change
    phase: str
    detail: str = ""


@dataclass(frozen=True)
class ApplyResult:
    """What ``execute`` did."""

    environment: str
    applied: tuple[Change, ...] = ()
    unchanged: tuple[Change, ...] = ()
    retries: int = 0
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "applied": [c.to_dict() for c in self.applied],
            "unchanged": len(self.unchanged),
            "retries": self.retries,
            "seconds": round(self.seconds, 3),
            "notes": list(self.notes),
        }


def is_retryable(error: BaseException) -> bool:
    """Errors worth retrying: conflicts on the parent, throttling, replication lag, 5xx."""
    if isinstance(error, ThrottledError):
        return True
    if isinstance(error, AzureApiError):
        return error.code in RETRYABLE_CODES or error.status >= 500
    return False


def execute(
    plan: Plan,
    desired: DesiredState,
    backend: Backend,
    *,
    retry: RetryPolicy | None = None,
    on_event: Callable[[Event], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ApplyResult:
    """Apply ``plan``; raise ``ApplyError`` at the first failure (after bounded retries)."""
    runner = _Runner(desired, backend, retry or RetryPolicy(), on_event, sleep, clock)
    return runner.run(plan)


def execute_many(
    jobs: list[tuple[Plan, DesiredState, Backend]], **kwargs: Any
) -> list[ApplyResult | BaseException]:
    """Apply several environments' plans concurrently (independent accounts in parallel).

    Returns one result or exception per job, in order; one failure does not stop the others.
    """

    def one(job: tuple[Plan, DesiredState, Backend]) -> ApplyResult | BaseException:
        try:
            return execute(*job, **kwargs)
        except Exception as exc:  # reported per environment
            return exc

    if len(jobs) == 1:
        return [one(jobs[0])]
    with ThreadPoolExecutor(max_workers=min(8, len(jobs)), thread_name_prefix="apply") as pool:
        return list(pool.map(one, jobs))


class _Runner:
    def __init__(
        self,
        desired: DesiredState,
        backend: Backend,
        retry: RetryPolicy,
        on_event: Callable[[Event], None] | None,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.d = desired
        self.b = backend
        self.retry = retry
        self.emit = on_event or (lambda event: None)
        self.sleep = sleep
        self.clock = clock
        self.retries = 0
        self.notes: list[str] = []

    def run(self, plan: Plan) -> ApplyResult:
        start = self.clock()
        applied: list[Change] = []
        unchanged = [c for c in plan.changes if isinstance(c, NoOp)]
        pending = list(plan.pending)
        while pending:
            change = pending[0]
            self.emit(Event(self.d.environment, change, "start"))
            try:
                self._apply(change)
            except Exception as exc:
                raise ApplyError(change, exc, tuple(applied), tuple(pending[1:])) from exc
            applied.append(pending.pop(0))
            self.emit(Event(self.d.environment, change, "done"))
        return ApplyResult(
            self.d.environment,
            tuple(applied),
            tuple(unchanged),
            self.retries,
            self.clock() - start,
            tuple(self.notes),
        )

    # -- dispatch ----------------------------------------------------------------------------
    def _apply(self, change: Change) -> None:
        handler = getattr(self, f"_{change.ref.kind}_{change.action.replace('-', '_')}", None)
        if handler is None:
            raise NotImplementedError(f"no handler for {change.describe()}")
        handler(change)

    def _with_retry(self, change: Change, call: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return call()
            except AzureApiError as exc:
                if not is_retryable(exc) or attempt + 1 >= self.retry.attempts:
                    raise
                delay = self.retry.delay(attempt, exc)
                self.retries += 1
                self.emit(
                    Event(
                        self.d.environment,
                        change,
                        "retry",
                        f"{exc.code or exc.status}; "
                        f"retrying in {delay:g}s ({attempt + 1}/{self.retry.attempts - 1})",
                    )
                )
                self.sleep(delay)
                attempt += 1

    def _wait_until(self, change: Change, what: str, probe: Callable[[], str | None]) -> None:
        """Poll ``probe`` (returns a provisioning state) until Succeeded."""
        deadline = self.clock() + self.retry.wait_timeout
        while True:
            state = self._with_retry(change, probe)
            if state is None or state == "Succeeded":
                return
            if state in ("Failed", "Canceled"):
                raise AzureApiError(
                    f"{what} provisioning ended {state}", code=f"Provisioning{state}"
                )
            if self.clock() >= deadline:
                raise AzureApiError(f"{what} still {state} after {self.retry.wait_timeout:g}s")
            self.emit(Event(self.d.environment, change, "wait", f"{what} is {state}"))
            self.sleep(self.retry.wait_interval)

    # -- resource group ----------------------------------------------------------------------
    def _resource_group_create(self, change: Create) -> None:
        spec = change.spec
        self._with_retry(
            change, lambda: self.b.put_resource_group(spec.name, spec.location, spec.tags)
        )

    def _resource_group_update(self, change: Update) -> None:
        spec, state = change.spec, change.state
        tags = {**(state.tags if state else {}), **spec.tags}
        location = state.location if state else spec.location
        self._with_retry(change, lambda: self.b.put_resource_group(spec.name, location, tags))

    def _resource_group_delete(self, change: Delete) -> None:
        self._with_retry(change, lambda: self.b.delete_resource_group(change.ref.name))

    # -- account -----------------------------------------------------------------------------
    @property
    def _rg(self) -> str:
        return self.d.resource_group.name

    def _put_account(self, change: Change, spec: Any, restore: bool = False) -> None:
        state = self._with_retry(
            change, lambda: self.b.put_account(self._rg, spec, restore=restore)
        )
        if state.provisioning_state != "Succeeded":
            self._wait_account(change)

    def _wait_account(self, change: Change) -> None:
        def probe() -> str | None:
            acct = self.b.get_account(self._rg, self.d.account.name)
            return acct.provisioning_state if acct else "Creating"

        self._wait_until(change, f"account {self.d.account.name}", probe)

    def _account_create(self, change: Create) -> None:
        self._put_account(change, change.spec, restore=change.restore)
        if change.restore:
            self.notes.append(
                f"account {change.ref.name} restored; run plan again to review restored deployments"
            )

    def _account_update(self, change: Update) -> None:
        if change.wait_only:
            self._wait_account(change)
            return
        spec = change.spec
        if change.state is not None:
            spec = _with_tags(spec, {**change.state.tags, **spec.tags})
        self._put_account(change, spec)

    def _account_replace(self, change: Replace) -> None:
        self._with_retry(change, lambda: self.b.delete_account(self._rg, change.ref.name))
        self._purge(change, change.state.location if change.state else self.d.account.location)
        self._put_account(change, change.spec)

    def _account_delete(self, change: Delete) -> None:
        self._with_retry(change, lambda: self.b.delete_account(self._rg, change.ref.name))

    def _deleted_account_delete(self, change: Delete) -> None:
        state = change.state
        self._purge(
            change,
            state.location if state else self.d.account.location,
            state.resource_group if state else self._rg,
        )

    def _purge(self, change: Change, location: str, rg: str | None = None) -> None:
        try:
            self._with_retry(
                change,
                lambda: self.b.purge_deleted_account(location, rg or self._rg, self.d.account.name),
            )
        except NotFoundError:
            self.notes.append(f"account {self.d.account.name}: nothing to purge")

    # -- deployments (serialized: one write at a time per account) ---------------------------
    def _deployment_create(self, change: Create | Update) -> None:
        spec = change.spec
        acct = self.d.account.name
        state = self._with_retry(change, lambda: self.b.put_deployment(self._rg, acct, spec))
        if state.provisioning_state != "Succeeded":
            self._wait_deployment(change)

    def _deployment_update(self, change: Update) -> None:
        if change.wait_only:
            self._wait_deployment(change)
            return
        if change.state is not None:
            change = Update(
                change.ref,
                change.reason,
                change.diffs,
                _with_tags(change.spec, {**change.state.tags, **change.spec.tags}),
            )
        self._deployment_create(change)

    def _deployment_replace(self, change: Replace) -> None:
        self._deployment_delete(change)
        self._deployment_create(change)

    def _deployment_delete(self, change: Change) -> None:
        acct = self.d.account.name
        self._with_retry(change, lambda: self.b.delete_deployment(self._rg, acct, change.ref.name))

    def _wait_deployment(self, change: Change) -> None:
        def probe() -> str | None:
            found = [
                d
                for d in self.b.list_deployments(self._rg, self.d.account.name)
                if d.name == change.ref.name
            ]
            return found[0].provisioning_state if found else "Creating"

        self._wait_until(change, f"deployment {change.ref.name}", probe)

    # -- role assignments --------------------------------------------------------------------
    def _role_assignment_create(self, change: Create) -> None:
        spec = change.spec

        def put() -> Any:
            return self.b.put_role_assignment(
                spec.scope,
                spec.name,
                role_definition_guid=spec.role_definition_guid,
                principal_id=spec.principal_id,
                principal_type=spec.principal_type,
                description=f"{ROLE_ASSIGNMENT_MARKER}{self.d.environment}",
            )

        try:
            self._with_retry(change, put)
        except ConflictError as exc:
            if exc.code != "RoleAssignmentExists":
                raise
            self.notes.append(f"{change.ref}: already granted by another assignment")

    def _role_assignment_delete(self, change: Delete) -> None:
        state = change.state
        try:
            self._with_retry(change, lambda: self.b.delete_role_assignment(state.scope, state.name))
        except NotFoundError:
            self.notes.append(f"{change.ref}: already gone")


def _with_tags(spec: Any, tags: dict[str, str]) -> Any:
    return replace(spec, tags=tags)
