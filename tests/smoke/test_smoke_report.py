"""Reports and artifacts: JSON, JUnit XML, step summary, console, WAV + JSONL; no secrets."""

from __future__ import annotations

import asyncio
import copy
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from smoke_fakeserver import FakeRealtimeServer, Script

from smoke.audio import read_wav
from smoke.auth import KeyCredential
from smoke.readiness import ReadinessPolicy
from smoke.realtime.dialects import Dialect, SessionSettings
from smoke.report import (
    REDACTED,
    redact,
    render_console,
    step_summary,
    to_json,
    to_junit,
    write_artifacts,
)
from smoke.run import SmokeOptions, Target, run_smoke
from smoke.scenarios import ScenarioOptions

SECRET = "super-secret-key-value"
# One worker builds the shared report once (see the module fixture below).
pytestmark = pytest.mark.xdist_group("smoke-report")


@pytest.fixture(scope="module")
def report(tone_prompt):
    """One passing and one failing deployment against the fake server.

    One smoke session (~3 s of realtime pacing) for the whole module: the report is only read
    (the mutation tests deep-copy it)."""
    return asyncio.run(_run_report(tone_prompt))


async def _run_report(tone_prompt):
    async with (
        FakeRealtimeServer(Script()) as good,
        FakeRealtimeServer(Script(response_status="failed")) as bad,
    ):
        targets = [
            Target(
                name=name,
                endpoint=server.endpoint,
                deployment="gpt-realtime",
                dialect=dialect,
                credential=KeyCredential(SECRET, "test"),
                model="gpt-realtime",
            )
            for name, server, dialect in (("good", good, Dialect.GA), ("bad", bad, Dialect.PREVIEW))
        ]
        options = SmokeOptions(
            prompts=(tone_prompt,),
            scenario=ScenarioOptions(settings=SessionSettings(), pace="realtime", timeout_s=5),
            readiness=ReadinessPolicy(budget_s=0),
            timeout_s=10,
        )
        return await run_smoke(targets, options)


def test_redact_removes_secret_fields_and_values():
    data = {
        "api-key": "abc",
        "Authorization": "Bearer t",
        "nested": [f"x {SECRET} y"],
        "max_output_tokens": "inf",
        "total_tokens": 5,
    }
    out = redact(data, [SECRET])
    assert out == {
        "api-key": REDACTED,
        "Authorization": REDACTED,
        "nested": [f"x {REDACTED} y"],
        "max_output_tokens": "inf",
        "total_tokens": 5,
    }


def test_json_report(report):
    body = to_json(report)
    assert body["passed"] is False
    assert body["summary"] == {"deployments": 2, "passed": 1, "failed": 1}
    good, bad = body["deployments"]
    assert good["passed"] and good["dialect"] == "ga" and good["auth"] == "key (test)"
    assert good["url"].endswith("/openai/v1/realtime?model=gpt-realtime")
    assert set(good["metrics"]) == {
        "connect_s",
        "session_created_s",
        "first_audio_s",
        "first_audio_from",
        "total_s",
        "audio_s",
        "secret_minted_s",
        "sdp_exchanged_s",
    }
    assert good["metrics"]["first_audio_from"] == "end_of_speech"
    assert good["transport"] == "websocket"
    assert all(s["transport"] == "websocket" for s in good["scenarios"])
    assert body["format_version"] == 1 and body["exit_code"] == 1
    failing = [c for s in bad["scenarios"] for c in s["checks"] if not c["passed"]]
    assert {c["name"] for c in failing} == {"response.done"}
    assert SECRET not in json.dumps(body)


def test_junit_xml(report):
    root = ET.fromstring(to_junit(report))
    assert root.tag == "testsuites" and root.get("failures") == "2"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["smoke.good.websocket", "smoke.bad.websocket"]
    failures = suites[1].findall("testcase/failure")
    assert len(failures) == 2 and "internal_error" in failures[0].get("message")
    assert suites[1].find("testcase").get("classname") == "smoke.bad.websocket.audio"
    props = {p.get("name"): p.get("value") for p in suites[0].iter("property")}
    assert props["transport"] == "websocket"
    assert SECRET not in to_junit(report)


