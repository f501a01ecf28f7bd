"""The one retry policy for every ARM call, reads and writes alike, at the backend seam.

``RetryingBackend`` wraps any ``Backend``: each call is retried on 429 (honouring
``Retry-After``), 5xx, dropped or reset connections, and the transient ARM codes
(``RequestConflict`` while the parent is busy, ``PrincipalNotFound`` during directory
replication), with exponential backoff bounded by ``attempts`` and a total sleep ``budget_s``
per call. The SDK's own retries are switched off for writes (``provision.backends.azure``) and
the REST reader has none (``provision.backends.arm``; it only resends once on a keep-alive
connection the server had closed), so nothing else retries and every retry is counted here
(``stats``) and reported (``on_retry``).

A delete that is retried and then answers 404 has succeeded: the earlier attempt deleted it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from provision.backends.base import Backend
from provision.errors import AzureApiError, NotFoundError, ThrottledError
from provision.model import (
    AccountSpec,
    AccountState,
    CatalogModel,
    DeletedAccountState,
    DeploymentSpec,
    DeploymentState,
    DomainAvailability,
    Principal,
    ResourceGroupState,
    ResourceSku,
    RoleAssignmentState,
    Usage,
)

T = TypeVar("T")

TRANSIENT_CODES = frozenset(
    {"RequestConflict", "AnotherOperationInProgress", "PrincipalNotFound", "ConnectionError"}
)


def is_retryable(error: BaseException) -> bool:
    """429, 5xx, dropped connections and the transient ARM codes; nothing else."""
    if isinstance(error, ThrottledError):
        return True
    if isinstance(error, AzureApiError):
        return error.code in TRANSIENT_CODES or error.status >= 500
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff from ``base_delay`` to ``max_delay``; ``Retry-After`` wins when the
    service sends it (capped at ``max_delay``). A call gives up after ``attempts`` tries, after
    ``server_attempts`` tries that met a 5xx or a dropped connection (those may be persistent;
    a 429 says "later" and is worth more patience), or when the next sleep would exceed
    ``budget_s`` in total."""

    attempts: int = 10
    server_attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    budget_s: float = 300.0

    def delay(self, attempt: int, error: AzureApiError) -> float:
        if error.retry_after is not None and error.retry_after >= 0:
            return min(float(error.retry_after), self.max_delay)
        return min(self.base_delay * (2.0**attempt), self.max_delay)


# On loopback the emulator answers at once: a shorter schedule, same rules.
EMULATOR_POLICY = RetryPolicy(base_delay=0.05, max_delay=2.0, budget_s=60.0)


@dataclass(frozen=True)
class RetryNotice:
    """One retry about to happen: which call, why, after how long."""

    call: str
    attempt: int
    delay: float
    reason: str


@dataclass
class RetryStats:
    """Retries counted per reason (e.g. ``429``, ``500``, ``RequestConflict``); thread-safe."""

    by_reason: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def total(self) -> int:
        return sum(self.by_reason.values())

    def add(self, reason: str) -> None:
        with self._lock:
            self.by_reason[reason] += 1


def reason_of(error: AzureApiError) -> str:
    """``429``, ``503``, ``RequestConflict``, ``ConnectionError``: how a retry is labelled."""
    if error.code in TRANSIENT_CODES:
        return error.code
    return str(error.status) if error.status else (error.code or "error")


def _is_server_failure(error: AzureApiError) -> bool:
    return error.status >= 500 or error.code == "ConnectionError"


