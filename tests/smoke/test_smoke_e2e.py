"""End to end against the emulator: `provision up --env local`, then `smoke run --env local`.

The emulator (tests/conftest.py) runs in-process over TLS; provision and smoke find it through
PROVISION_EMULATOR_STATE. Failures must name their cause: the missing role, the missing or
disabled deployment, the disabled key auth; waits must say how long and why.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from provision.cli import cli as provision_cli
from provision.smoke_entry import LazyEnvironments
from smoke.cli import make_cli
from smoke.readiness import DATA_PLANE_ROLE

REPO = Path(__file__).resolve().parents[2]
RG, ACCOUNT = "rg-realtime-local", "aoai-realtime-local"
pytestmark = pytest.mark.slow


def provision_up(env_dir: Path, *args: str):
    result = CliRunner().invoke(
        provision_cli, ["up", "--env", "local", "--env-dir", str(env_dir), "--yes", *args]
    )
    return result


def local_env(directory: Path, *, local_auth: bool = False) -> Path:
    """environments/local.toml copied into ``directory``, optionally with key auth allowed."""
    directory.mkdir()
    text = (REPO / "environments" / "local.toml").read_text(encoding="utf-8")
    if local_auth:
        assert "disable_local_auth = true" in text
        text = text.replace("disable_local_auth = true", "disable_local_auth = false")
    (directory / "local.toml").write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def env_dir(tmp_path, monkeypatch, emulator) -> Path:
    """environments/local.toml provisioned on the running emulator."""
    directory = local_env(tmp_path / "environments")
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(emulator.connection_file.parent))
    result = provision_up(directory)
    assert result.exit_code == 0, result.output
    return directory


def smoke(env_dir: Path, *args: str, wait: float = 0):
    """The installed ``smoke`` command (provision's environments plugged in)."""
    return CliRunner().invoke(
        make_cli(environments=LazyEnvironments()),
        # --timeout: generous, the shared 2-core CI machine runs the emulator's speech too
        [
            "run",
            "-e",
            "local",
            "--env-dir",
            str(env_dir),
            "--wait-ready",
            str(wait),
            "--timeout",
            "120",
            *args,
        ],
        catch_exceptions=False,
    )


def admin(emulator, what: str, body: dict) -> dict:
    """PATCH an emulator admin hook (``deployments``, ``config``) over its TLS endpoint."""
    response = requests.patch(
        f"{emulator.url}/_admin/{what}",
        json=body,
        verify=str(emulator.ca_path),
        headers=emulator.admin_headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def failed_checks(report: dict) -> list[dict]:
    return [
        c
        for d in report["deployments"]
        for s in d["scenarios"]
        for c in s["checks"]
        if not c["passed"]
    ]


def test_every_deployment_passes_on_ga_preview_models_included(env_dir, tmp_path):
    result = smoke(env_dir, "--json", "--artifacts", str(tmp_path / "art"))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    by_name = {d["name"]: d for d in report["deployments"]}
    assert set(by_name) == {
        "gpt-realtime",
        "gpt-realtime-mini",
        "gpt-4o-realtime-preview",
        "gpt-4o-mini-realtime-preview",
    }
    assert {d["dialect"] for d in by_name.values()} == {"ga"}  # the GA protocol serves them all
    assert by_name["gpt-realtime"]["auth"] == "entra (emulator principal 'app')"
    assert all(d["passed"] for d in by_name.values())
    assert all(d["metrics"]["audio_s"] > 0.3 for d in by_name.values())
    # burst sending (the default): latency from input_audio_buffer.speech_stopped
    assert {d["metrics"]["first_audio_from"] for d in by_name.values()} == {"speech_stopped"}
    assert report["warnings"] == []
    assert (tmp_path / "art" / "gpt-4o-realtime-preview" / "audio.wav").is_file()
    validate_report(report)
    validate_report(json.loads((tmp_path / "art" / "report.json").read_text()))


def test_the_preview_dialect_on_request_passes_and_warns(env_dir):
    result = smoke(
        env_dir, "--json", "--dialect", "preview", "--deployment", "gpt-4o-realtime-preview"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["deployments"][0]["dialect"] == "preview"
    assert report["deployments"][0]["url"].endswith(
        "/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o-realtime-preview"
    )
    assert "deprecated since 2026-04-30" in report["warnings"][0]
    validate_report(report)


@pytest.mark.parametrize(
    "dialect",
    # preview: ~6 s more of the same round trip; the conformance stage runs it
    ["ga", pytest.param("preview", marks=pytest.mark.conformance)],
)
def test_tool_call_scenario_passes_against_the_emulator(env_dir, dialect):
    result = smoke(
        env_dir,
        "--json",
        "--tool-call",
        "--no-text",
        "--deployment",
        "gpt-realtime",
        "--dialect",
        dialect,
    )
    assert result.exit_code == 0, result.output
    (deployment,) = json.loads(result.stdout)["deployments"]
    tool = next(s for s in deployment["scenarios"] if s["name"] == "tool_call")
    checks = {c["name"]: c for c in tool["checks"]}
    assert checks["tool.call"]["passed"], checks["tool.call"]
    assert checks["tool.call"]["observed"].startswith("get_weather(")
    assert '"unit": "celsius"' in checks["tool.call"]["observed"]
    assert checks["tool.answer"]["passed"] and "cloudy" in checks["tool.answer"]["observed"]


def test_latency_gates_fail_a_check_with_the_measured_value(env_dir):
    result = smoke(
        env_dir, "--json", "--no-text", "--deployment", "gpt-realtime", "--max-first-audio-ms", "1"
    )
    assert result.exit_code == 1, result.output
    (deployment,) = json.loads(result.stdout)["deployments"]
    (gate,) = [
        c for c in deployment["scenarios"][0]["checks"] if c["name"] == "latency.first_audio"
    ]
    assert not gate["passed"] and gate["expected"] == "first audio ≤ 1 ms"
    assert gate["observed"].endswith(" ms") and int(gate["observed"][:-3]) > 1


def validate_report(document: dict) -> None:
    import jsonschema

    schema = json.loads((REPO / "docs" / "schemas" / "smoke-report.schema.json").read_text())
    jsonschema.validate(document, schema)


def _backend(emulator):
    from provision.backends.azure import emulator_backend

    return emulator_backend(emulator.connection)


def _account_scope(emulator) -> str:
    return (
        f"/subscriptions/{emulator.connection.subscription_id}/resourceGroups/{RG}"
        f"/providers/Microsoft.CognitiveServices/accounts/{ACCOUNT}"
    )


def _remove_app_role(emulator) -> None:
    backend = _backend(emulator)
    app = emulator.connection.principals["app"].object_id
    scope = _account_scope(emulator)
    removed = 0
    for assignment in backend.list_role_assignments(scope):
        if assignment.principal_id == app:
            backend.delete_role_assignment(scope, assignment.name)
            removed += 1
    assert removed == 1


def test_removing_the_role_assignment_fails_with_the_role_named(env_dir, emulator):
    _remove_app_role(emulator)
    result = smoke(env_dir, "--deployment", "gpt-realtime", "--no-text")
    assert result.exit_code == 1, result.output
    assert DATA_PLANE_ROLE in result.stdout
    assert "audio/connect" in result.stdout


def test_a_deleted_deployment_fails_with_not_found(env_dir, emulator):
    _backend(emulator).delete_deployment(RG, ACCOUNT, "gpt-realtime")
    result = smoke(env_dir, "--deployment", "gpt-realtime", "--json")
    assert result.exit_code == 1
    (check,) = failed_checks(json.loads(result.stdout))
    assert check["name"] == "connect"
    assert "HTTP 404: deployment 'gpt-realtime' not found" in check["observed"]


def test_disabling_a_deployment_fails_it_and_re_enabling_passes(env_dir, emulator):
    deployment_id = f"{_account_scope(emulator)}/deployments/gpt-realtime"
    admin(emulator, "deployments", {"id": deployment_id, "provisioningState": "Disabled"})
    # A waiting budget is given on purpose: a disabled deployment is not worth waiting for.
    result = smoke(env_dir, "--deployment", "gpt-realtime", "--json", wait=30)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    (check,) = failed_checks(report)
    assert check["name"] == "connect"
    assert "deployment 'gpt-realtime' is disabled" in check["observed"]
    assert "DeploymentDisabled" in check["observed"]
    readiness = report["deployments"][0]["readiness"]
    assert readiness["waited_s"] == 0 and len(readiness["attempts"]) == 1

    admin(emulator, "deployments", {"id": deployment_id, "provisioningState": "Succeeded"})
    result = smoke(env_dir, "--deployment", "gpt-realtime")
    assert result.exit_code == 0, result.output


@pytest.mark.conformance  # ~9 s of real waiting; core keeps test_smoke_client's readiness tests
def test_role_propagation_is_waited_out_and_reported(env_dir, emulator):
    _remove_app_role(emulator)
    # Hold the new assignment back while the no-wait run proves the failure ...
    admin(emulator, "config", {"role_propagation_seconds": 3600})
    up_started = time.time()
    # Re-creates the app's role assignment; --no-wait leaves the waiting to smoke.
    assert provision_up(env_dir, "--no-wait").exit_code == 0
    result = smoke(env_dir, "--deployment", "gpt-realtime", "--no-text", "--json")
    assert result.exit_code == 1, result.output
    (check,) = failed_checks(json.loads(result.stdout))
    assert DATA_PLANE_ROLE in check["observed"] and "PermissionDenied" in check["observed"]

    # ... then let it take effect 2 s from now: the assignment was created after up_started,
    # so this propagation delay ends between 2 s and 2 s + (duration of `up`) from now.
    propagation = time.time() - up_started + 2
    admin(emulator, "config", {"role_propagation_seconds": propagation})
    result = smoke(env_dir, "--deployment", "gpt-realtime", "--no-text", "--json", wait=30)
    assert result.exit_code == 0, result.output
    readiness = json.loads(result.stdout)["deployments"][0]["readiness"]
    assert readiness["waited_s"] >= 1.0
    assert {(a["status"], a["code"]) for a in readiness["attempts"]} == {(401, "PermissionDenied")}
    assert "401 PermissionDenied" in readiness["summary"]
    assert "role assignment not effective" in readiness["summary"]


@pytest.mark.conformance  # ~9 s, second up + two deployments; core keeps the key-auth refusal test
def test_key_auth_through_list_keys_passes_when_local_auth_is_allowed(
    tmp_path, monkeypatch, emulator
):
    env_dir = local_env(tmp_path / "keyed", local_auth=True)
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(emulator.connection_file.parent))
    assert provision_up(env_dir).exit_code == 0
    key1, key2 = _backend(emulator).list_keys(RG, ACCOUNT)
    out = tmp_path / "out"
    result = smoke(
        env_dir,
        "--auth",
        "key",
        "--deployment",
        "gpt-realtime",
        "--deployment",
        "gpt-4o-realtime-preview",
        "--json",
        "--junit",
        str(out / "junit.xml"),
        "--artifacts",
        str(out / "art"),
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {d["auth"] for d in report["deployments"]} == {f"key (listKeys of {ACCOUNT})"}
    assert_no_secret(result, out, key1, key2)


def test_key_auth_on_an_account_without_local_auth_fails_clearly(env_dir, emulator, tmp_path):
    # listKeys itself is refused (400): one clear line, exit 2, no traceback.
    result = smoke(env_dir, "--auth", "key", "--deployment", "gpt-realtime")
    assert result.exit_code == 2, result.output
    assert f"key authentication is disabled on account {ACCOUNT}" in result.stderr
    assert "use --auth entra" in result.stderr and "disable_local_auth" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    # A key from elsewhere is refused at the handshake: the reason says local auth is off.
    key = "0123456789abcdef0123456789abcdef"
    out = tmp_path / "out"
    result = CliRunner(env={"SMOKE_TEST_KEY": key}).invoke(
        make_cli(environments=LazyEnvironments()),
        [
            "run",
            "--env",
            "local",
            "--env-dir",
            str(env_dir),
            "--auth",
            "key",
            "--api-key-env",
            "SMOKE_TEST_KEY",
            "--deployment",
            "gpt-realtime",
            "--wait-ready",
            "30",
            "--json",
            "--artifacts",
            str(out),
        ],
    )
    assert result.exit_code == 5, result.output  # the service refused the key itself
    (check,) = failed_checks(json.loads(result.stdout))
    assert "key authentication is disabled on this account" in check["observed"]
    assert "AuthenticationTypeDisabled" in check["observed"]
    assert_no_secret(result, out, key)


def assert_no_secret(result, directory: Path, *secrets: str) -> None:
    texts = [result.stdout, result.stderr]
    texts += [
        p.read_text("utf-8") for p in directory.rglob("*") if p.is_file() and p.suffix != ".wav"
    ]
    for secret in secrets:
        assert all(secret not in text for text in texts)


@pytest.mark.conformance  # ~15 s, four deployments; core keeps test_e2e_cli's up --smoke
def test_provision_up_with_smoke_runs_the_smoke_test(tmp_path, monkeypatch, emulator):
    env_dir = local_env(tmp_path / "environments")
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(emulator.connection_file.parent))
    result = provision_up(env_dir, "--smoke")
    assert result.exit_code == 0, result.output
    assert "Realtime smoke" in result.stdout
    assert "4/4 deployment(s) passed" in result.stdout


@pytest.mark.conformance
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_deployment_passes_under_50_percent_handshake_throttling(env_dir, emulator, seed):
    """Every scenario's handshake (not only the first) waits out 429s under the readiness
    policy: with half of all handshakes refused, every deployment still passes."""
    admin(emulator, "config", {"realtime_throttle_rate": 0.5, "seed": seed})
    try:
        result = smoke(env_dir, "--json", wait=120)
    finally:
        admin(emulator, "config", {"realtime_throttle_rate": 0.0})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert all(d["passed"] for d in report["deployments"]) and len(report["deployments"]) == 4
    statuses = [a["status"] for d in report["deployments"] for a in d["readiness"]["attempts"]]
    assert statuses and set(statuses) == {429}  # throttling happened, and was waited out
    assert any(len(d["scenarios"]) == 2 for d in report["deployments"])


def test_one_smoke_run_parses_the_file_once_and_opens_the_target_once(env_dir):
    from provision.smoke_source import ProvisionEnvironments

    source = ProvisionEnvironments()
    result = CliRunner().invoke(
        make_cli(environments=source),
        [
            "run",
            "-e",
            "local",
            "--env-dir",
            str(env_dir),
            "--auth",
            "entra",
            "--no-text",
            "--deployment",
            "gpt-realtime",
            "--timeout",
            "120",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (source.parsed, source.opened) == (1, 1)


@pytest.mark.conformance  # ~20 s: WebRTC negotiation plus two speech round trips
def test_tool_call_over_both_transports(env_dir):
    result = smoke(
        env_dir,
        "--json",
        "--tool-call",
        "--no-text",
        "--deployment",
        "gpt-realtime",
        "--transport",
        "both",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [d["transport"] for d in report["deployments"]] == ["websocket", "webrtc"]
    for deployment in report["deployments"]:
        names = [s["name"] for s in deployment["scenarios"]]
        assert names == ["audio", "tool_call"]
        assert all(s["transport"] == deployment["transport"] for s in deployment["scenarios"])
    validate_report(report)
