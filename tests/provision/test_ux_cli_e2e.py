"""The provision CLI end to end on a live emulator: every --json document validates against its
shipped schema, errors are JSON too, the plan is shown before applying, nothing is printed twice,
outputs feed apps (.env via python-dotenv, --raw), models and lifecycle warnings read the
emulator's real catalog."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from dotenv import dotenv_values
from e2e_helpers import DEPLOYMENTS, Project

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def valid(name: str, doc: Any) -> Any:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(doc)
    return doc


def run_json(project: Project, schema: str, *args: str, code: int = 0, **kw: Any) -> Any:
    result = project.run(*args, "--json", **kw)
    assert result.exit_code == code, result.output
    return valid(schema, json.loads(result.stdout))


def test_documents_of_a_whole_lifecycle_validate(project: Project) -> None:
    valid_doc = run_json(project, "validate", "validate")
    assert valid_doc["valid"] and valid_doc["deployments"] == [
        "gpt-realtime",
        "gpt-realtime-mini",
        "gpt-4o-realtime-preview",
        "gpt-4o-mini-realtime-preview",
    ]
    plan = run_json(project, "plan", "plan", code=3)
    assert plan["has_changes"] and plan["format_version"] == 1
    up = run_json(project, "up", "up", "--yes")
    assert up["command"] == "up" and up["applied"] is True
    (env,) = up["environments"]
    assert env["exit_code"] == 0 and len(env["apply"]["applied"]) == 8
    status = run_json(project, "status", "status")
    assert status["in_sync"] and status["drift"] == []
    outputs = run_json(project, "outputs", "outputs")
    assert sorted(d["name"] for d in outputs["deployments"]) == DEPLOYMENTS
    assert outputs["local"]["started_by_command"] is False  # the test's emulator keeps running
    models = run_json(project, "models", "models")
    assert {"gpt-realtime", "gpt-realtime-mini"} <= {m["name"] for m in models["models"]}
    down = run_json(project, "up", "down", "--yes", "--purge")
    assert down["command"] == "down" and down["environments"][0]["exit_code"] == 0


def test_failures_under_json_are_error_documents_on_stdout(project: Project) -> None:
    missing = project.run("plan", "--json", env="nope")
    assert missing.exit_code == 2
    doc = valid("error", json.loads(missing.stdout))
    assert doc["error"]["type"] == "ConfigError" and doc["error"]["exit_code"] == 2
    assert "environment file not found" in missing.stderr  # and the one line on stderr
    flag = project.run("plan", "--json", "--bogus")
    assert flag.exit_code == 2
    assert "no such option" in valid("error", json.loads(flag.stdout))["error"]["message"].lower()
    raw = project.run("outputs", "--raw", "NOPE", "--json")
    assert raw.exit_code == 2 and valid("error", json.loads(raw.stdout))["error"]["exit_code"] == 2


def test_up_shows_the_plan_first_and_prints_each_thing_once(project: Project) -> None:
    result = project.run("up", "--yes")
    assert result.exit_code == 0, result.output
    err, out = result.stderr, result.stdout
    assert err.index("Plan for environment local:") < err.index("create deployment gpt-realtime (")
    assert "Plan for environment local:" not in out  # the plan goes to stderr, once
    assert out.count("readiness:") == 1 and "readiness: 8 check(s) ready" in out
    assert "as emulator:app" in err and "as emulator:app" not in out  # checks: progress only
    again = project.run("up", "--yes")
    assert again.exit_code == 0 and "no changes; everything up to date" in again.stdout
    assert "Plan for environment" not in again.stderr  # nothing to apply, nothing to show


def test_down_shows_each_resource(project: Project) -> None:
    assert project.run("up", "--yes", "--no-wait").exit_code == 0
    result = project.run("down", "--yes", "--purge")
    assert result.exit_code == 0, result.output
    assert result.stderr.index("Teardown for environment local:") < result.stderr.index("✓")
    for name in DEPLOYMENTS:
        assert f"delete deployment {name} (" in result.stderr
    assert "delete resource group rg-realtime-local (" in result.stderr


def test_outputs_env_form_feeds_dotenv_and_raw_prints_one_value(project: Project) -> None:
    assert project.run("up", "--yes", "--no-wait").exit_code == 0
    result = project.run("outputs", "--format", "env")
    assert result.exit_code == 0, result.output
    values = dotenv_values(stream=io.StringIO(result.stdout))
    endpoint = f"{project.emu.url}/dataplane/aoai-realtime-local/"
    assert values["AZURE_OPENAI_ENDPOINT"] == endpoint
    assert values["AZURE_OPENAI_REALTIME_DEPLOYMENT"] == "gpt-realtime"  # first in the file
    wss = endpoint.replace("https://", "wss://")
    assert values["AZURE_OPENAI_REALTIME_URL_GPT_4O_REALTIME_PREVIEW"] == (
        f"{wss}openai/v1/realtime?model=gpt-4o-realtime-preview"  # GA for every model
    )
    assert not [k for k in values if "KEY" in k]
    assert "# served by a running emulator" in result.stdout
    raw = project.run("outputs", "--raw", "AZURE_OPENAI_ENDPOINT")
    assert raw.exit_code == 0 and raw.stdout == endpoint + "\n"


def test_outputs_says_how_to_keep_an_embedded_emulator_alive(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(tmp_path / "own-state"))
    monkeypatch.setenv("PROVISION_EMULATOR_TIMING", "instant")  # timing is not under test
    result = project.run("outputs", "--format", "env")  # starts (and stops) its own emulator
    assert result.exit_code == 1  # nothing provisioned in that fresh emulator
    lines = result.stdout.splitlines()
    assert "# not provisioned: run `provision up` first" in lines
    keep = f"realtime-emulator serve --state-dir {tmp_path / 'own-state'}"
    assert any("stopped when this command exited" in line and keep in line for line in lines)
    doc = valid("outputs", json.loads(project.run("outputs", "--json").stdout))
    assert doc["local"]["started_by_command"] is True and doc["local"]["keep_alive"] == keep


def test_models_lists_quota_that_shrinks_when_capacity_is_deployed(project: Project) -> None:
    before = run_json(project, "models", "models")
    assert project.run("up", "--yes", "--no-wait").exit_code == 0
    after = run_json(project, "models", "models")

    def free(doc: Any) -> float:
        (row,) = [m for m in doc["models"] if m["name"] == "gpt-realtime"]
        return float(row["skus"][0]["quota"]["free"])

    assert free(after) == free(before) - 1  # local.toml deploys capacity 1
    used = {(m["name"], m["version"]): m["used_by"] for m in after["models"]}
    assert used[("gpt-realtime", "2025-08-28")] == ["gpt-realtime"]
    assert used[("gpt-realtime-mini", "2025-12-15")] == []
    text = project.run("models")
    assert text.exit_code == 0 and "free / limit" in text.stdout
    assert "gpt-realtime " in text.stdout


def test_lifecycle_warnings_from_the_emulator_catalog_and_strict_exit_6(project: Project) -> None:
    # Every emulator catalog version has a dated retirement; a window of ten years reaches it.
    project.write("local", append="\n[lifecycle]\nwarn_days = 3650\n")
    plan = run_json(project, "plan", "plan", code=3)
    retiring = [w for w in plan["lifecycle"] if w["kind"] == "retiring"]
    assert {w["deployment"] for w in retiring} == set(DEPLOYMENTS)
    assert all(w["retires_on"] and w["days_left"] <= 3650 for w in retiring)
    text = project.run("plan")
    (line,) = [x for x in text.stderr.splitlines() if x.startswith("warning: gpt-realtime (")]
    assert (
        line.startswith("warning: gpt-realtime (gpt-realtime 2025-08-28): ")
        and "retires on" in line
    )
    assert "warning:" not in text.stdout
    strict = project.run("plan", "--strict-lifecycle")
    assert strict.exit_code == 6 and "error: lifecycle:" in strict.stderr
    assert project.run("up", "--yes", "--no-wait").exit_code == 0
    status = project.run("status", "--strict-lifecycle", "--json")
    assert status.exit_code == 6
    assert valid("status", json.loads(status.stdout))["in_sync"] is True


@pytest.mark.parametrize(
    "command", ["validate", "plan", "up", "status", "outputs", "models", "down"]
)
def test_every_subcommand_has_its_own_examples_and_the_shared_flags(
    project: Project, command: str
) -> None:
    result = project.invoke(command, "--help")
    assert result.exit_code == 0
    text = result.stdout
    assert f"provision {command}" in text.split("Examples:")[1]
    others = {"validate", "plan", "up", "status", "outputs", "models", "down"} - {command}
    assert not [o for o in others if f"  provision {o} " in text.split("Examples:")[1]]
    for flag in ("-e, --env", "--env-file", "--debug", "--subscription"):
        assert flag in text, (command, flag)


def test_version_and_top_level_help(project: Project) -> None:
    from provision.version import VERSION

    version = project.invoke("--version")
    assert version.exit_code == 0 and version.stdout == f"provision {VERSION}\n"
    help_text = project.invoke("--help").stdout
    for variable in (
        "PROVISION_ENV_DIR",
        "PROVISION_EMULATOR_STATE",
        "PROVISION_EMULATOR_PRINCIPAL",
        "AZURE_SUBSCRIPTION_ID",
        "_PROVISION_COMPLETE=bash_source",
    ):
        assert variable in help_text
    assert "Examples:" not in help_text  # examples live with each subcommand


def test_validate_warns_on_the_shipped_placeholder_subscription(project: Project) -> None:
    shipped = str(Path(__file__).resolve().parents[2] / "environments")
    result = project.invoke("validate", "--env", "dev", "--env-dir", shipped, "--json")
    assert result.exit_code == 0, result.output
    doc = valid("validate", json.loads(result.stdout))
    (warning,) = doc["warnings"]
    assert "looks like a placeholder" in warning and "--subscription" in warning
    assert "warning: " in result.stderr
    real = "12345678-aaaa-4bbb-8ccc-1234567890ab"
    fixed = project.invoke("validate", "-e", "dev", "--env-dir", shipped, "--subscription", real)
    assert fixed.exit_code == 0 and "placeholder" not in fixed.output


def test_read_commands_say_how_many_requests_were_retried(project: Project) -> None:
    project.emu.admin.set_config(throttle_rate=0.5, seed=7, throttle_retry_after=0)
    result = project.run("plan")
    assert result.exit_code == 3, result.output
    (line,) = [x for x in result.stderr.splitlines() if "retried" in x]
    assert line.startswith("i retried ") and "429 x" in line
