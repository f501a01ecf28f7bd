"""The smoke CLI as a user meets it: --version, lazy --help, sign-in failures (exit 5, once,
≤ 3 lines naming the fix), Ctrl-C (exit 130, no traceback), plain progress lines, examples."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from smoke_fakeserver import Script

from smoke.auth import EntraCredential, KeyCredential
from smoke.cli import main, make_cli
from smoke.environments import EnvironmentRequest, ResolvedEnvironment
from smoke.errors import AuthError
from smoke.realtime.dialects import Dialect
from smoke.targets import Target
from smoke.version import VERSION

REPO = Path(__file__).resolve().parents[2]
KEY = "k" * 32


def test_version_matches_the_package():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    out = subprocess.run(
        [sys.executable, "-m", "smoke", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert out.returncode == 0 and out.stdout.strip() == f"smoke {project['version']}"
    assert project["version"] == VERSION


def test_help_imports_nothing_heavy():
    code = (
        "import sys; from smoke.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'numpy', 'websockets', 'rich', 'azure', 'provision', 'emulator', 'soxr'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.stderr.strip() == "[]", out.stderr


def test_every_level_has_examples():
    top = CliRunner().invoke(main, ["--help"])
    run = CliRunner().invoke(main, ["run", "--help"])
    assert "Examples:" in top.output and "smoke run -e local" in top.output
    assert "Examples:" in run.output and "--tool-call" in run.output
    assert "Audio pacing: --pace burst (default)" in run.output


class FailingTokenCredential:
    calls = 0

    def get_token(self, *scopes: str) -> object:
        FailingTokenCredential.calls += 1
        raise RuntimeError(
            "DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
            "Attempted credentials:\n\tEnvironmentCredential: not configured\n"
            "\tManagedIdentityCredential: no endpoint\n\tAzureCliCredential: az not found"
        )


class StaticSource:
    """An EnvironmentSource with fixed targets (what provision would resolve)."""

    def __init__(self, targets: list[Target]) -> None:
        self.targets = targets
        self.requests: list[EnvironmentRequest] = []

    @contextmanager
    def open(self, request: EnvironmentRequest) -> Iterator[ResolvedEnvironment]:
        self.requests.append(request)
        yield ResolvedEnvironment(targets=self.targets, label=f"{request.name} (test)")


def _targets(credential, count: int = 3) -> list[Target]:
    return [
        Target(
            name=f"d{i}",
            endpoint="https://127.0.0.1:9/",
            deployment=f"d{i}",
            dialect=Dialect.GA,
            credential=credential,
        )
        for i in range(count)
    ]


def test_sign_in_failure_is_reported_once_with_the_fix_and_exit_5():
    FailingTokenCredential.calls = 0
    credential = EntraCredential(FailingTokenCredential(), "DefaultAzureCredential")
    source = StaticSource(_targets(credential))
    result = CliRunner().invoke(make_cli(environments=source), ["run", "-e", "dev"])
    assert result.exit_code == 5, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 3 and "Traceback" not in result.output
    assert lines[0].startswith("error: could not get an Entra token for DefaultAzureCredential")
    assert "az login" in result.stderr and "AZURE_FEDERATED_TOKEN_FILE" in result.stderr
    assert "ManagedIdentityCredential" not in result.stderr  # the chain only under --debug
    assert FailingTokenCredential.calls == 1  # once for the run, not once per deployment
    assert source.requests[0].name == "dev"


def test_debug_shows_the_whole_credential_chain():
    credential = EntraCredential(FailingTokenCredential(), "DefaultAzureCredential")
    result = CliRunner().invoke(
        make_cli(environments=StaticSource(_targets(credential, 1))),
        ["run", "-e", "dev", "--debug"],
    )
    assert result.exit_code == 5
    assert "ManagedIdentityCredential: no endpoint" in result.stderr


def test_a_source_sign_in_error_is_exit_5_and_json_error_on_stdout():
    class RefusingSource:
        @contextmanager
        def open(self, request: EnvironmentRequest) -> Iterator[ResolvedEnvironment]:
            raise AuthError("not signed in to Azure\nfix: run `az login`", debug_detail="chain")
            yield  # pragma: no cover

    result = CliRunner().invoke(
        make_cli(environments=RefusingSource()), ["run", "-e", "dev", "--json"]
    )
    assert result.exit_code == 5
    import json

    import jsonschema

    document = json.loads(result.stdout)
    schema = json.loads((REPO / "docs" / "schemas" / "error.schema.json").read_text())
    jsonschema.validate(document, schema)
    assert document["error"] == {
        "type": "AuthError",
        "message": "not signed in to Azure",
        "exit_code": 5,
    }


def test_progress_is_plain_lines_when_not_a_terminal(server_thread):
    wav = REPO / "smoke" / "fixtures" / "repeat_blue_harbor_seven.wav"
    with server_thread(Script(reply="blue harbor seven")) as server:
        targets = [
            Target(
                name="gpt-realtime",
                endpoint=server.endpoint,
                deployment="gpt-realtime",
                dialect=Dialect.GA,
                credential=KeyCredential(KEY, "test"),
            )
        ]
        result = CliRunner().invoke(
            make_cli(environments=StaticSource(targets)),
            ["run", "-e", "dev", "--prompt", str(wav), "--expect", "blue harbor", "--no-text"],
        )
    assert result.exit_code == 0, result.output
    assert "smoke: gpt-realtime [websocket] checking…" in result.stderr
    assert "smoke: gpt-realtime [websocket] PASS" in result.stderr
    assert "\x1b[" not in result.stderr  # no live-display escape codes in logs


def test_ctrl_c_exits_130_without_a_traceback(server_thread):
    wav = REPO / "smoke" / "fixtures" / "repeat_blue_harbor_seven.wav"
    with server_thread(Script(endless=True)) as server:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smoke",
                "run",
                "--endpoint",
                server.endpoint,
                "--deployment",
                "d",
                "--auth",
                "key",
                "--prompt",
                str(wav),
                "--timeout",
                "120",
            ],
            cwd=REPO,
            env={**os.environ, "AZURE_OPENAI_API_KEY": KEY},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.seen.first_handshake.wait(60), "the session did not start"
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr + stdout
    assert stderr.strip().splitlines()[-1] == "interrupted"


def test_live_progress_renders_rows_and_verdicts():
    import io

    from smoke.progress import LiveProgress, make_progress

    stream = io.StringIO()
    progress = make_progress(stream, live=True)
    assert isinstance(progress, LiveProgress)
    target = _targets(KeyCredential(KEY, "test"), 1)[0]
    progress.started(target, "websocket")

    from types import SimpleNamespace

    result = SimpleNamespace(
        passed=True, transport="websocket", duration_s=1.25, target=target, scenarios=[]
    )
    progress.finished(result)  # type: ignore[arg-type]
    progress.close()
    text = stream.getvalue()
    assert "d0" in text and "[websocket]" in text and "PASS (1.2s)" in text


def test_unknown_transports_are_bad_input_and_webrtc_resolves():
    from smoke.errors import UsageError
    from smoke.transport import opener_for

    with pytest.raises(UsageError, match="unknown transport 'carrier-pigeon'"):
        opener_for("carrier-pigeon")
    assert opener_for("webrtc").__name__ == "open_webrtc"
    assert opener_for("websocket").__name__ == "open_websocket"