def test_step_summary_and_console(report):
    summary = step_summary(report)
    assert summary.startswith("### Realtime smoke FAILED")
    assert "| good | websocket | ga | key | ✅ |" in summary
    assert "| bad | websocket | preview | key | ❌ |" in summary
    assert "deprecated since 2026-04-30" in summary  # the bad target speaks preview
    stream = io.StringIO()
    render_console(report, stream)
    text = stream.getvalue()
    assert "1/2 deployment(s) passed" in text
    assert "bad [websocket] audio/response.done" in text and SECRET not in text
    assert "end of speech (real-time pacing) → first audio" in text


def test_artifacts_hold_audio_and_redacted_events(report, tmp_path):
    written = write_artifacts(report, tmp_path)
    wav = tmp_path / "good" / "audio.wav"
    assert wav in written and read_wav(wav).seconds == pytest.approx(1.05, abs=0.01)
    lines = [
        json.loads(x) for x in (tmp_path / "good" / "audio.events.jsonl").read_text().splitlines()
    ]
    kinds = [ln["frame"].get("type") for ln in lines]
    assert "session.created" in kinds and "response.done" in kinds
    appends = [
        ln["frame"] for ln in lines if ln["frame"].get("type") == "input_audio_buffer.append"
    ]
    assert appends and all("elided" in a["audio"] for a in appends)
    deltas = [
        ln["frame"] for ln in lines if ln["frame"].get("type") == "response.output_audio.delta"
    ]
    assert deltas and all("elided" in d["delta"] for d in deltas)
    assert any(ln["frame"].get("mark") == "speech_end" for ln in lines)
    everything = "".join(p.read_text() for p in tmp_path.rglob("*.json*"))
    assert SECRET not in everything
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["failed"] == 1


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("expected", "x"),  # a one-character "key" never rewrites unrelated words
        ("expected value", "pecte"),
        ("a short key abc", "abc"),
    ],
)
def test_redaction_ignores_secrets_too_short_to_be_real(text, secret):
    assert redact({"message": text}, [secret]) == {"message": text}


def test_redaction_touches_only_the_secret_and_its_cut_off_copies():
    secret = "0123456789abcdef0123456789abcdef"
    text = f"before {secret} middle {secret[:12]}… after expected"
    out = redact({"m": text}, [secret])["m"]
    assert out == f"before {REDACTED} middle {REDACTED}… after expected"


def test_keys_too_short_to_be_real_are_refused():
    from smoke.errors import UsageError

    with pytest.raises(UsageError, match="too short to be a real key"):
        KeyCredential("e", "$AZURE_OPENAI_API_KEY")


SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "smoke-report.schema.json"


def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def test_the_json_report_validates_against_the_shipped_schema(report):
    jsonschema.Draft202012Validator.check_schema(_schema())
    jsonschema.validate(to_json(report), _schema())


def _drop_format_version(d):
    del d["format_version"]


def _bump_format_version(d):
    d["format_version"] = 2


def _extra_top_level(d):
    d["surprise"] = True


def _drop_transport(d):
    del d["deployments"][0]["transport"]


def _unknown_transport(d):
    d["deployments"][0]["transport"] = "carrier-pigeon"


def _string_duration(d):
    d["deployments"][0]["duration_s"] = "1.5"


def _check_without_name(d):
    del d["deployments"][0]["scenarios"][0]["checks"][0]["name"]


def _extra_metric(d):
    d["deployments"][0]["scenarios"][0]["metrics"]["vibes_s"] = 1.0


def _bad_anchor(d):
    d["deployments"][0]["scenarios"][0]["metrics"]["first_audio_from"] = "whenever"


def _bad_exit_code(d):
    d["exit_code"] = 3


@pytest.mark.parametrize(
    "mutate",
    [
        _drop_format_version,
        _bump_format_version,
        _extra_top_level,
        _drop_transport,
        _unknown_transport,
        _string_duration,
        _check_without_name,
        _extra_metric,
        _bad_anchor,
        _bad_exit_code,
    ],
)
def test_a_mutated_report_fails_the_schema(report, mutate):
    document = copy.deepcopy(to_json(report))
    mutate(document)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, _schema())
