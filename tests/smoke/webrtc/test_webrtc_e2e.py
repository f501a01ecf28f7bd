"""``provision up --env local`` then ``smoke run --env local --transport webrtc|both`` against
the embedded emulator: the caller's Entra identity mints the client secret, aiortc negotiates,
the prompt is the microphone, and every check (the WebRTC ones included) passes. The
ephemeral keys never reach the report or the artifacts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provision.cli import cli as provision_cli
from provision.smoke_entry import LazyEnvironments
from smoke.cli import make_cli

REPO = Path(__file__).resolve().parents[3]
EPHEMERAL_KEY = re.compile(r"ek_[A-Za-z0-9]{8,}")
WEBRTC_CHECKS = {"webrtc.connected", "webrtc.output_audio_buffer", "webrtc.client_secret"}


def provisioned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Any, smoke_extra: str = ""
) -> Path:
    """environments/local.toml (plus ``smoke_extra`` lines in its ``[smoke]`` table, the last
    table of the file) provisioned on the running emulator."""
    directory = tmp_path / "environments"
    directory.mkdir()
    text = (REPO / "environments" / "local.toml").read_text(encoding="utf-8")
    assert text.rstrip().rsplit("\n[", 1)[-1].startswith("smoke]")
    (directory / "local.toml").write_text(text.rstrip() + "\n" + smoke_extra, encoding="utf-8")
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(emulator.connection_file.parent))
    result = CliRunner().invoke(
        provision_cli, ["up", "--env", "local", "--env-dir", str(directory), "--yes"]
    )
    assert result.exit_code == 0, result.output
    return directory


def smoke(env_dir: Path, tmp_path: Path, *args: str) -> tuple[int, dict, Path]:  # type: ignore[type-arg]
    artifacts = tmp_path / "artifacts"
    result = CliRunner().invoke(
        make_cli(environments=LazyEnvironments()),
        [
            "run",
            "--env",
            "local",
            "--env-dir",
            str(env_dir),
            "--json",
            "--artifacts",
            str(artifacts),
            *args,
        ],
        catch_exceptions=False,
    )
    assert result.stdout.strip(), result.output
    return result.exit_code, json.loads(result.stdout), artifacts


def all_text(artifacts: Path) -> str:
    return "\n".join(
        p.read_text(errors="replace")
        for p in artifacts.rglob("*")
        if p.is_file() and p.suffix in (".json", ".jsonl", ".xml", ".md", ".txt")
    )


@pytest.mark.slow
def test_webrtc_smoke_passes_on_a_ga_deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    # the transport comes from the environment file's [smoke] table, not a flag
    env_dir = provisioned(tmp_path, monkeypatch, emulator, 'transport = "webrtc"\n')
    code, report, artifacts = smoke(env_dir, tmp_path, "--deployment", "gpt-realtime", "--no-text")
    assert code == 0, report
    [deployment] = report["deployments"]
    assert deployment["transport"] == "webrtc"
    checks = {c["name"]: c for s in deployment["scenarios"] for c in s["checks"]}
    assert set(checks) >= WEBRTC_CHECKS
    assert all(c["passed"] for c in checks.values()), [
        c for c in checks.values() if not c["passed"]
    ]
    metrics = deployment["scenarios"][0]["metrics"]
    assert metrics["secret_minted_s"] is not None and metrics["sdp_exchanged_s"] is not None
    assert metrics["first_audio_s"] is not None and metrics["audio_s"] > 0.5
    dumped = json.dumps(report) + all_text(artifacts)
    assert not EPHEMERAL_KEY.search(dumped)  # ephemeral keys are secrets


@pytest.mark.conformance
def test_up_then_smoke_over_both_transports_passes_on_every_deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    env_dir = provisioned(tmp_path, monkeypatch, emulator)
    code, report, artifacts = smoke(env_dir, tmp_path, "--transport", "both")
    assert code == 0, [
        (d["deployment"], c["name"], c.get("observed"))
        for d in report["deployments"]
        for s in d["scenarios"]
        for c in s["checks"]
        if not c["passed"]
    ]
    names = sorted(d["deployment"] for d in report["deployments"])
    expected = sorted(
        [
            "gpt-realtime",
            "gpt-realtime-mini",
            "gpt-4o-realtime-preview",
            "gpt-4o-mini-realtime-preview",
        ]
        * 2
    )
    assert names == expected  # every deployment, once per transport
    runs = sorted((d["deployment"], d["transport"]) for d in report["deployments"])
    assert runs == sorted((name, t) for name in set(names) for t in ("websocket", "webrtc"))
    webrtc_runs = [
        d
        for d in report["deployments"]
        if {c["name"] for s in d["scenarios"] for c in s["checks"]} >= WEBRTC_CHECKS
    ]
    assert len(webrtc_runs) == 4
    assert all(d["dialect"] == "ga" for d in webrtc_runs)  # -preview models speak GA here too
    assert not EPHEMERAL_KEY.search(json.dumps(report) + all_text(artifacts))
