"""End to end against the emulator: `provision up --env local`, then `smoke run --env local`.

The emulator (tests/conftest.py) runs in-process over TLS; provision and smoke find it through
PROVISION_EMULATOR_STATE. Failures must name their cause: the missing role, the missing
deployment.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from provision.cli import cli as provision_cli
from smoke.cli import main as smoke_cli
from smoke.readiness import DATA_PLANE_ROLE

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture
def env_dir(tmp_path, monkeypatch, emulator) -> Path:
    """environments/local.toml provisioned on the running emulator."""
    directory = tmp_path / "environments"
    directory.mkdir()
    shutil.copy(REPO / "environments" / "local.toml", directory / "local.toml")
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(emulator.connection_file.parent))
    result = CliRunner().invoke(
        provision_cli, ["up", "--env", "local", "--env-dir", str(directory), "--yes"]
    )
    assert result.exit_code == 0, result.output
    return directory


def smoke(env_dir: Path, *args: str):
    return CliRunner().invoke(
        smoke_cli,
        ["run", "--env", "local", "--env-dir", str(env_dir), "--wait-ready", "0", *args],
        catch_exceptions=False,
    )


def test_every_deployment_passes_in_both_dialects(env_dir, tmp_path):
    result = smoke(env_dir, "--json", "--fast", "--artifacts", str(tmp_path / "art"))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    by_name = {d["name"]: d for d in report["deployments"]}
    assert set(by_name) == {
        "gpt-realtime",
        "gpt-realtime-mini",
        "gpt-4o-realtime-preview",
        "gpt-4o-mini-realtime-preview",
    }
    assert {d["dialect"] for d in by_name.values()} == {"ga", "preview"}
    assert by_name["gpt-realtime"]["auth"] == "entra (emulator principal 'app')"
    assert all(d["passed"] for d in by_name.values())
    assert all(d["metrics"]["audio_s"] > 0.3 for d in by_name.values())
    assert (tmp_path / "art" / "gpt-4o-realtime-preview" / "audio.wav").is_file()


def _backend(emulator):
    from provision.backends.azure import emulator_backend

    return emulator_backend(emulator.connection)


def test_removing_the_role_assignment_fails_with_the_role_named(env_dir, emulator):
    backend = _backend(emulator)
    app = emulator.connection.principals["app"].object_id
    scope = _account_scope(emulator)
    removed = 0
    for assignment in backend.list_role_assignments(scope):
        if assignment.principal_id == app:
            backend.delete_role_assignment(scope, assignment.name)
            removed += 1
    assert removed == 1
    result = smoke(env_dir, "--deployment", "gpt-realtime", "--no-text")
    assert result.exit_code == 1, result.output
    assert DATA_PLANE_ROLE in result.stdout
    assert "audio/connect" in result.stdout


def _account_scope(emulator) -> str:
    return (
        f"/subscriptions/{emulator.connection.subscription_id}/resourceGroups/rg-realtime-local"
        "/providers/Microsoft.CognitiveServices/accounts/aoai-realtime-local"
    )


def test_a_deleted_deployment_fails_with_not_found(env_dir, emulator):
    _backend(emulator).delete_deployment("rg-realtime-local", "aoai-realtime-local", "gpt-realtime")
    result = smoke(env_dir, "--deployment", "gpt-realtime", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    (check,) = [
        c for s in report["deployments"][0]["scenarios"] for c in s["checks"] if not c["passed"]
    ]
    assert check["name"] == "connect"
    assert "HTTP 404: deployment 'gpt-realtime' not found" in check["observed"]
