"""The CI templates cannot rot: their commands run (or parse) against the real tools.

- ``.github/workflows/realtime.yml``: every step runs in order against ``--env local`` (the
  embedded emulator, its realistic default timing): the toolkit is pip-installed from a copy of
  this checkout into a throwaway venv, ``azure/login`` and the other ``uses:`` steps are stubs
  that check their inputs, the plan gate (exit 3) decides whether ``up`` runs.
- ``action.yml`` (composite): its steps run the same way.
- ``docs/ci/azure-pipelines.yml``: parsed, the keys Azure Pipelines requires checked, and every
  ``provision``/``smoke`` command line parsed by the real Click commands (unknown flags fail).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from tests.conformance.ghactions import JobRunner, clean_environment, workflow_triggers

pytestmark = pytest.mark.timeout(900)

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "realtime.yml"
ACTION = REPO / "action.yml"
AZURE_PIPELINE = REPO / "docs" / "ci" / "azure-pipelines.yml"
_SKIP = shutil.ignore_patterns(
    ".git", ".venv", ".cache", ".emulator", "__pycache__", "*.egg-info", "artifacts", "build",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules",
)  # fmt: skip


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict), path
    return document


# The steps run against `--env local` with its first two deployments (the GA models gpt-realtime
# and gpt-realtime-mini): the commands are under test; four speech round trips only add load.
LOCAL_DEPLOYMENTS = 2


def _trim_local_environment(checkout: Path) -> None:
    path = checkout / "environments" / "local.toml"
    head, *deployments = path.read_text().split("[[deployments]]")
    rest = deployments[-1].split("[[role_assignments]]", 1)
    deployments[-1] = rest[0]
    kept = "".join("[[deployments]]" + d for d in deployments[:LOCAL_DEPLOYMENTS])
    path.write_text(head + kept + "[[role_assignments]]" + rest[1])


def _workspace(tmp_path: Path, *, fresh_venv: bool) -> tuple[Path, dict[str, str]]:
    """A copy of this checkout, and the environment the steps run in.

    ``fresh_venv``: PATH starts at a throwaway venv that sees this test run's site-packages
    (a .pth file) and has the build backend, so the workflow's ``pip install .`` builds and
    installs only the toolkit itself, and its ``provision`` and ``smoke`` are the ones the later
    steps run. Otherwise this venv's commands are used.
    """
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO, checkout, ignore=_SKIP)
    _trim_local_environment(checkout)
    bin_dir = Path(sys.executable).parent
    if fresh_venv:
        venv = tmp_path / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        site = next((venv / "lib").glob("python3*/site-packages"))
        (site / "outer-site.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        # The build backend goes into the venv once, so the step's build needs no isolated
        # environment of its own (PIP_NO_BUILD_ISOLATION=0 below: pip reads it inverted).
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "setuptools>=70.1"],
            check=True,
        )
        bin_dir = venv / "bin"
    env = clean_environment()
    env.update(
        PATH=f"{bin_dir}:{env.get('PATH', '')}",
        VIRTUAL_ENV=str(bin_dir.parent),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_BUILD_ISOLATION="0" if fresh_venv else "1",
        PROVISION_EMULATOR_STATE=str(tmp_path / "emulator-state"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "step-summary.md"),
    )
    (tmp_path / "step-summary.md").write_text("")
    return checkout, env


def _stub_checkout(action: str, args: Mapping[str, str], workspace: Path) -> int:
    return 0  # the workspace is already a checkout


def _stub_setup(action: str, args: Mapping[str, str], workspace: Path) -> int:
    assert args.get("python-version") or args.get("node-version"), args
    return 0


def _stub_azure_login(action: str, args: Mapping[str, str], workspace: Path) -> int:
    # OIDC form: ids only, never a client secret or a creds JSON.
    assert {"client-id", "tenant-id", "subscription-id"} <= set(args), args
    assert "creds" not in args and "client-secret" not in args
    return 0


def _stub_upload(action: str, args: Mapping[str, str], workspace: Path) -> int:
    paths = [p.strip() for p in args["path"].splitlines() if p.strip()]
    missing = [p for p in paths if not (workspace / p).exists()]
    assert args.get("name"), args
    if missing and args.get("if-no-files-found", "warn") == "error":
        return 1
    return 0


STUBS = {
    "actions/checkout": _stub_checkout,
    "actions/setup-python": _stub_setup,
    "actions/setup-node": _stub_setup,
    "azure/login": _stub_azure_login,
    "actions/upload-artifact": _stub_upload,
}


def _assert_all_passed(runner: JobRunner) -> None:
    for record in runner.records:  # shown with -s / on failure: where the time goes
        print(f"{record.name:<40} {'ran' if record.ran else 'skipped':<8} {record.seconds:6.1f} s")
    failed = [r for r in runner.records if r.ran and r.exit_code != 0]
    assert not failed, "\n\n".join(
        f"{r.name}: exit {r.exit_code}\n{r.output[-3000:]}" for r in failed
    )


def _assert_junit_passed(path: Path) -> None:
    suites = ET.parse(path).getroot()
    cases = list(suites.iter("testcase"))
    assert len(cases) >= LOCAL_DEPLOYMENTS  # at least one check per deployment
    assert not [c for c in cases if c.find("failure") is not None or c.find("error") is not None]


def _run_workflow(checkout: Path, env: dict[str, str], teardown: bool) -> JobRunner:
    workflow = load(WORKFLOW)
    [job] = workflow["jobs"].values()
    runner = JobRunner(
        checkout, env, inputs={"environment": "local", "teardown": teardown}, uses_stubs=STUBS
    )
    runner.set_job_env(job.get("env", {}), {})
    assert runner.env["ENVIRONMENT"] == "local"
    assert runner.env["TEARDOWN"] == ("true" if teardown else "false")
    runner.run_steps(job["steps"])
    _assert_all_passed(runner)
    return runner


def test_example_workflow_runs_against_the_local_environment(tmp_path: Path) -> None:
    workflow = load(WORKFLOW)
    assert "workflow_dispatch" in workflow_triggers(workflow)
    assert workflow["permissions"]["id-token"] == "write"
    checkout, env = _workspace(tmp_path, fresh_venv=True)

    # First run: nothing exists, the plan gate (exit 3) lets `up` run; the environment stays.
    first = _run_workflow(checkout, env, teardown=False)
    ran = {r.name: r for r in first.records}
    assert ran["Plan (exit 3 = changes pending)"].outputs == {"pending": "true"}
    assert [r.name for r in first.records if not r.ran] == ["Down"]
    _assert_junit_passed(checkout / "smoke-junit.xml")
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "|" in summary and "gpt-realtime" in summary

    # Second run: nothing pending (exit 0), so `up` is skipped; smoke still runs; teardown.
    second = _run_workflow(checkout, env, teardown=True)
    ran = {r.name: r for r in second.records}
    assert ran["Plan (exit 3 = changes pending)"].outputs == {"pending": "false"}
    assert [r.name for r in second.records if not r.ran] == ["Up"]
    _assert_junit_passed(checkout / "smoke-junit.xml")


def test_composite_action_runs_up_smoke_down(tmp_path: Path) -> None:
    # The install step is the workflow's `pip install` (tested above) with another path: skipped
    # here by its own input, so this test runs this checkout's commands.
    checkout, env = _workspace(tmp_path, fresh_venv=False)
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert all(step.get("shell") == "bash" for step in steps if "run" in step)
    inputs = {name: spec.get("default") for name, spec in action["inputs"].items()}
    inputs["environment"] = "local"
    inputs["install"] = "false"
    assert action["inputs"]["environment"].get("required") is True
    env = {**env, "GITHUB_ACTION_PATH": str(checkout)}
    runner = JobRunner(checkout, env, inputs=inputs, uses_stubs=STUBS)
    runner.run_steps(steps)
    _assert_all_passed(runner)
    assert [r.name for r in runner.records if r.ran] == ["Up", "Smoke", "Down"]
    smoke = next(r for r in runner.records if r.step_id == "smoke")
    assert smoke.outputs == {"exit-code": "0"}
    _assert_junit_passed(checkout / "smoke-junit.xml")


def test_project_ci_workflow_runs_the_ci_script() -> None:
    ci = load(REPO / ".github" / "workflows" / "ci.yml")
    [job] = ci["jobs"].values()
    assert any("./.ci/run" in str(step.get("run", "")) for step in job["steps"])
    assert (REPO / ".ci" / "run").stat().st_mode & 0o111


# -- Azure DevOps ---------------------------------------------------------------------------

STEP_KINDS = {"task", "script", "bash", "pwsh", "powershell", "checkout", "download", "publish"}
TASK_INPUTS = {
    "AzureCLI@2": {"azureSubscription", "scriptType", "scriptLocation", "inlineScript"},
    "PublishTestResults@2": {"testResultsFormat", "testResultsFiles"},
    "UsePythonVersion@0": {"versionSpec"},
    "PublishPipelineArtifact@1": {"targetPath"},
}


def _ado_steps(steps: list[Any]) -> Iterator[dict[str, Any]]:
    """Steps, with the ones inside ``${{ if … }}:`` template blocks flattened."""
    for step in steps:
        assert isinstance(step, dict) and step, step
        [key] = list(step) if len(step) == 1 else [None]
        if key is not None and str(key).startswith("${{"):
            yield from _ado_steps(step[key])
        else:
            yield step


def _command_lines(script: str) -> list[list[str]]:
    """provision/smoke invocations in a bash script (folded lines joined)."""
    joined = script.replace("\\\n", " ")
    lines = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] in ("provision", "smoke"):
            lines.append(words)
    return lines


def _parse_with_click(words: list[str]) -> None:
    """Parse a command line with the real CLI (raises click.UsageError on unknown options)."""
    if words[0] == "provision":
        from provision.cli import cli as root
    else:
        from smoke.cli import make_cli

        root = make_cli()
    parent = root.make_context(words[0], [words[1]], resilient_parsing=True)
    assert isinstance(root, click.Group)
    command = root.get_command(parent, words[1])
    assert command is not None, f"unknown command {words[:2]}"
    command.make_context(words[1], words[2:], parent=parent)


def test_azure_pipeline_has_required_keys_and_valid_commands(tmp_path: Path) -> None:
    pipeline = load(AZURE_PIPELINE)
    assert "steps" in pipeline or "jobs" in pipeline or "stages" in pipeline
    assert pipeline["pool"]["vmImage"]
    parameters = {p["name"]: p for p in pipeline.get("parameters", [])}
    assert {"environment", "serviceConnection"} <= set(parameters)
    assert all({"name", "type", "default"} <= set(p) for p in parameters.values())
    commands: list[list[str]] = []
    tasks = []
    for step in _ado_steps(pipeline["steps"]):
        kinds = STEP_KINDS & set(step)
        assert len(kinds) == 1, f"a step needs exactly one of {sorted(STEP_KINDS)}: {step}"
        if "task" in step:
            name = step["task"]
            assert "@" in name and name.split("@")[1].isdigit(), name
            tasks.append(name)
            inputs = step.get("inputs", {})
            missing = TASK_INPUTS.get(name, set()) - set(inputs)
            assert not missing, f"{name} lacks inputs {missing}"
            if name == "AzureCLI@2":
                assert inputs["scriptType"] == "bash" and inputs["scriptLocation"] == "inlineScript"
                commands += _command_lines(inputs["inlineScript"])
            if name == "PublishTestResults@2":
                assert inputs["testResultsFormat"] == "JUnit"
        if "script" in step:
            commands += _command_lines(step["script"])
    assert {"AzureCLI@2", "PublishTestResults@2"} <= set(tasks)
    verbs = {tuple(words[:2]) for words in commands}
    assert {
        ("provision", "plan"),
        ("provision", "up"),
        ("smoke", "run"),
        ("provision", "down"),
    } <= verbs
    # What the agent substitutes: the variable from the parameter's default, the staging dir.
    values = {"$ENVIRONMENT": parameters["environment"]["default"]}
    values["$(Build.ArtifactStagingDirectory)"] = str(tmp_path)
    for words in commands:
        for placeholder, value in values.items():
            words = [w.replace(placeholder, value) for w in words]
        _parse_with_click(words)


def test_the_command_check_refuses_an_unknown_flag() -> None:
    with pytest.raises(click.UsageError):
        _parse_with_click(["provision", "up", "--env", "dev", "--yse"])
    with pytest.raises(click.UsageError):
        _parse_with_click(["smoke", "run", "--env", "dev", "--junitt", "x.xml"])
