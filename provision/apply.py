"""Execute a plan: walk its changes in order, stop at the first failure and report what was
and was not applied.

Order comes from the planner (resource group -> account -> deployments -> role assignments).
Deployment writes are serialized per account (one at a time); role assignments use their
deterministic names and an explicit ``principalType``. Retries (429, 5xx, ``RequestConflict``,
``PrincipalNotFound``, dropped connections) happen below, at the backend seam
(``provision.backends.retry``): ``execute`` counts them and reports each as a ``retry`` event.
Provisioning states that ARM reports without a long-running operation are polled here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from provision.backends.base import Backend
from provision.changes import Change, Create, Delete, NoOp, Plan, Replace, Update
from provision.errors import (
    ApplyError,
    AzureApiError,
    ConflictError,
    InterruptedRunError,
    NotFoundError,
)
from provision.model import ROLE_ASSIGNMENT_MARKER, DesiredState


@dataclass(frozen=True)
class WaitPolicy:
    """How long to poll a provisioning state that ARM reports without an LRO."""

    timeout_s: float = 1800.0
    interval_s: float = 2.0


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


def execute(
    plan: Plan,
    desired: DesiredState,
    backend: Backend,
    *,
    wait: WaitPolicy | None = None,
    on_event: Callable[[Event], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    cancel: threading.Event | None = None,
) -> ApplyResult:
    """Apply ``plan``; raise ``ApplyError`` at the first failure (after the backend's bounded
    retries) and ``InterruptedRunError`` on Ctrl-C (``KeyboardInterrupt`` in this thread, or
    ``cancel`` set by the thread that received it), both naming what was applied."""
    runner = _Runner(desired, backend, wait or WaitPolicy(), on_event, sleep, clock)
    runner.cancel = cancel
    retrier = getattr(backend, "retrier", None)
    if retrier is None:
        return runner.run(plan)
    retrier.listeners.append(runner.on_retry)
    try:
        return runner.run(plan)
    finally:
        retrier.listeners.remove(runner.on_retry)


class _Runner:
    def __init__(
        self,
        desired: DesiredState,
        backend: Backend,
        wait: WaitPolicy,
        on_event: Callable[[Event], None] | None,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.d = desired
        self.b = backend
        self.wait = wait
        self.current: Change | None = None
        self.cancel: threading.Event | None = None
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
            if self.cancel is not None and self.cancel.is_set():
                raise InterruptedRunError(self.d.environment, tuple(applied))
            change = pending[0]
            self.emit(Event(self.d.environment, change, "start"))
            self.current = change
            try:
                self._apply(change)
            except KeyboardInterrupt:
                raise InterruptedRunError(self.d.environment, tuple(applied)) from None
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

    def on_retry(self, notice: Any) -> None:
        """A retry at the backend seam: counted and reported against the current change."""
        self.retries += 1
        if self.current is not None:
            detail = f"{notice.reason}; retrying in {notice.delay:g}s (attempt {notice.attempt})"
            self.emit(Event(self.d.environment, self.current, "retry", detail))

    def _wait_until(self, change: Change, what: str, probe: Callable[[], str | None]) -> None:
        """Poll ``probe`` (returns a provisioning state) until Succeeded."""
        deadline = self.clock() + self.wait.timeout_s
        while True:
            state = probe()
            if state is None or state == "Succeeded":
                return
            if state in ("Failed", "Canceled"):
                raise AzureApiError(
                    f"{what} provisioning ended {state}", code=f"Provisioning{state}"
                )
            if self.clock() >= deadline:
                raise AzureApiError(f"{what} still {state} after {self.wait.timeout_s:g}s")
            self.emit(Event(self.d.environment, change, "wait", f"{what} is {state}"))
            self.sleep(self.wait.interval_s)

    # -- resource group ----------------------------------------------------------------------
    def _resource_group_create(self, change: Create) -> None:
        spec = change.spec
        self.b.put_resource_group(spec.name, spec.location, spec.tags)

    def _resource_group_update(self, change: Update) -> None:
        spec, state = change.spec, change.state
        tags = {**(state.tags if state else {}), **spec.tags}
        location = state.location if state else spec.location
        self.b.put_resource_group(spec.name, location, tags)

    def _resource_group_delete(self, change: Delete) -> None:
        self.b.delete_resource_group(change.ref.name)

    # -- account -----------------------------------------------------------------------------
    @property
    def _rg(self) -> str:
        return self.d.resource_group.name

    def _put_account(self, change: Change, spec: Any, restore: bool = False) -> None:
        state = self.b.put_account(self._rg, spec, restore=restore)
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
        self.b.delete_account(self._rg, change.ref.name)
        self._purge(change, change.state.location if change.state else self.d.account.location)
        self._put_account(change, change.spec)

    def _account_delete(self, change: Delete) -> None:
        self.b.delete_account(self._rg, change.ref.name)

    def _deleted_account_delete(self, change: Delete) -> None:
        state = change.state
        self._purge(
            change,
            state.location if state else self.d.account.location,
            state.resource_group if state else self._rg,
        )

    def _purge(self, change: Change, location: str, rg: str | None = None) -> None:
        try:
            self.b.purge_deleted_account(location, rg or self._rg, self.d.account.name)
        except NotFoundError:
            self.notes.append(f"account {self.d.account.name}: nothing to purge")

    # -- deployments (serialized: one write at a time per account) ---------------------------
    def _deployment_create(self, change: Create | Update | Replace) -> None:
        spec = change.spec
        acct = self.d.account.name
        state = self.b.put_deployment(self._rg, acct, spec)
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
        self.b.delete_deployment(self._rg, acct, change.ref.name)

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
            put()
        except ConflictError as exc:
            if exc.code != "RoleAssignmentExists":
                raise
            self.notes.append(f"{change.ref}: already granted by another assignment")

    def _role_assignment_delete(self, change: Delete) -> None:
        state = change.state
        try:
            self.b.delete_role_assignment(state.scope, state.name)
        except NotFoundError:
            self.notes.append(f"{change.ref}: already gone")


def _with_tags(spec: Any, tags: dict[str, str]) -> Any:
    return replace(spec, tags=tags)
