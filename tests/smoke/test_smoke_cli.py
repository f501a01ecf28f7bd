"""The ``smoke run`` command: outputs and exit codes (0 pass, 1 check failed, 2 bad input)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from smoke_fakeserver import Script, speech_like

from smoke.audio import write_wav
from smoke.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def prompt_wav(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "prompt.wav", bytes(4800 * 3) + speech_like(1.0))


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["run", *args], env=env, catch_exceptions=False)


def endpoint_args(server, prompt_wav: Path, *extra: str) -> list[str]:
    return [
        "--endpoint",
        server.endpoint,
        "--deployment",
        "gpt-realtime",
        "--auth",
        "key",
        "--api-key-env",
        "SMOKE_TEST_KEY",
        "--prompt",
        str(prompt_wav),
        "--prompt-text",
        "repeat after me blue harbor seven",
        "--expect",
        "blue harbor 7",
        "--fast",
        "--timeout",
        "5",
        "--wait-ready",
        "0",
        *extra,
    ]


def test_endpoint_mode_passes_and_writes_every_output(server_thread, prompt_wav, tmp_path):
    summary = tmp_path / "summary.md"
    junit = tmp_path / "out" / "smoke.xml"
    with server_thread(Script()) as server:
        result = invoke(
            *endpoint_args(
                server,
                prompt_wav,
                "--json",
                "--junit",
                str(junit),
                "--artifacts",
                str(tmp_path / "art"),
            ),
            env={"SMOKE_TEST_KEY": "cli-secret", "GITHUB_STEP_SUMMARY": str(summary)},
        )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["passed"] and body["deployments"][0]["dialect"] == "ga"
    assert "1/1 deployment(s) passed" in result.stderr
    assert junit.read_text().startswith("<?xml")
    assert "Realtime smoke passed" in summary.read_text()
    assert (tmp_path / "art" / "gpt-realtime" / "audio.wav").is_file()
    assert "cli-secret" not in result.output + junit.read_text()


def test_model_picks_the_preview_dialect(server_thread, prompt_wav):
    with server_thread(Script()) as server:
        result = invoke(
            *endpoint_args(server, prompt_wav, "--model", "gpt-4o-realtime-preview", "--no-text"),
            env={"SMOKE_TEST_KEY": "test-key-123"},
        )
        assert server.seen.paths[0].startswith("/openai/realtime?api-version=2025-04-01-preview")
    assert result.exit_code == 0, result.output


def test_failed_check_exits_1_with_the_reason(server_thread, prompt_wav):
    with server_thread(Script(reject_status=401)) as server:
        result = invoke(*endpoint_args(server, prompt_wav), env={"SMOKE_TEST_KEY": "test-key-123"})
    assert result.exit_code == 1
    assert "the API key was rejected" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --env NAME, or --endpoint URL"),
        (["--endpoint", "https://x.openai.azure.com"], "needs at least one --deployment"),
        (
            [
                "--endpoint",
                "https://x",
                "--deployment",
                "d",
                "--auth",
                "key",
                "--api-key-env",
                "SMOKE_UNSET_VAR",
            ],
            "SMOKE_UNSET_VAR is not set",
        ),
        (
            [
                "--endpoint",
                "ftp://x",
                "--deployment",
                "d",
                "--auth",
                "key",
                "--api-key-env",
                "SMOKE_TEST_KEY",
                "--prompt",
                "{wav}",
            ],
            "not an http(s) or ws(s) URL",
        ),
        (
            [
                "--endpoint",
                "https://x",
                "--deployment",
                "d",
                "--auth",
                "key",
                "--api-key-env",
                "SMOKE_TEST_KEY",
                "--prompt",
                "{bad}",
            ],
            "not a PCM WAV",
        ),
        (
            [
                "--endpoint",
                "https://x",
                "--deployment",
                "d",
                "--auth",
                "key",
                "--api-key-env",
                "SMOKE_TEST_KEY",
                "--expect",
                "x",
            ],
            "need --prompt WAV",
        ),
        (["--env", "no-such-env", "--env-dir", "{tmp}"], "environment file not found"),
    ],
)
def test_bad_input_exits_2(args, message, prompt_wav, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"nope")
    args = [a.format(wav=prompt_wav, bad=bad, tmp=tmp_path) for a in args]
    result = invoke(*args, env={"SMOKE_TEST_KEY": "test-key-123"})
    assert result.exit_code == 2
    assert message in result.stderr


def test_environment_mode_starts_the_embedded_emulator_when_none_runs(tmp_path, monkeypatch):
    """`smoke run --env local` works on its own: the embedded emulator starts on its state dir."""
    env_dir = tmp_path / "environments"
    env_dir.mkdir()
    shutil.copy(REPO / "environments" / "local.toml", env_dir / "local.toml")
    state = tmp_path / "state"
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(state))
    result = invoke("--env", "local", "--env-dir", str(env_dir), "--wait-ready", "0", "--json")
    # Nothing was provisioned in this fresh emulator: every deployment is missing (404), which
    # proves the run reached a real emulator through the environment's account endpoint.
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert [d["name"] for d in report["deployments"]] == [
        "gpt-realtime",
        "gpt-realtime-mini",
        "gpt-4o-realtime-preview",
        "gpt-4o-mini-realtime-preview",
    ]
    assert "404" in result.stdout
    assert (state / "ca.pem").exists()
    assert not (state / "connection.json").exists()  # the embedded emulator stopped afterwards


def test_python_dash_m_smoke_help():
    out = subprocess.run(
        [sys.executable, "-m", "smoke", "run", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert out.returncode == 0 and "Exit codes: 0 all passed" in out.stdout


@pytest.mark.parametrize(("env", "fast"), [({"SMOKE_FAST": "1"}, True), ({}, False)])
def test_smoke_fast_in_the_environment_turns_on_fast_pacing(monkeypatch, env, fast):
    """``provision up --smoke`` passes no flags; CI can still ask for fast pacing."""
    import smoke.cli

    seen = []
    monkeypatch.delenv("SMOKE_FAST", raising=False)
    monkeypatch.setattr(smoke.cli, "execute", lambda req: seen.append(req) or 0)
    result = CliRunner().invoke(
        main, ["run", "--endpoint", "https://x", "--deployment", "d"], env=env
    )
    assert result.exit_code == 0
    assert seen[0].fast is fast
