"""The tool-call scenario: declare a function, ask for it by voice, answer it, hear the answer.

1. ``session.update`` declares :data:`WEATHER_TOOL` (``get_weather``: a ``location`` string and
   a ``unit`` enum, both required) with ``tool_choice: "required"``, so any conforming service
   calls it whatever the model's mood.
2. The shipped prompt ``what_is_the_weather.wav`` ("what is the weather like today") is spoken;
   server VAD ends the turn and the response is a ``function_call`` item.
3. The call is checked: the function's name, a ``call_id``, and arguments that parse as JSON and
   validate against the declared schema (jsonschema).
4. A ``function_call_output`` (:func:`tool_output`: the location, a temperature, the unit and
   the conditions ``cloudy``) is sent with ``response.create``; the spoken answer must use it
   (its transcript names the conditions or the temperature).

The usual checks (session, VAD, response, reply audio) run over the final, spoken response.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from smoke.checks import CheckResult, ScenarioSpec
from smoke.checks.base import events_of, fail, final_transcript, ok
from smoke.errors import ProtocolViolation
from smoke.prompts import Prompt, select_prompts
from smoke.realtime.dialects import Dialect, response_create_payload, session_update_payload
from smoke.realtime.events import (
    ConversationItemCreate,
    ErrorEvent,
    ResponseCreate,
    ResponseDone,
    SessionUpdate,
    SessionUpdated,
)
from smoke.realtime.protocol import Entry
from smoke.scenarios import (
    Budget,
    Opener,
    ScenarioOptions,
    ScenarioResult,
    run_scenario,
    send_prompt,
    since,
)
from smoke.text import normalise
from smoke.transport import Transport

__all__ = [
    "TOOL_PROMPT",
    "WEATHER_TOOL",
    "check_tool_answer",
    "check_tool_call",
    "tool_call_round_trip",
    "tool_output",
]

TOOL_PROMPT = "what_is_the_weather"
WEATHER_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "location": {
            "type": "string",
            "description": "City to report on, e.g. Seattle; Seattle when none is named.",
            "default": "Seattle",
        },
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
    },
    "required": ["location", "unit"],
    "additionalProperties": False,
}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": WEATHER_PARAMETERS,
}
ANSWER_WORDS = ("cloudy",)  # the spoken answer must carry something only the output said
_UPDATE_ID = "evt_smoke_tool_session_update"
_OUTPUT_ID = "evt_smoke_tool_output"
_RESPONSE_ID = "evt_smoke_tool_response"


def tool_output(arguments: dict[str, Any]) -> dict[str, Any]:
    """The function's result for ``arguments``: fixed weather the answer must repeat."""
    return {
        "location": str(arguments.get("location") or "Seattle"),
        "temperature": 72,
        "unit": str(arguments.get("unit") or "celsius"),
        "conditions": "cloudy",
    }


def _function_calls(log: Sequence[Entry]) -> list[dict[str, Any]]:
    """``function_call`` items of every ``response.done``, in order."""
    calls = []
    for done in events_of(log, ResponseDone):
        output = (done.raw.get("response") or {}).get("output") or []
        calls += [i for i in output if isinstance(i, dict) and i.get("type") == "function_call"]
    return calls


