"""``provision up --env a --env b``: independent environments on one emulator, concurrently.

Both environment files point at the test's emulator through ``$PROVISION_EMULATOR_STATE``;
everything before the first write runs for all of them first, so one bad file applies nothing.
(Concurrency itself is tested on the fake backend in test_orchestrate.py.)
"""

from __future__ import annotations

import json

from e2e_helpers import Project


def _two_envs(project: Project) -> None:
    for env in ("alpha", "beta"):
        project.write(
            env, **{"aoai-realtime-local": f"aoai-{env}", "rg-realtime-local": f"rg-{env}"}
        )


def _up(project: Project, *extra: str):  # type: ignore[no-untyped-def]
    envs = ["--env", "alpha", "--env", "beta", "--env-dir", str(project.envs)]
    return project.invoke("up", *envs, "--yes", *extra)


def test_two_environments_apply_concurrently_with_prefixed_output(project: Project) -> None:
    _two_envs(project)
    result = _up(project, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["applied"] is True
    envs = {e["environment"]: e for e in data["environments"]}
    assert sorted(envs) == ["alpha", "beta"]
    for env in envs.values():
        assert env["exit_code"] == 0 and len(env["apply"]["applied"]) == 8
        assert env["readiness"]["ready"] is True
    progress = [line for line in result.stderr.splitlines() if line.strip()]
    assert any("[alpha] create account aoai-alpha" in line for line in progress)
    assert any("[beta] create account aoai-beta" in line for line in progress)
    backend = project.backend()
    assert backend.get_account("rg-alpha", "aoai-alpha") is not None
    assert backend.get_account("rg-beta", "aoai-beta") is not None

    text = _up(project)  # converged: every stdout line says which environment it is about
    assert text.exit_code == 0
    lines = text.stdout.strip().splitlines()
    assert lines == [
        "[alpha] Environment alpha: no changes; everything up to date.",
        "[beta] Environment beta: no changes; everything up to date.",
    ]


def test_one_bad_environment_applies_nothing(project: Project) -> None:
    _two_envs(project)
    (project.envs / "beta.toml").write_text("target = 'emulator'\n")
    result = _up(project)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "[beta] error: " in result.stderr and "account: required key is missing" in result.stderr
    assert "nothing applied: 1 of 2 environment(s) failed before any write" in result.stderr
    assert project.backend().get_resource_group("rg-alpha") is None


def test_same_account_twice_is_refused(project: Project) -> None:
    project.write("alpha")
    project.write("beta")
    result = _up(project)
    assert result.exit_code == 2
    assert "declare the same account aoai-realtime-local" in result.stderr
