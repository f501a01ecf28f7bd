"""``provision up --env a --env b``: independent environments on one emulator, concurrently.

Both environment files point at the test's emulator through ``$PROVISION_EMULATOR_STATE``;
everything before the first write runs for all of them first, so one bad file applies nothing.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from e2e_helpers import Project
from prov_helpers import APP, ME, make_desired

from provision import engine
from provision.backends.fake import FakeBackend
from provision.config import LoadedEnvironment, parse_environment
from provision.targets import Target


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


def test_up_many_runs_environments_in_parallel() -> None:
    barrier = threading.Barrier(2, timeout=10)

    class Rendezvous(FakeBackend):
        def put_account(self, resource_group, spec, *, restore=False):  # type: ignore[no-untyped-def]
            barrier.wait()  # both environments must be applying at the same time
            return super().put_account(resource_group, spec, restore=restore)

    jobs = []
    for env in ("dev", "test"):
        backend = Rendezvous(me=ME, principals={"app": APP})
        desired = make_desired({"name": env, "resource_group": f"rg-{env}"})
        config = parse_environment(
            {
                "name": env,
                "target": "emulator",
                "resource_group": f"rg-{env}",
                "location": "swedencentral",
                "account": {"name": "aoai-dev"},
            }
        )
        session = engine.Session(
            LoadedEnvironment(config, Path(f"{env}.toml")), Target("fake", backend), desired
        )
        plan, _ = engine.make_plan(session)
        jobs.append((session, plan))
    results = engine.up_many(jobs, wait=False)
    assert [r.result.environment for r in results] == ["dev", "test"]  # type: ignore[union-attr]
