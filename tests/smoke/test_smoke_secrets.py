"""No key or token reaches any output, even when the server quotes it back in every error.

The scripted server (``echo_secret``) repeats the credential in the handshake refusal body, the
session object, an error event, a non-JSON frame that the client's 200-character excerpt cuts
inside the secret, and the failed response's status details. Every output is then searched for
the secret and for its first 8 characters: stdout, stderr, JSON, JUnit, the step summary and all
artifacts.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from smoke_fakeserver import FakeRealtimeServer, Script, speech_like
from test_smoke_client import FakeTokenCredential, options

from smoke.audio import write_wav
from smoke.auth import EntraCredential
from smoke.cli import main
from smoke.realtime.dialects import Dialect
from smoke.report import (
    REDACTED,
    redact,
    render_console,
    step_summary,
    to_json,
    to_junit,
    write_artifacts,
)
from smoke.run import Target, run_smoke

KEY = "5f0c2a9e8b7d4c1a9e6f3b2d1c0a9f8e"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJzZWNyZXQtYXBwIn0.c2lnbmF0dXJlLXNlY3JldA"


def outputs(directory: Path, *texts: str) -> list[str]:
    files = [p for p in directory.rglob("*") if p.is_file() and p.suffix != ".wav"]
    return [*texts, *(p.read_text("utf-8") for p in files)]


def assert_absent(secret: str, texts: list[str]) -> None:
    for text in texts:
        assert secret not in text
        assert secret[:8] not in text  # nor a cut-off copy of it


def run_cli(server, tmp_path: Path, monkeypatch) -> tuple:
    prompt = write_wav(tmp_path / "prompt.wav", bytes(4800 * 3) + speech_like(1.0))
    summary = tmp_path / "out" / "summary.md"
    summary.parent.mkdir()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    args = ["run", "--endpoint", server.endpoint, "--deployment", "gpt-realtime"]
    args += ["--auth", "key", "--api-key-env", "SMOKE_TEST_KEY", "--prompt", str(prompt)]
    args += ["--timeout", "5", "--wait-ready", "0", "--json"]
    args += ["--junit", str(tmp_path / "out" / "junit.xml"), "--artifacts", str(tmp_path / "out")]
    result = CliRunner(env={"SMOKE_TEST_KEY": KEY}).invoke(main, args, catch_exceptions=False)
    return result, outputs(tmp_path / "out", result.stdout, result.stderr)


def test_key_quoted_back_in_session_errors_and_frames_never_reaches_an_output(
    server_thread, tmp_path, monkeypatch
):
    with server_thread(Script(echo_secret=True)) as server:
        result, texts = run_cli(server, tmp_path, monkeypatch)
    assert server.seen.headers[0]["api-key"] == KEY  # the key really went out ...
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    checks = {c["name"]: c for s in report["deployments"][0]["scenarios"] for c in s["checks"]}
    # ... and really came back, in the places that end up in reports:
    assert f"Incorrect key: {REDACTED}" in checks["server.errors"]["detail"]
    assert REDACTED in checks["protocol"]["detail"]  # the cut-off excerpt
    assert f"The model crashed. {REDACTED}" in checks["response.done"]["detail"]
    events = (tmp_path / "out" / "gpt-realtime" / "audio.events.jsonl").read_text()
    assert '"api_key":"[REDACTED]"' in events
    assert_absent(KEY, texts)


def test_key_quoted_back_in_a_refused_handshake_never_reaches_an_output(
    server_thread, tmp_path, monkeypatch
):
    with server_thread(Script(reject_status=401, echo_secret=True)) as server:
        result, texts = run_cli(server, tmp_path, monkeypatch)
    assert result.exit_code == 5  # a refused key is an authentication failure
    (scenario,) = json.loads(result.stdout)["deployments"][0]["scenarios"]
    assert "invalid key [REDACTED]" in scenario["checks"][0]["observed"]
    assert_absent(KEY, texts)


async def test_bearer_token_quoted_back_never_reaches_an_output(tmp_path, tone_prompt):
    credential = EntraCredential(FakeTokenCredential(TOKEN), "test")
    async with FakeRealtimeServer(Script(echo_secret=True)) as server:
        target = Target(
            name="gpt-realtime",
            endpoint=server.endpoint,
            deployment="gpt-realtime",
            dialect=Dialect.GA,
            credential=credential,
        )
        report = await run_smoke([target], options(tone_prompt))
    assert server.seen.headers[0]["authorization"] == f"Bearer {TOKEN}"
    assert not report.passed
    console = io.StringIO()
    render_console(report, console)
    write_artifacts(report, tmp_path / "art")
    texts = outputs(
        tmp_path / "art",
        console.getvalue(),
        json.dumps(to_json(report)),
        to_junit(report),
        step_summary(report),
    )
    assert_absent(TOKEN, texts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key {KEY} end", f"key {REDACTED} end"),
        (f"cut {KEY[:20]}", f"cut {REDACTED}"),  # an excerpt ending inside the key
        (f"cut {KEY[:8]}) and more", f"cut {REDACTED}) and more"),
        (f"short {KEY[:7]}", f"short {KEY[:7]}"),  # too short to be the key's
        (f"{KEY}{KEY[:12]}", f"{REDACTED}{REDACTED}"),
    ],
)
def test_redact_catches_whole_and_cut_off_secrets(text, expected):
    assert redact(text, [KEY]) == expected
    assert redact({"nested": [text], "api-key": "x"}, [KEY]) == {
        "nested": [expected],
        "api-key": REDACTED,
    }
