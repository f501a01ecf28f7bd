"""apply.execute on the in-memory fake backend: ordering, retries (through the backend seam's
one retry policy), partial failure, converge."""

from __future__ import annotations

import pytest
from prov_helpers import APP, ME, make_desired

from provision import facts
from provision.apply import Event, execute
from provision.backends.fake import FakeBackend
from provision.backends.retry import Retrier, RetryingBackend, RetryPolicy
from provision.errors import ApplyError, AzureApiError, ConflictError, ThrottledError
from provision.plan import diff
from provision.teardown import plan_down

WRITES = {
    "put_resource_group",
    "put_account",
    "put_deployment",
    "delete_deployment",
    "put_role_assignment",
    "delete_role_assignment",
    "delete_account",
    "purge_deleted_account",
    "delete_resource_group",
}


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend(me=ME, principals={"app": APP})


class Sleeper:
    """Records requested delays instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def _up(backend: FakeBackend, patch: dict | None = None, **kwargs):
    desired = make_desired(patch)
    plan = diff(desired, facts.gather(backend, desired))
    sleep = kwargs.pop("sleep", Sleeper())
    retrier = Retrier(kwargs.pop("retry", RetryPolicy()), sleep=sleep)
    retrying = RetryingBackend(backend, retrier)
    return execute(plan, desired, retrying, sleep=sleep, **kwargs), desired


def _writes(backend: FakeBackend) -> list[str]:
    return [name for name, _ in backend.calls if name in WRITES]


def test_cold_up_applies_in_dependency_order(backend: FakeBackend) -> None:
    result, _ = _up(backend)
    assert _writes(backend) == [
        "put_resource_group",
        "put_account",
        "put_deployment",
        "put_deployment",
        "put_role_assignment",
        "put_role_assignment",
    ]
    assert len(result.applied) == 6 and result.retries == 0


def test_second_up_is_a_noop_with_few_reads(backend: FakeBackend) -> None:
    _up(backend)
    backend.calls.clear()
    desired = make_desired()
    plan = diff(desired, facts.gather(backend, desired))
    assert not plan.has_changes
    assert sorted(name for name, _ in backend.calls) == [
        "get_account",
        "get_resource_group",
        "list_deployments",
        "list_role_assignments",
    ]


def test_role_assignments_are_explicit_and_deterministic(backend: FakeBackend) -> None:
    _, desired = _up(backend)
    puts = [args for name, args in backend.calls if name == "put_role_assignment"]
    assert [p[1] for p in puts] == [ra.name for ra in desired.role_assignments]
    assert all(p[3] == "ServicePrincipal" for p in puts)  # principalType always sent


def test_request_conflict_is_retried_with_backoff(backend: FakeBackend) -> None:
    backend.fail_next(
        "put_deployment", ConflictError("busy", status=409, code="RequestConflict"), times=3
    )
    sleeper = Sleeper()
    events: list[Event] = []
    result, _ = _up(backend, sleep=sleeper, on_event=events.append)
    assert result.retries == 3
    assert sleeper.delays == [1.0, 2.0, 4.0]
    assert sum(1 for e in events if e.phase == "retry") == 3
    assert len(backend.deployments[("rg-dev", "aoai-dev")]) == 2


def test_throttling_honours_retry_after(backend: FakeBackend) -> None:
    backend.fail_next(
        "put_account",
        ThrottledError("slow down", status=429, code="TooManyRequests", retry_after=7),
    )
    sleeper = Sleeper()
    result, _ = _up(backend, sleep=sleeper)
    assert sleeper.delays == [7.0] and result.retries == 1


def test_principal_not_found_is_retried(backend: FakeBackend) -> None:
    backend.fail_next(
        "put_role_assignment",
        AzureApiError("new principal", status=400, code="PrincipalNotFound"),
        times=2,
    )
    result, _ = _up(backend)
    assert result.retries == 2 and len(backend.assignments) == 2


def test_retries_are_bounded(backend: FakeBackend) -> None:
    backend.fail_next(
        "put_deployment", ConflictError("busy", status=409, code="RequestConflict"), times=10
    )
    with pytest.raises(ApplyError) as info:
        _up(backend, retry=RetryPolicy(attempts=3))
    assert backend.count("put_deployment") == 3
    assert isinstance(info.value.cause, ConflictError)


def test_non_retryable_error_stops_and_reports_partial(backend: FakeBackend) -> None:
    backend.fail_next(
        "put_deployment", AzureApiError("no quota", status=400, code="InsufficientQuota")
    )
    with pytest.raises(ApplyError) as info:
        _up(backend)
    err = info.value
    assert err.change.ref.name == "gpt-realtime"
    assert [c.ref.kind for c in err.applied] == ["resource_group", "account"]
    assert len(err.pending) == 3  # 1 deployment + 2 role assignments never attempted
    # A refused value (400) is refused again: no "re-run" advice that cannot help.
    assert "re-run `provision up`" not in str(err) and "fix it in the environment file" in str(err)
    assert backend.count("put_role_assignment") == 0


def test_up_after_partial_failure_converges(backend: FakeBackend) -> None:
    backend.fail_next("put_deployment", AzureApiError("boom", status=400, code="Boom"))
    with pytest.raises(ApplyError):
        _up(backend)
    result, desired = _up(backend)
    assert [c.ref.kind for c in result.applied] == [
        "deployment",
        "deployment",
        "role_assignment",
        "role_assignment",
    ]
    assert not diff(desired, facts.gather(backend, desired)).has_changes


def test_account_accepted_without_lro_is_waited_for(backend: FakeBackend) -> None:
    _up(backend)
    backend.set_account_state("rg-dev", "aoai-dev", "Creating")
    states = iter(["Creating", "Succeeded"])
    original = backend.get_account

    def get_account(rg: str, name: str):
        acct = original(rg, name)
        backend.set_account_state(rg, name, next(states, "Succeeded"))
        return acct

    backend.get_account = get_account  # type: ignore[method-assign]
    sleeper = Sleeper()
    result, _ = _up(backend, sleep=sleeper)
    assert [c.ref.kind for c in result.applied] == ["account"]
    assert backend.count("put_account") == 1  # only the first up wrote it
    assert sleeper.delays  # it polled rather than re-PUT


def test_purge_policy_purges_then_creates(backend: FakeBackend) -> None:
    _up(backend)
    backend.delete_account("rg-dev", "aoai-dev")
    backend.calls.clear()
    _up(backend, {"soft_delete": "purge"})
    assert _writes(backend)[:3] == ["purge_deleted_account", "put_account", "put_deployment"]


def test_restore_policy_restores(backend: FakeBackend) -> None:
    _up(backend)
    backend.delete_account("rg-dev", "aoai-dev")
    backend.calls.clear()
    result, _ = _up(backend, {"soft_delete": "restore"})
    assert ("put_account", ("rg-dev", "aoai-dev", True)) in backend.calls
    assert "restored" in result.notes[0]


def test_down_removes_only_owned(backend: FakeBackend) -> None:
    _, desired = _up(backend)
    backend.foreign_ids["rg-dev"].append(
        "/subscriptions/x/resourceGroups/rg-dev/providers/Microsoft.Storage/storageAccounts/theirs"
    )
    actual = facts.gather(backend, desired, for_down=True)
    execute(plan_down(desired, actual, purge=True), desired, backend, sleep=Sleeper())
    assert _writes(backend)[-6:] == [
        "delete_role_assignment",
        "delete_role_assignment",
        "delete_deployment",
        "delete_deployment",
        "delete_account",
        "purge_deleted_account",
    ]
    assert "rg-dev" in backend.groups  # kept: holds a foreign resource
