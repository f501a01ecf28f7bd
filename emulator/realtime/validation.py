"""Validation of client-supplied parameters, reported the way the realtime service does.

Every check raises ``ParamError`` with an OpenAI-style ``code`` (``unknown_parameter``,
``invalid_type``, ``invalid_value``, ``missing_required_parameter``, ``*_below_min_value`` …)
and the dotted ``param`` path (``session.audio.output.speed``), which the session turns
into an ``error`` event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Validator = Callable[[Any, str], Any]


class ParamError(Exception):
    """A client parameter the service refuses; rendered as an ``invalid_request_error``."""

    def __init__(self, code: str, message: str, param: str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


def join(param: str, name: str) -> str:
    """``session`` + ``type`` -> ``session.type`` (a top-level name stays bare)."""
    return f"{param}.{name}" if param else name


def kind_of(value: Any) -> str:
    """How the service names a JSON value's type in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def wrong_type(param: str, expected: str, value: Any) -> ParamError:
    """``invalid_type`` naming what was expected."""
    return ParamError(
        "invalid_type",
        f"Invalid type for '{param}': expected {expected}, but got {kind_of(value)} instead.",
        param,
    )


def unknown(param: str) -> ParamError:
    """``unknown_parameter`` for a field the service does not know."""
    return ParamError("unknown_parameter", f"Unknown parameter: '{param}'.", param)


def missing(param: str) -> ParamError:
    """``missing_required_parameter``."""
    return ParamError(
        "missing_required_parameter", f"Missing required parameter: '{param}'.", param
    )


def string(value: Any, param: str) -> str:
    """A string."""
    if not isinstance(value, str):
        raise wrong_type(param, "a string", value)
    return value


def boolean(value: Any, param: str) -> bool:
    """A boolean."""
    if not isinstance(value, bool):
        raise wrong_type(param, "a boolean", value)
    return value


def one_of(*allowed: str) -> Validator:
    """A string from a fixed set."""

    def check(value: Any, param: str) -> str:
        string(value, param)
        if value not in allowed:
            listed = ", ".join(f"'{a}'" for a in allowed[:-1]) + f", and '{allowed[-1]}'"
            if len(allowed) == 1:
                listed = f"'{allowed[0]}'"
            raise ParamError(
                "invalid_value",
                f"Invalid value: '{value}'. Supported values are: {listed}.",
                param,
            )
        return value

    return check


def number(lo: float | None = None, hi: float | None = None, *, integer: bool = False) -> Validator:
    """A number (an integer when ``integer``) within ``[lo, hi]``."""
    noun = "integer" if integer else "decimal"

    def check(value: Any, param: str) -> float | int:
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            raise wrong_type(param, f"an {noun}" if integer else f"a {noun}", value)
        if lo is not None and value < lo:
            raise ParamError(
                f"{noun}_below_min_value",
                f"Invalid '{param}': {noun} below minimum value. "
                f"Expected a value >= {lo}, but got {value} instead.",
                param,
            )
        if hi is not None and value > hi:
            raise ParamError(
                f"{noun}_above_max_value",
                f"Invalid '{param}': {noun} above maximum value. "
                f"Expected a value <= {hi}, but got {value} instead.",
                param,
            )
        return value

    return check


def nullable(inner: Validator) -> Validator:
    """``null`` or whatever ``inner`` accepts."""

    def check(value: Any, param: str) -> Any:
        return None if value is None else inner(value, param)

    return check


def token_limit(value: Any, param: str) -> int | str:
    """``max_output_tokens``: 1–4096 or ``"inf"``."""
    if value == "inf":
        return "inf"
    if isinstance(value, str):
        return one_of("inf")(value, param)
    return int(number(1, 4096, integer=True)(value, param))


def array(inner: Validator, *, max_items: int | None = None) -> Validator:
    """A list whose members ``inner`` accepts (members named ``param[i]``)."""

    def check(value: Any, param: str) -> list[Any]:
        if not isinstance(value, list):
            raise wrong_type(param, "an array", value)
        if max_items is not None and len(value) > max_items:
            raise ParamError(
                "array_above_max_length",
                f"Invalid '{param}': array too long. Expected an array with maximum length "
                f"{max_items}, but got an array with length {len(value)} instead.",
                param,
            )
        return [inner(v, f"{param}[{i}]") for i, v in enumerate(value)]

    return check


def json_object(value: Any, param: str) -> dict[str, Any]:
    """Any JSON object (free-form inside, such as a tool's parameter schema)."""
    if not isinstance(value, dict):
        raise wrong_type(param, "an object", value)
    return value


def any_json(value: Any, param: str) -> Any:
    """Anything (free-form JSON such as a tool's parameter schema)."""
    return value


def obj(fields: dict[str, Validator], required: Iterable[str] = ()) -> Validator:
    """An object with only the listed fields; unknown fields are ``unknown_parameter``."""
    needed = tuple(required)

    def check(value: Any, param: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise wrong_type(param, "an object", value)
        for name in needed:
            if name not in value:
                raise missing(join(param, name))
        out: dict[str, Any] = {}
        for name, item in value.items():
            validator = fields.get(name)
            if validator is None:
                raise unknown(join(param, name))
            out[name] = validator(item, join(param, name))
        return out

    return check


def tagged(tag: str, variants: dict[str, Validator]) -> Validator:
    """An object whose ``tag`` field (e.g. ``type``) picks the validator for the rest."""

    def check(value: Any, param: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise wrong_type(param, "an object", value)
        if tag not in value:
            raise missing(join(param, tag))
        one_of(*variants)(value[tag], join(param, tag))
        return variants[value[tag]](value, param)

    return check


def metadata(value: Any, param: str) -> dict[str, str] | None:
    """Up to 16 string pairs; keys ≤ 64, values ≤ 512 characters."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise wrong_type(param, "an object", value)
    if len(value) > 16:
        raise ParamError(
            "object_above_max_properties",
            f"Invalid '{param}': too many properties (maximum 16).",
            param,
        )
    for key, item in value.items():
        if len(key) > 64:
            raise ParamError("invalid_value", f"Invalid '{param}': key longer than 64.", param)
        string(item, f"{param}.{key}")
        if len(item) > 512:
            raise ParamError(
                "string_above_max_length",
                f"Invalid '{param}.{key}': string too long (maximum 512).",
                f"{param}.{key}",
            )
    return dict(value)