def _arguments(call: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    raw = call.get("arguments")
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else None
    except ValueError as exc:
        return None, f"arguments are not JSON ({exc})"
    if not isinstance(parsed, dict):
        return None, f"arguments are not a JSON object: {str(raw)[:120]!r}"
    return parsed, ""


def check_tool_call(log: Sequence[Entry], tool: dict[str, Any] = WEATHER_TOOL) -> CheckResult:
    """The first response called ``tool`` with a call_id and schema-valid arguments."""
    import jsonschema

    name, expected = "tool.call", f"a {tool['name']} call with schema-valid arguments"
    calls = _function_calls(log)
    if not calls:
        return fail(name, expected, "no function_call item in any response.done")
    call = calls[0]
    if call.get("name") != tool["name"] or not call.get("call_id"):
        return fail(name, expected, f"call of {call.get('name')!r} (call_id {call.get('call_id')})")
    arguments, problem = _arguments(call)
    if arguments is None:
        return fail(name, expected, "unreadable arguments", problem)
    try:
        jsonschema.validate(arguments, tool["parameters"])
    except jsonschema.ValidationError as exc:
        return fail(name, expected, json.dumps(arguments)[:200], f"schema: {exc.message}")
    return ok(name, expected, f"{tool['name']}({json.dumps(arguments, sort_keys=True)})")


def check_tool_answer(log: Sequence[Entry], words: Sequence[str] = ANSWER_WORDS) -> CheckResult:
    """The spoken answer after the function output uses it."""
    name, expected = "tool.answer", f"the spoken answer uses the output ({', '.join(words)})"
    if len(events_of(log, ResponseDone)) < 2:
        return fail(name, expected, "no response after the function output")
    transcript = final_transcript(log)
    heard = set(normalise(transcript))
    if not any(w in heard for w in normalise(" ".join(words))):
        return fail(name, expected, repr(transcript[:200]), "the answer ignores the output")
    return ok(name, expected, repr(transcript[:200]))


def _tool_session(dialect: Dialect, options: ScenarioOptions) -> dict[str, Any]:
    session = session_update_payload(dialect, options.settings)
    session["tools"] = [WEATHER_TOOL]
    session["tool_choice"] = "required"
    session["instructions"] = "Answer weather questions with the get_weather function."
    return session


async def _configure(
    client: Transport, dialect: Dialect, options: ScenarioOptions, b: Budget
) -> None:
    from smoke.realtime.events import SessionCreated

    await client.wait_until(since(0, SessionCreated), b.left(), "session.created")
    start = len(client.received)
    await client.send(SessionUpdate(event_id=_UPDATE_ID, session=_tool_session(dialect, options)))
    await client.wait_until(since(start, SessionUpdated, ErrorEvent), b.left(), "session.updated")
    if not since(start, SessionUpdated)(client.received):
        raise ProtocolViolation("session.update with tools was rejected")


async def _answer(client: Transport, dialect: Dialect, b: Budget) -> None:
    calls = _function_calls(client.protocol.log)
    if not calls:
        raise ProtocolViolation("the response did not call get_weather")
    arguments, _ = _arguments(calls[0])
    output = {
        "type": "function_call_output",
        "call_id": calls[0].get("call_id"),
        "output": json.dumps(tool_output(arguments or {})),
    }
    start = len(client.received)
    await client.send(ConversationItemCreate(event_id=_OUTPUT_ID, item=output))
    await client.send(
        ResponseCreate(event_id=_RESPONSE_ID, response=response_create_payload(dialect))
    )
    client.protocol.mark("request_sent", client.now())
    await client.wait_until(since(start, ResponseDone, ErrorEvent), b.left(), "the spoken answer")
    if not since(start, ResponseDone)(client.received):
        raise ProtocolViolation("the function output or response.create was rejected")


def _prompt() -> Prompt:
    return select_prompts([TOOL_PROMPT])[0]


async def tool_call_round_trip(
    opener: Opener, dialect: Dialect, options: ScenarioOptions, budget: Budget | None = None
) -> ScenarioResult:
    """Run the tool-call scenario (see the module docstring)."""
    prompt = _prompt()
    spec = ScenarioSpec(kind="audio", dialect=dialect, settings=options.settings)

    async def drive(client: Transport, b: Budget) -> None:
        await _configure(client, dialect, options, b)
        await send_prompt(client, prompt, options, b)
        await client.wait_until(since(0, ResponseDone), b.left(), "the function call")
        await _answer(client, dialect, b)

    def extra(log: list[Entry]) -> list[CheckResult]:
        return [check_tool_call(log), check_tool_answer(log)]

    return await run_scenario("tool_call", spec, opener, options, drive, budget, extra)