class Retrier:
    """Runs calls under a ``RetryPolicy``; ``sleep``/``clock`` are injectable for tests."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        self.policy = policy
        self.stats = RetryStats()
        self.sleep = sleep
        self.listeners: list[Callable[[RetryNotice], None]] = [on_retry] if on_retry else []

    def call(self, name: str, fn: Callable[[], T]) -> T:
        """``fn()``, retried under the policy; the last error propagates."""
        slept = 0.0
        attempt = server_failures = 0
        while True:
            try:
                return fn()
            except AzureApiError as exc:
                delay = self.policy.delay(attempt, exc)
                server_failures += _is_server_failure(exc)
                last = attempt + 1 >= self.policy.attempts
                last = last or server_failures >= self.policy.server_attempts
                if not is_retryable(exc) or last or slept + delay > self.policy.budget_s:
                    raise
                self._notify(RetryNotice(name, attempt + 1, delay, reason_of(exc)))
                self.sleep(delay)
                slept += delay
                attempt += 1

    def _notify(self, notice: RetryNotice) -> None:
        self.stats.add(notice.reason)
        for listener in list(self.listeners):
            listener(notice)


class RetryingBackend:
    """A ``Backend`` whose every call runs under one ``Retrier``."""

    def __init__(self, inner: Backend, retrier: Retrier) -> None:
        self.inner = inner
        self.retrier = retrier

    @property
    def subscription_id(self) -> str:
        return self.inner.subscription_id

    @property
    def stats(self) -> RetryStats:
        return self.retrier.stats

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()

    def _run(self, name: str, fn: Callable[[], T]) -> T:
        return self.retrier.call(name, fn)

    def _delete(self, name: str, fn: Callable[[], None]) -> None:
        tried = False

        def once() -> None:
            nonlocal tried
            try:
                fn()
            except NotFoundError:
                if not tried:
                    raise
                # An earlier attempt failed in transit after the service had deleted it.
            finally:
                tried = True

        self.retrier.call(name, once)

    # identity ------------------------------------------------------------------------------
    def signed_in_principal(self) -> Principal:
        return self._run("signed_in_principal", self.inner.signed_in_principal)

    def named_principal(self, name: str) -> Principal:
        return self.inner.named_principal(name)  # local lookup, no request

    def role_definition_guid(self, scope: str, role_name: str) -> str:
        return self._run(
            "role_definitions", lambda: self.inner.role_definition_guid(scope, role_name)
        )

    # resource groups -----------------------------------------------------------------------
    def get_resource_group(self, name: str) -> ResourceGroupState | None:
        return self._run("get_resource_group", lambda: self.inner.get_resource_group(name))

    def put_resource_group(
        self, name: str, location: str, tags: dict[str, str]
    ) -> ResourceGroupState:
        return self._run(
            "put_resource_group", lambda: self.inner.put_resource_group(name, location, tags)
        )

    def delete_resource_group(self, name: str) -> None:
        self._delete("delete_resource_group", lambda: self.inner.delete_resource_group(name))

    def list_resource_ids(self, resource_group: str) -> list[str]:
        return self._run("list_resource_ids", lambda: self.inner.list_resource_ids(resource_group))

    # accounts ------------------------------------------------------------------------------
    def get_account(self, resource_group: str, name: str) -> AccountState | None:
        return self._run("get_account", lambda: self.inner.get_account(resource_group, name))

    def put_account(
        self, resource_group: str, spec: AccountSpec, *, restore: bool = False
    ) -> AccountState:
        return self._run(
            "put_account", lambda: self.inner.put_account(resource_group, spec, restore=restore)
        )

    def delete_account(self, resource_group: str, name: str) -> None:
        self._delete("delete_account", lambda: self.inner.delete_account(resource_group, name))

    def get_deleted_account(
        self, location: str, resource_group: str, name: str
    ) -> DeletedAccountState | None:
        return self._run(
            "get_deleted_account",
            lambda: self.inner.get_deleted_account(location, resource_group, name),
        )

    def purge_deleted_account(self, location: str, resource_group: str, name: str) -> None:
        self._delete(
            "purge_deleted_account",
            lambda: self.inner.purge_deleted_account(location, resource_group, name),
        )

    def list_keys(self, resource_group: str, name: str) -> tuple[str, str]:
        return self._run("list_keys", lambda: self.inner.list_keys(resource_group, name))

    def check_domain_availability(self, subdomain: str, kind: str) -> DomainAvailability:
        return self._run(
            "check_domain_availability",
            lambda: self.inner.check_domain_availability(subdomain, kind),
        )

    # deployments ---------------------------------------------------------------------------
    def list_deployments(self, resource_group: str, account: str) -> list[DeploymentState]:
        return self._run(
            "list_deployments", lambda: self.inner.list_deployments(resource_group, account)
        )

    def put_deployment(
        self, resource_group: str, account: str, spec: DeploymentSpec
    ) -> DeploymentState:
        return self._run(
            "put_deployment", lambda: self.inner.put_deployment(resource_group, account, spec)
        )

    def delete_deployment(self, resource_group: str, account: str, name: str) -> None:
        self._delete(
            "delete_deployment", lambda: self.inner.delete_deployment(resource_group, account, name)
        )

    # discovery -----------------------------------------------------------------------------
    def list_usages(self, location: str) -> list[Usage]:
        return self._run("list_usages", lambda: self.inner.list_usages(location))

    def list_models(self, location: str) -> list[CatalogModel]:
        return self._run("list_models", lambda: self.inner.list_models(location))

    def list_resource_skus(self) -> list[ResourceSku]:
        return self._run("list_resource_skus", self.inner.list_resource_skus)

    def list_rai_policies(self, resource_group: str, account: str) -> list[str]:
        return self._run(
            "list_rai_policies", lambda: self.inner.list_rai_policies(resource_group, account)
        )

    # role assignments ----------------------------------------------------------------------
    def list_role_assignments(self, scope: str) -> list[RoleAssignmentState]:
        return self._run("list_role_assignments", lambda: self.inner.list_role_assignments(scope))

    def put_role_assignment(
        self,
        scope: str,
        name: str,
        *,
        role_definition_guid: str,
        principal_id: str,
        principal_type: str,
        description: str,
    ) -> RoleAssignmentState:
        return self._run(
            "put_role_assignment",
            lambda: self.inner.put_role_assignment(
                scope,
                name,
                role_definition_guid=role_definition_guid,
                principal_id=principal_id,
                principal_type=principal_type,
                description=description,
            ),
        )

    def delete_role_assignment(self, scope: str, name: str) -> None:
        self._delete(
            "delete_role_assignment", lambda: self.inner.delete_role_assignment(scope, name)
        )
