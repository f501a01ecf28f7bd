"""The ``smoke run`` command: outputs and exit codes (0 pass, 1 check failed, 2 bad input,
5 key refused, 6 strict lifecycle)."""

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
            env={"SMOKE_TEST_KEY": "cli-secret-0123456789", "GITHUB_STEP_SUMMARY": str(summary)},
        )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["passed"] and body["deployments"][0]["dialect"] == "ga"
    assert "1/1 deployment(s) passed" in result.stderr
    assert junit.read_text().startswith("<?xml")
    assert "Realtime smoke passed" in summary.read_text()
    assert (tmp_path / "art" / "gpt-realtime" / "audio.wav").is_file()
    assert "cli-secret-0123456789" not in result.output + junit.read_text()


def test_preview_models_speak_ga_by_default(server_thread, prompt_wav):
    with server_thread(Script()) as server:
        result = invoke(
            *endpoint_args(server, prompt_wav, "--model", "gpt-4o-realtime-preview", "--no-text"),
            env={"SMOKE_TEST_KEY": "test-key-1234567890"},
        )
        assert server.seen.paths[0].startswith("/openai/v1/realtime?model=gpt-realtime")
    assert result.exit_code == 0, result.output
    assert "deprecated" not in result.output


def test_preview_dialect_on_request_carries_the_deprecation_warning(server_thread, prompt_wav):
    with server_thread(Script()) as server:
        result = invoke(
            *endpoint_args(server, prompt_wav, "--dialect", "preview", "--no-text", "--json"),
            env={"SMOKE_TEST_KEY": "test-key-1234567890"},
        )
        strict = invoke(
            *endpoint_args(server, prompt_wav, "--dialect", "preview", "--no-text"),
            "--strict-lifecycle",
            env={"SMOKE_TEST_KEY": "test-key-1234567890"},
        )
        assert server.seen.paths[0].startswith("/openai/realtime?api-version=2025-04-01-preview")
    assert result.exit_code == 0, result.output
    assert "deprecated since 2026-04-30" in json.loads(result.stdout)["warnings"][0]
    assert "deprecated since 2026-04-30" in result.stderr
    assert strict.exit_code == 6, strict.output


def test_refused_key_exits_5_at_once_with_the_reason(server_thread, prompt_wav):
    with server_thread(Script(reject_status=401)) as server:
        args = endpoint_args(server, prompt_wav, "--json")
        args[args.index("--wait-ready") + 1] = "60"  # a budget that must not be used on a key
        result = invoke(*args, env={"SMOKE_TEST_KEY": "test-key-1234567890"})
        attempts = len(server.seen.paths)
    assert result.exit_code == 5, result.output
    assert "the API key was refused" in result.stderr
    report = json.loads(result.stdout)
    assert report["deployments"][0]["readiness"]["waited_s"] == 0
    assert attempts == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --env NAME (or --env-file PATH), or --endpoint URL"),
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
            "is not an https:// URL",
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
        (["--env", "no-such-env", "--env-dir", "{tmp}"], "need the `smoke` command installed"),
    ],
)
def test_bad_input_exits_2(args, message, prompt_wav, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"nope")
    args = [a.format(wav=prompt_wav, bad=bad, tmp=tmp_path) for a in args]
    result = invoke(*args, env={"SMOKE_TEST_KEY": "test-key-1234567890"})
    assert result.exit_code == 2
    assert message in result.stderr


def provision_cli():
    """The installed ``smoke`` command: smoke's CLI with provision's environments."""
    from provision.smoke_entry import LazyEnvironments
    from smoke.cli import make_cli

    return make_cli(environments=LazyEnvironments())


def test_unknown_environment_through_provision_exits_2(tmp_path):
    result = CliRunner().invoke(
        provision_cli(), ["run", "-e", "no-such-env", "--env-dir", str(tmp_path)]
    )
    assert result.exit_code == 2, result.output
    assert "no-such-env" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_environment_mode_starts_the_embedded_emulator_when_none_runs(tmp_path, monkeypatch):
    """`smoke run --env local` works on its own: the embedded emulator starts on its state dir."""
    env_dir = tmp_path / "environments"
    env_dir.mkdir()
    shutil.copy(REPO / "environments" / "local.toml", env_dir / "local.toml")
    state = tmp_path / "state"
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(state))
    result = CliRunner().invoke(
        provision_cli(),
        ["run", "--env", "local", "--env-dir", str(env_dir), "--wait-ready", "0", "--json"],
    )
    # Nothing was provisioned in this fresh emulator: the run reached a real (embedded) emulator
    # through the environment and says what to do, in one line.
    assert result.exit_code == 1, result.output
    assert "not provisioned; run `provision up --env local` first" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
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
    assert out.returncode == 0 and "Exit codes: 0 passed" in out.stdout


@pytest.mark.parametrize(
    ("args", "pace"), [([], None), (["--pace", "realtime"], "realtime"), (["--fast"], "burst")]
)
def test_pace_flag_reaches_the_run(monkeypatch, args, pace):
    """Burst is the default (None → burst in build_options); --pace realtime paces like a mic."""
    import smoke.cli_execute

    seen = []
    monkeypatch.setattr(smoke.cli_execute, "execute", lambda req, source: seen.append(req) or 0)
    result = CliRunner().invoke(
        main, ["run", "--endpoint", "https://x", "--deployment", "d", *args]
    )
    assert result.exit_code == 0, result.output
    assert seen[0].choices.pace == pace
