"""Function calling, turn detection off, idle timeout and rate limits on the sans-I/O session.

The rule itself (``emulator.realtime.tool_calls``) is table-tested; the session tests check
the full GA and preview event sequences against the openai SDK's per-type models.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from rt_conformance import validate_all
from rt_drive import pump, send
from rt_fakes import FakeSpeech, silence, tone
from test_session import NAMES, b64, errors, make, manual

from emulator.realtime.tool_calls import answer_from_output, build_arguments, choose_tool

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
            "alerts": {"type": "boolean"},
        },
        "required": ["location", "unit", "days", "alerts"],
    },
}
TIMER = {
    "type": "function",
    "name": "setTimer",
    "description": "Start a countdown",
    "parameters": {
        "type": "object",
        "properties": {"minutes": {"type": "number", "default": 5}},
        "required": ["minutes"],
    },
}


@pytest.mark.parametrize(
    ("choice", "heard", "expected"),
    [
        ("auto", "what is the weather like in seattle today", "get_weather"),
        ("auto", "start a timer for ten minutes", "setTimer"),
        ("auto", "tell me a joke", None),  # nothing names a tool: a spoken reply
        ("required", "tell me a joke", "get_weather"),  # no match: the first declared
        ("required", "timer please", "setTimer"),
        ({"type": "function", "name": "setTimer"}, "weather in paris", "setTimer"),
        ("setTimer", "weather in paris", "setTimer"),  # preview names a function bare
        ({"type": "function", "name": "missing"}, "weather in paris", None),
        ("none", "what is the weather in seattle", None),
    ],
)
def test_which_tool_is_called(choice: Any, heard: str, expected: str | None) -> None:
    call = choose_tool([WEATHER, TIMER], choice, heard)
    assert (call.name if call else None) == expected


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        (
            "what is the weather in Seattle today",
            {"location": "Seattle", "unit": "celsius", "days": 1, "alerts": False},
        ),
        (
            "weather in new york in fahrenheit for 3 days with alerts on",
            {"location": "New York", "unit": "fahrenheit", "days": 3, "alerts": True},
        ),
        (
            "weather for twenty days no alerts",  # clamped to the maximum
            {"location": "unknown", "unit": "celsius", "days": 7, "alerts": False},
        ),
    ],
)
def test_arguments_follow_the_schema_and_the_utterance(
    heard: str, expected: dict[str, Any]
) -> None:
    arguments = build_arguments(WEATHER["parameters"], heard)
    assert arguments == expected
    jsonschema.validate(arguments, WEATHER["parameters"])


def test_missing_values_use_the_schema_default_and_optional_ones_are_left_out() -> None:
    assert build_arguments(TIMER["parameters"], "timer") == {"minutes": 5}
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "count": {"type": "integer"}},
        "required": ["count"],
    }
    assert build_arguments(schema, "how many") == {"count": 0}
    assert build_arguments(schema, "are there 12 hotels in Oslo") == {"city": "Oslo", "count": 12}


def test_the_answer_speaks_the_output() -> None:
    said = answer_from_output("get_weather", json.dumps({"temp": 72, "sky": "sunny"}))
    assert said == "The get weather function returned: 72, sunny."
    assert answer_from_output("lookup", "plain text") == "The lookup function returned: plain text."


def _tools_session(dialect: str, choice: Any = "auto") -> dict[str, Any]:
    base = manual(dialect)
    return {**base, "tools": [WEATHER, TIMER], "tool_choice": choice}


def _ask(dialect: str, heard: str, choice: Any = "auto") -> tuple[Any, list[dict[str, Any]]]:
    s = make(dialect, FakeSpeech(heard=heard))
    pump(s)
    send(s, type="session.update", session=_tools_session(dialect, choice))
    send(s, type="input_audio_buffer.append", audio=b64(tone(500)))
    send(s, type="input_audio_buffer.commit")
    send(s, type="response.create")
    return s, pump(s)


def test_function_call_event_sequence(dialect: str) -> None:
    _, events = _ask(dialect, "what is the weather like in seattle")
    types = validate_all(events, dialect)
    start = types.index("response.created")
    expected = ["response.created", "rate_limits.updated", "response.output_item.added"]
    expected.append(NAMES[dialect]["item"])
    assert types[start : start + 4] == expected
    deltas = [e for e in events if e["type"] == "response.function_call_arguments.delta"]
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert len(deltas) > 1 and "".join(d["delta"] for d in deltas) == done["arguments"]
    arguments = json.loads(done["arguments"])
    jsonschema.validate(arguments, WEATHER["parameters"])
    assert arguments["location"] == "Seattle"
    assert ("name" in done) == (dialect == "ga")  # the preview event has no name
    added = events[types.index("response.output_item.added")]["item"]
    assert added["type"] == "function_call" and added["status"] == "in_progress"
    assert added["name"] == "get_weather" and added["arguments"] == ""
    assert added["call_id"].startswith("call_") and added["call_id"] == done["call_id"]
    tail = ["response.function_call_arguments.done", "response.output_item.done"]
    tail += ["conversation.item.done"] if dialect == "ga" else []
    assert types[-len(tail) - 1 :] == [*tail, "response.done"]
    response = events[-1]["response"]
    assert response["status"] == "completed"
    assert response["output"][0]["type"] == "function_call"
    assert response["output"][0]["arguments"] == done["arguments"]
    assert NAMES[dialect]["audio"] not in types  # a call, not speech


def test_function_output_turns_into_a_spoken_answer(dialect: str) -> None:
    s, events = _ask(dialect, "set a timer", choice="required")
    call_id = next(e for e in events if e["type"] == "response.function_call_arguments.done")[
        "call_id"
    ]
    output = json.dumps({"status": "started", "minutes": 5})
    item = {"type": "function_call_output", "call_id": call_id, "output": output}
    send(s, type="conversation.item.create", item=item)
    send(s, type="response.create")
    events = pump(s)
    types = validate_all(events, dialect)
    assert types[0] == NAMES[dialect]["item"] and events[0]["item"]["call_id"] == call_id
    transcript = "".join(e["delta"] for e in events if e["type"] == NAMES[dialect]["transcript"])
    assert transcript == "The set timer function returned: started, 5."
    assert s.speech.spoken[-1] == transcript  # that is what was synthesised
    assert events[-1]["response"]["output"][0]["type"] == "message"


def test_output_for_an_unknown_call_id_is_refused(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    item = {"type": "function_call_output", "call_id": "call_nope", "output": "{}"}
    send(s, type="conversation.item.create", event_id="evt_1", item=item)
    events = pump(s)
    validate_all(events, dialect)
    assert errors(events) == [
        {
            "type": "invalid_request_error",
            "code": "invalid_tool_call_id",
            "message": "Tool call ID 'call_nope' not found in conversation.",
            "param": None,
            "event_id": "evt_1",
        }
    ]
    assert s.conversation.items == []


def test_auto_without_a_matching_tool_speaks(dialect: str) -> None:
    _, events = _ask(dialect, "repeat after me blue harbor seven")
    types = validate_all(events, dialect)
    assert "response.function_call_arguments.done" not in types
    transcript = "".join(e["delta"] for e in events if e["type"] == NAMES[dialect]["transcript"])
    assert transcript == "Blue harbor seven."


def test_preview_accepts_turn_detection_none_and_ga_refuses_it() -> None:
    beta = make("beta")
    pump(beta)
    send(beta, type="session.update", session={"turn_detection": {"type": "none"}})
    for chunk in [silence(200)] + [tone(100)] * 6 + [silence(100)] * 6:
        send(beta, type="input_audio_buffer.append", audio=b64(chunk))
    events = pump(beta)
    assert validate_all(events, "beta") == ["session.updated"]  # no VAD turn
    assert events[0]["session"]["turn_detection"] is None

    ga = make("ga")
    pump(ga)
    none = {"type": "realtime", "audio": {"input": {"turn_detection": {"type": "none"}}}}
    send(ga, type="session.update", session=none)
    (error,) = errors(pump(ga))
    assert error["code"] == "invalid_value"
    assert error["param"] == "session.audio.input.turn_detection.type"
    assert error["message"].startswith("Invalid value: 'none'.")


def test_idle_timeout_triggers_a_committed_item_and_a_response() -> None:
    s = make("ga", FakeSpeech(heard=""))
    pump(s)
    turn = {"type": "server_vad", "idle_timeout_ms": 5000}
    send(
        s,
        type="session.update",
        session={"type": "realtime", "audio": {"input": {"turn_detection": turn}}},
    )
    pump(s)
    for _ in range(49):
        send(s, type="input_audio_buffer.append", audio=b64(silence(100)))
    assert [e["type"] for e in pump(s)] == []  # 4.9 s of silence: not yet
    send(s, type="input_audio_buffer.append", audio=b64(silence(100)))
    events = pump(s)
    types = validate_all(events, "ga")
    assert types[:2] == ["input_audio_buffer.timeout_triggered", "input_audio_buffer.committed"]
    timeout, committed = events[:2]
    assert (timeout["audio_start_ms"], timeout["audio_end_ms"]) == (0, 5000)
    assert timeout["item_id"] == committed["item_id"]
    assert "response.created" in types and events[-1]["response"]["status"] == "completed"
    # the next timeout counts from the end of that reply's playback, not from its start
    for _ in range(50):
        send(s, type="input_audio_buffer.append", audio=b64(silence(100)))
    assert "input_audio_buffer.timeout_triggered" not in [e["type"] for e in pump(s)]


def test_rate_limits_open_every_response(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    send(s, type="session.update", session=manual(dialect))
    updates = []
    for _ in range(2):
        send(s, type="response.create")
        events = pump(s)
        validate_all(events, dialect)
        types = [e["type"] for e in events]
        assert types[types.index("response.created") + 1] == "rate_limits.updated"
        updates.append(next(e for e in events if e["type"] == "rate_limits.updated"))
    first, second = ({r["name"]: r for r in u["rate_limits"]} for u in updates)
    assert first["requests"]["limit"] == 200 and first["requests"]["remaining"] == 199
    assert second["requests"]["remaining"] == 198
    assert second["tokens"]["remaining"] < first["tokens"]["remaining"] < 100_000


@pytest.fixture(params=["ga", "beta"])
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)
