"""orchestrate guard rails on the fake backend: protection, confirmation, pre-flight first;
several environments concurrently; Ctrl-C lists what was applied."""

from __future__ import annotations

from pathlib import Path

import pytest
from prov_helpers import APP, ME, make_desired

from provision import orchestrate
from provision.backends.fake import FakeBackend
from provision.config import LoadedEnvironment, parse_environment
from provision.errors import (
    EXIT_INTERRUPTED,
    AbortedError,
    InterruptedRunError,
    PreflightError,
    ProtectedEnvironmentError,
)
from provision.model import CatalogModel, CatalogSku, Usage
from provision.session import Session
from provision.targets import Target


def _session(backend: FakeBackend, patch: dict | None = None) -> Session:
    desired = make_desired(patch)
    loaded = LoadedEnvironment(
        parse_environment(
            {
                "name": "x",
                "target": "emulator",
                "resource_group": "r",
                "location": "x",
                "account": {"name": "ab"},
            }
        ),
        Path("x.toml"),
    )
    return Session(loaded, Target("fake", backend), desired)


def _up(session: Session, confirm=None, **kwargs):  # type: ignore[no-untyped-def]
    options = orchestrate.UpOptions(confirm=confirm or _never, wait=False, **kwargs)
    report = orchestrate.up_sessions([session], options)
    (outcome,) = report.environments
    if outcome.error is not None:
        raise outcome.error
    return outcome.result


def _catalog(backend: FakeBackend, limit: float = 10) -> None:
    models = [
        CatalogModel(
            "OpenAI", m, v, (CatalogSku("GlobalStandard", f"OpenAI.GlobalStandard.{m}", 100),)
        )
        for m, v in (("gpt-realtime", "2025-08-28"), ("gpt-4o-realtime-preview", "2024-12-17"))
    ]
    backend.models["swedencentral"] = models
    backend.usages["swedencentral"] = [Usage(m.skus[0].usage_name, 0, limit) for m in models]


def _never(plan: object) -> bool:
    raise AssertionError("must not ask")


@pytest.fixture
def backend() -> FakeBackend:
    b = FakeBackend(me=ME, principals={"app": APP})
    _catalog(b)
    return b


def test_creates_do_not_ask_for_confirmation(backend: FakeBackend) -> None:
    outcome = _up(_session(backend))
    assert outcome.result is not None and len(outcome.result.applied) == 6


def test_preflight_failure_means_no_write(backend: FakeBackend) -> None:
    _catalog(backend, limit=0)
    with pytest.raises(PreflightError) as info:
        _up(_session(backend))
    assert {f.check for f in info.value.failures} == {"quota"}
    assert not [c for c, _ in backend.calls if c.startswith(("put", "delete", "purge"))]


def test_destructive_change_needs_confirmation(backend: FakeBackend) -> None:
    _up(_session(backend))
    patch = {
        "deployments": [
            {
                "name": "gpt-realtime",
                "model": "gpt-4o-realtime-preview",
                "version": "2024-12-17",
                "capacity": 1,
            }
        ]
    }
    asked: list[object] = []
    with pytest.raises(AbortedError):
        _up(_session(backend, patch), lambda p: asked.append(p) or False)
    assert asked and backend.count("delete_deployment") == 0
    _up(_session(backend, patch), lambda p: True)
    assert backend.count("delete_deployment") == 2  # replace + the undeclared preview one


def test_protected_environment_refuses_destructive_up(backend: FakeBackend) -> None:
    _up(_session(backend))
    patch = {"protection": {"prevent_destroy": True}, "deployments": []}
    with pytest.raises(ProtectedEnvironmentError):
        _up(_session(backend, patch), lambda p: True)
    assert backend.count("delete_deployment") == 0
    _up(_session(backend, patch), lambda p: True, confirm_protected="dev")
    assert backend.count("delete_deployment") == 2


def test_down_on_protected_environment_is_refused(backend: FakeBackend) -> None:
    _up(_session(backend))
    with pytest.raises(ProtectedEnvironmentError):
        orchestrate.down_session(
            _session(backend, {"protection": {"prevent_destroy": True}}),
            orchestrate.DownOptions(confirm=lambda p: True),
        )
    assert backend.count("delete_account") == 0


def test_several_environments_apply_concurrently() -> None:
    import threading

    barrier = threading.Barrier(2, timeout=10)

    class Rendezvous(FakeBackend):
        def put_account(self, resource_group, spec, *, restore=False):  # type: ignore[no-untyped-def]
            barrier.wait()  # both environments must be applying at the same time
            return super().put_account(resource_group, spec, restore=restore)

    sessions = []
    for env in ("dev", "test"):
        backend = Rendezvous(me=ME, principals={"app": APP})
        _catalog(backend)
        sessions.append(_session(backend, {"name": env, "resource_group": f"rg-{env}"}))
    report = orchestrate.up_sessions(sessions, orchestrate.UpOptions(confirm=_never, wait=False))
    assert [o.environment for o in report.environments] == ["dev", "test"]
    assert report.exit_code == 0 and all(o.result and o.result.result for o in report.environments)


def test_one_failure_before_any_write_applies_nothing(backend: FakeBackend) -> None:
    starved = FakeBackend(me=ME, principals={"app": APP})
    _catalog(starved, limit=0)
    sessions = [_session(backend), _session(starved, {"name": "test", "resource_group": "rg-t"})]
    report = orchestrate.up_sessions(sessions, orchestrate.UpOptions(confirm=_never, wait=False))
    assert report.applied is False and report.exit_code == 1
    assert report.environments[0].skipped and report.environments[1].error is not None
    assert not [c for c, _ in backend.calls if c.startswith(("put", "delete", "purge"))]


def test_ctrl_c_during_apply_lists_what_was_applied(backend: FakeBackend) -> None:
    class Interrupted(FakeBackend):
        def put_deployment(self, resource_group, account, spec):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt  # what SIGINT raises in the main thread

    stopped = Interrupted(me=ME, principals={"app": APP})
    _catalog(stopped)
    report = orchestrate.up_sessions([_session(stopped)], orchestrate.UpOptions(wait=False))
    (outcome,) = report.environments
    assert isinstance(outcome.error, InterruptedRunError)
    assert outcome.exit_code == EXIT_INTERRUPTED == 130
    assert [c.describe() for c in outcome.error.applied] == [
        "create resource group rg-dev",
        "create account aoai-dev",
    ]
    assert "applied before the interruption: create resource group rg-dev; create account" in str(
        outcome.error
    )
