"""The emulator's deterministic function-calling rule (there is no model to ask).

Which tool is called
  - ``tool_choice`` ``"none"``, or no tools: never a call.
  - ``{"type": "function", "name": N}`` (preview: the bare name ``N``): a call of ``N``; a
    name that is not among the tools gives a spoken reply.
  - ``"required"``: a call of the tool the user's words match best (ties: the first declared).
  - ``"auto"``: a call of the best-matching tool if the user's words name it at all, else a
    spoken reply. Words of a tool's name (split at ``_``, ``-``, ``.`` and camelCase) score
    2 each, words of its description 1 each; common words (``get``, ``the``, ``in`` …)
    never count, and a trailing plural ``s`` is ignored.
  - A response whose input ends with a ``function_call_output`` speaks an answer that uses
    the output, whatever ``tool_choice`` says (so a tool round trip always ends in speech).

Which arguments
  Built from the tool's JSON schema (``parameters``) and the utterance, then validated with
  ``jsonschema``. Every ``required`` property is filled; an optional one only when the
  utterance gives its value.
  - ``enum``: the value whose words occur in the utterance; if none, the first value.
  - ``string``: a place-like name (location, city, place, destination, origin, country,
    region, address, town) takes the words after the first ``in``/``at``/``near`` (else
    the first ``to``/``from``/``for``), title-cased, up to the next such word, a number or a
    time word ("… in Seattle today" → "Seattle"); any other string takes the whole
    utterance.
  - ``integer``/``number``: the first number in the utterance (digits or words, "ten"),
    clamped to ``minimum``/``maximum``.
  - ``boolean``: true on on/yes/enable/true/start, false on off/no/disable/false/stop.
  - ``object``: its own required properties, by the same rules; ``array``: empty (or one
    filled item when ``minItems`` > 0).
  When the utterance lacks a value: the schema's ``default``, else the first of
  ``examples``, else ``minimum`` (numbers), else ``"unknown"`` / ``0`` / ``false``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import jsonschema

from emulator.realtime.speech.text import normalize_text

__all__ = ["ToolCall", "answer_from_output", "build_arguments", "choose_tool"]


def _split(words: str) -> list[str]:
    return words.split()


_COMMON = frozenset(
    _split(
        "a an the of for in on at to is are be and or with by from this that it its me my your "
        "please what which who get set do does can could would you i we current"
    )
)
_PLACE_NAMES = frozenset(
    _split("location city place destination origin country region address town where")
)
_PLACE_MARKERS = ("in", "at", "near", "to", "from", "for")
_PLACE_ENDS = frozenset(_split("today tomorrow tonight now please this next right"))
_TRUE_WORDS = frozenset(_split("on yes enable enabled true start"))
_FALSE_WORDS = frozenset(_split("off no disable disabled false stop"))
_UNITS = {
    **{w: i for i, w in enumerate(_split("zero one two three four five six seven eight nine"))},
    **{
        w: i + 10
        for i, w in enumerate(
            _split(
                "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
            )
        )
    },
    **{
        w: (i + 2) * 10
        for i, w in enumerate(_split("twenty thirty forty fifty sixty seventy eighty ninety"))
    },
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
ANSWER_MAX_WORDS = 24


@dataclass(frozen=True)
class ToolCall:
    """The function to call and its arguments (a JSON object)."""

    name: str
    arguments: dict[str, Any]


def _words(text: str) -> set[str]:
    return {w.removesuffix("s") for w in normalize_text(text).split()} - _COMMON


def _score(tool: dict[str, Any], heard: set[str]) -> int:
    name_words = _words(_CAMEL.sub(" ", str(tool.get("name", ""))).replace("_", " "))
    name_words |= _words(str(tool.get("name", "")).replace(".", " ").replace("-", " "))
    described = _words(str(tool.get("description", ""))) - name_words
    return 2 * len(name_words & heard) + len(described & heard)


def choose_tool(tools: list[dict[str, Any]], tool_choice: Any, heard: str) -> ToolCall | None:
    """The call this rule makes for ``heard``, or None for a spoken reply."""
    functions = [t for t in tools if t.get("type", "function") == "function" and t.get("name")]
    if not functions or tool_choice == "none":
        return None
    if isinstance(tool_choice, dict) or tool_choice not in ("auto", "required"):
        # GA names a function as {"type": "function", "name": …}; preview as a bare name
        wanted = tool_choice.get("name") if isinstance(tool_choice, dict) else tool_choice
        named = [t for t in functions if t["name"] == wanted]
        return _call(named[0], heard) if named else None
    words = _words(heard)
    best = max(functions, key=lambda t: _score(t, words))  # max keeps the first of equals
    if tool_choice == "required" or _score(best, words) > 0:
        return _call(best, heard)
    return None


def _call(tool: dict[str, Any], heard: str) -> ToolCall:
    schema = tool.get("parameters") or {"type": "object", "properties": {}}
    return ToolCall(str(tool["name"]), build_arguments(schema, heard))


def build_arguments(schema: dict[str, Any], heard: str) -> dict[str, Any]:
    """Arguments for ``schema`` from the utterance (see the module docstring); validated
    with ``jsonschema`` when the schema itself is valid."""
    value = _object(schema, normalize_text(heard), heard)
    try:
        jsonschema.validate(value, schema)
    except jsonschema.SchemaError:
        pass  # a client's malformed schema: the arguments still follow the rule
    except jsonschema.ValidationError:
        # constraints beyond this rule (pattern, format …): keep only the required values
        required = set(schema.get("required", []))
        value = {k: v for k, v in value.items() if k in required}
    return value


def _object(schema: dict[str, Any], words: str, raw: str) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    for name, prop in properties.items():
        if not isinstance(prop, dict):
            continue
        found = _from_utterance(name, prop, words, raw)
        if found is not None:
            out[name] = found
        elif name in required:
            out[name] = _fallback(prop)
    return out


def _from_utterance(name: str, prop: dict[str, Any], words: str, raw: str) -> Any:
    kind = _type_of(prop)
    if "enum" in prop:
        return next((v for v in prop["enum"] if _says(words, v)), None)
    if kind == "string":
        return _place(words) if _is_place(name) else (raw.strip() or None)
    if kind in ("integer", "number"):
        number = _first_number(raw, words)
        return None if number is None else _clamp(prop, number, kind)
    if kind == "boolean":
        spoken = set(words.split())
        if spoken & _TRUE_WORDS:
            return True
        return False if spoken & _FALSE_WORDS else None
    if kind == "object":
        return _object(prop, words, raw) or None
    return None


def _fallback(prop: dict[str, Any]) -> Any:
    kind = _type_of(prop)
    if "default" in prop:
        return prop["default"]
    if prop.get("examples"):
        return prop["examples"][0]
    if prop.get("enum"):
        return prop["enum"][0]
    if kind in ("integer", "number"):
        low = prop.get("minimum", prop.get("exclusiveMinimum", 0))
        return int(low) if kind == "integer" else float(low)
    if kind == "boolean":
        return False
    if kind == "object":
        return _object(prop, "", "")
    if kind == "array":
        items = prop.get("items")
        item: dict[str, Any] = items if isinstance(items, dict) else {}
        return [_fallback(item)] if prop.get("minItems", 0) > 0 else []
    return "unknown"


def _type_of(prop: dict[str, Any]) -> str:
    kind = prop.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def _says(words: str, value: Any) -> bool:
    spoken = normalize_text(str(value))
    return bool(spoken) and f" {spoken} " in f" {words} "


def _is_place(name: str) -> bool:
    return bool(_words(_CAMEL.sub(" ", name).replace("_", " ")) & _PLACE_NAMES)


def _place(words: str) -> str | None:
    tokens = words.split()
    phrases: dict[str, list[str]] = {}
    for index, word in enumerate(tokens):
        if word in _PLACE_MARKERS:
            phrase = []
            for following in tokens[index + 1 :]:
                if following in _PLACE_MARKERS or following in _PLACE_ENDS:
                    break
                if following in _UNITS:
                    break
                phrase.append(following.capitalize())
            if phrase:
                phrases.setdefault("where" if word in ("in", "at", "near") else "way", phrase)
    chosen = phrases.get("where") or phrases.get("way")
    return " ".join(chosen) if chosen else None


def _first_number(raw: str, words: str) -> float | None:
    digits = re.search(r"-?\d+(?:\.\d+)?", raw.replace(",", ""))
    if digits:
        return float(digits.group(0))
    total = current = 0
    seen = False
    for word in words.split():
        if word in _UNITS:
            current += _UNITS[word]
            seen = True
        elif word in _SCALES and seen:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0
        elif seen and word != "and":
            break
    return float(total + current) if seen else None


def _clamp(prop: dict[str, Any], number: float, kind: str) -> float | int:
    if "minimum" in prop:
        number = max(number, float(prop["minimum"]))
    if "maximum" in prop:
        number = min(number, float(prop["maximum"]))
    return int(number) if kind == "integer" or number.is_integer() else number


def answer_from_output(name: str, output: str) -> str:
    """The spoken answer to a ``function_call_output``: the function's words, then the
    output's values (JSON leaves in order, or the text itself)."""
    try:
        values = _leaves(json.loads(output))
    except ValueError:
        values = [output]
    said = ", ".join(v.strip() for v in values if v.strip()).split()[:ANSWER_MAX_WORDS]
    function = " ".join(_CAMEL.sub(" ", name).replace("_", " ").replace("-", " ").lower().split())
    if not said:
        return f"The {function} function returned nothing."
    return f"The {function} function returned: {' '.join(said)}."


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    if value is None or isinstance(value, bool):
        return [] if value is None else ["yes" if value else "no"]
    return [str(value)]
