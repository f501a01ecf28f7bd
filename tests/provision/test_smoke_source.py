"""``smoke run --env``: provision's EnvironmentSource parses the file once and opens the target
once per run, with entra and with key auth (``listKeys`` goes through the same open target).

Drives smoke's real CLI (``make_cli`` with provision's source, as the ``smoke`` console script
does) against the test's emulator; counts with spies around provision's own functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from e2e_helpers import Project

import provision.config
import provision.session
from provision.smoke_source import ProvisionEnvironments
from smoke.cli import make_cli


class Spy:
    """Counts calls of a function and passes them through."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn, self.calls = fn, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.fn(*args, **kwargs)


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch) -> dict[str, Spy]:
    parse = Spy(provision.config.tomllib.loads)
    target = Spy(provision.session.open_target)
    monkeypatch.setattr(provision.config.tomllib, "loads", parse)
    monkeypatch.setattr(provision.session, "open_target", target)
    return {"parse": parse, "open": target}


def _smoke(project: Project, source: ProvisionEnvironments, *args: str) -> Any:
    argv = ["run", "--env", "local", "--env-dir", str(project.envs), "--deployment", "gpt-realtime"]
    return CliRunner().invoke(make_cli(environments=source), [*argv, *args])


@pytest.mark.parametrize("auth", ["entra", "key"])
def test_one_parse_and_one_open_per_run(project: Project, spies: dict[str, Spy], auth: str) -> None:
    if auth == "key":
        project.write("local", **{"disable_local_auth = true": "disable_local_auth = false"})
    assert project.run("up", "--yes").exit_code == 0
    spies["parse"].calls = spies["open"].calls = 0  # count the smoke run only

    source = ProvisionEnvironments()
    result = _smoke(project, source, "--auth", auth)
    assert result.exit_code == 0, result.output
    assert (source.parsed, source.opened) == (1, 1)
    assert (spies["parse"].calls, spies["open"].calls) == (1, 1)


def test_unprovisioned_environment_is_one_line(project: Project) -> None:
    source = ProvisionEnvironments()
    result = _smoke(project, source)
    assert result.exit_code == 1, result.output
    assert "is not provisioned; run `provision up --env local` first" in result.output
    assert "Traceback" not in result.output
