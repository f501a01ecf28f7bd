"""Pure checks of the tool-call scenario, the latency gates and the option precedence."""

from __future__ import annotations

import json

import pytest

from smoke.checks.latency import LatencyGates, check_latency
from smoke.options import RunChoices, build_options
from smoke.realtime.dialects import Dialect
from smoke.realtime.protocol import RealtimeProtocol
from smoke.settings import SmokeDefaults
from smoke.tool_call import WEATHER_TOOL, check_tool_answer, check_tool_call, tool_output


def _done(response_id: str, output: list[dict], transcript: str = "") -> list[dict]:
    events = [
        {"type": "response.created", "response": {"id": response_id, "status": "in_progress"}}
    ]
    if transcript:
        events.append(
            {
                "type": "response.output_audio_transcript.done",
                "response_id": response_id,
                "item_id": "i",
                "output_index": 0,
                "content_index": 0,
                "transcript": transcript,
            }
        )
    events.append(
        {
            "type": "response.done",
            "response": {"id": response_id, "status": "completed", "output": output},
        }
    )
    return events


def _log(*frames: dict):
    protocol = RealtimeProtocol(Dialect.GA)
    protocol.receive_text(json.dumps({"type": "session.created", "session": {"id": "s"}}))
    for frame in frames:
        protocol.receive_text(json.dumps(frame))
    return protocol.log


def _call(arguments: object, name: str = "get_weather", call_id: str = "call_1") -> dict:
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"type": "function_call", "name": name, "call_id": call_id, "arguments": raw}


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (None, "no function_call item"),
        (_call({"location": "Oslo", "unit": "celsius"}, name="get_time"), "call of 'get_time'"),
        (_call({"location": "Oslo", "unit": "celsius"}, call_id=""), "call_id"),
        (_call("{not json"), "arguments are not JSON"),
        (_call("[1, 2]"), "not a JSON object"),
        (_call({"location": "Oslo", "unit": "kelvin"}), "'kelvin' is not one of"),
        (_call({"location": "Oslo"}), "'unit' is a required property"),
        (_call({"location": "Oslo", "unit": "celsius", "x": 1}), "Additional properties"),
    ],
)
def test_bad_calls_fail_with_the_reason(call, fragment):
    log = _log(*_done("r1", [call] if call else []))
    result = check_tool_call(log)
    assert not result.passed
    assert fragment in result.reason()


def test_a_schema_valid_call_passes():
    log = _log(*_done("r1", [_call({"location": "Seattle", "unit": "fahrenheit"})]))
    result = check_tool_call(log, WEATHER_TOOL)
    assert result.passed
    assert result.observed == 'get_weather({"location": "Seattle", "unit": "fahrenheit"})'


def test_the_answer_must_use_the_output():
    call = _call({"location": "Seattle", "unit": "celsius"})
    used = _log(*_done("r1", [call]), *_done("r2", [], "It is 72 and cloudy in Seattle."))
    ignored = _log(*_done("r1", [call]), *_done("r2", [], "I cannot check the weather."))
    missing = _log(*_done("r1", [call]))
    assert check_tool_answer(used).passed
    assert "ignores the output" in check_tool_answer(ignored).reason()
    assert "no response after the function output" in check_tool_answer(missing).reason()


def test_the_output_echoes_the_arguments():
    out = tool_output({"location": "Oslo", "unit": "fahrenheit"})
    assert out == {
        "location": "Oslo",
        "temperature": 72,
        "unit": "fahrenheit",
        "conditions": "cloudy",
    }


@pytest.mark.parametrize(
    ("first_audio", "total", "passed"),
    [(0.4, 2.0, [True, True]), (0.6, 2.0, [False, True]), (None, 4.0, [False, False])],
)
def test_latency_gates_report_the_measured_value(first_audio, total, passed):
    gates = LatencyGates(max_first_audio_ms=500, max_total_ms=3000)
    checks = check_latency(gates, first_audio, total)
    assert [c.name for c in checks] == ["latency.first_audio", "latency.total"]
    assert [c.passed for c in checks] == passed
    if first_audio is not None:
        assert checks[0].observed == f"{first_audio * 1000:.0f} ms"
    assert check_latency(LatencyGates(), first_audio, total) == []


def test_flags_win_over_the_table_and_the_table_over_defaults():
    table = SmokeDefaults(timeout_seconds=30, pace="realtime", transport="both", tool_call=True)
    from_table = build_options(RunChoices(), table)
    assert from_table.timeout_s == 30 and from_table.scenario.pace == "realtime"
    assert from_table.transports == ("websocket", "webrtc") and from_table.tool_call
    flags = build_options(
        RunChoices(timeout_s=5, pace="burst", transport="websocket", tool_call=False), table
    )
    assert flags.timeout_s == 5 and flags.scenario.pace == "burst"
    assert flags.transports == ("websocket",) and not flags.tool_call
    default = build_options(RunChoices(), SmokeDefaults())
    assert default.timeout_s == 60 and default.scenario.pace == "burst"


def test_readiness_is_bounded_by_the_timeout_unless_a_wait_is_given():
    implicit = build_options(RunChoices(timeout_s=15), SmokeDefaults())
    assert not implicit.wait_explicit and implicit.readiness.budget_s == 15
    flag = build_options(RunChoices(timeout_s=15, wait_ready_s=300), SmokeDefaults())
    assert flag.wait_explicit and flag.readiness.budget_s == 300
    table = build_options(RunChoices(), SmokeDefaults(wait_for_access_seconds=0))
    assert table.wait_explicit and table.readiness.budget_s == 0
