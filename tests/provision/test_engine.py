"""engine.up guard rails on the fake backend: protection, confirmation, pre-flight first."""

from __future__ import annotations

from pathlib import Path

import pytest
from prov_helpers import APP, ME, make_desired

from provision import engine
from provision.backends.fake import FakeBackend
from provision.config import LoadedEnvironment, parse_environment
from provision.errors import AbortedError, PreflightError, ProtectedEnvironmentError
from provision.model import CatalogModel, CatalogSku, Usage
from provision.targets import Target


def _session(backend: FakeBackend, patch: dict | None = None) -> engine.Session:
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
    return engine.Session(loaded, Target("fake", backend), desired)


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
    outcome = engine.up(_session(backend), confirm=_never)
    assert outcome.result is not None and len(outcome.result.applied) == 6


def test_preflight_failure_means_no_write(backend: FakeBackend) -> None:
    _catalog(backend, limit=0)
    with pytest.raises(PreflightError) as info:
        engine.up(_session(backend), confirm=_never)
    assert {f.check for f in info.value.failures} == {"quota"}
    assert not [c for c, _ in backend.calls if c.startswith(("put", "delete", "purge"))]


def test_destructive_change_needs_confirmation(backend: FakeBackend) -> None:
    engine.up(_session(backend), confirm=_never)
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
        engine.up(_session(backend, patch), confirm=lambda p: asked.append(p) or False)
    assert asked and backend.count("delete_deployment") == 0
    engine.up(_session(backend, patch), confirm=lambda p: True)
    assert backend.count("delete_deployment") == 2  # replace + the undeclared preview one


def test_protected_environment_refuses_destructive_up(backend: FakeBackend) -> None:
    engine.up(_session(backend), confirm=_never)
    patch = {"protection": {"prevent_destroy": True}, "deployments": []}
    with pytest.raises(ProtectedEnvironmentError):
        engine.up(_session(backend, patch), confirm=lambda p: True)
    assert backend.count("delete_deployment") == 0
    engine.up(_session(backend, patch), confirm=lambda p: True, allow_protected=True)
    assert backend.count("delete_deployment") == 2


def test_down_on_protected_environment_is_refused(backend: FakeBackend) -> None:
    engine.up(_session(backend), confirm=_never)
    with pytest.raises(ProtectedEnvironmentError):
        engine.down(
            _session(backend, {"protection": {"prevent_destroy": True}}),
            purge=False,
            confirm=lambda p: True,
        )
    assert backend.count("delete_account") == 0
