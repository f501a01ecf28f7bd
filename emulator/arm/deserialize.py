"""Read request bodies the way Azure's resource providers do (Json.NET into typed models).

Azure's deserializer is lenient where clients rely on it and strict elsewhere:

* integer fields (``Int32``) take JSON integers, floats without a fraction, and strings holding an
  integer (``"1"``, ``" -2 "``): the Azure CLI sends ``--sku-capacity 1`` as ``"capacity": "1"``.
  Fractions, out-of-range values, booleans and non-numeric strings are refused;
* boolean fields take JSON booleans, the strings ``"true"``/``"false"`` in any case, and numbers
  (non-zero is true);
* enum fields take their names in any case and are stored in the canonical casing;
* an empty string or ``null`` in a typed field means "not given".

A refused value is ARM's ``400 InvalidRequestContent`` naming the JSON path. Each resource's
fields are declared once as a table of :class:`TypedField` (``ACCOUNT_FIELDS`` and friends live
with their models) and :func:`coerce` applies a table to a parsed body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from emulator.errors import ServiceError, bad_request

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_INTEGER_TEXT = re.compile(r"^\s*[+-]?\d+\s*$")

FieldKind = Literal["int32", "bool", "enum"]


@dataclass(frozen=True)
class TypedField:
    """One typed field of a request body.

    ``path`` is dotted; ``[]`` marks an array whose every item is visited
    (``properties.networkAcls.virtualNetworkRules[].ignoreMissingVnetServiceEndpoint``).
    ``values`` are an enum's canonical names; ``minimum`` a lower bound of an integer.
    """

    path: str
    kind: FieldKind
    values: tuple[str, ...] = ()
    minimum: int | None = None

    @property
    def type_name(self) -> str:
        """The .NET type Azure names in its messages."""
        return {"int32": "Int32", "bool": "Boolean", "enum": "String"}[self.kind]


def invalid_content(path: str, detail: str) -> ServiceError:
    """ARM's 400 for a value the deserializer cannot convert."""
    return bad_request(
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: "
        f"'{detail} Path '{path}'.'.",
    )


def coerce(body: dict[str, Any], table: Sequence[TypedField]) -> dict[str, Any]:
    """A copy of ``body`` with every field of ``table`` converted to its type (or refused)."""
    result = _deep_copy(body)
    for field in table:
        for parent, key, where in _locations(result, field.path):
            parent[key] = convert(parent[key], field, where)
    return result


def convert(value: Any, field: TypedField, where: str) -> Any:
    """One value converted as Azure converts it into ``field``'s type."""
    if value is None or value == "":
        return None
    if field.kind == "int32":
        number = _to_int32(value, where)
        if field.minimum is not None and number < field.minimum:
            raise invalid_content(where, f"The value {number} is less than {field.minimum}.")
        return number
    if field.kind == "bool":
        return _to_bool(value, where)
    return _to_enum(value, field.values, where)


def _to_int32(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        token = _token_name(value)
        raise invalid_content(where, f"Error reading integer. Unexpected token: {token}.")
    if isinstance(value, str):
        if not _INTEGER_TEXT.match(value):
            raise invalid_content(where, f"Could not convert string to integer: {value}.")
        number = int(value.strip())
    elif isinstance(value, float):
        if not value.is_integer():
            raise invalid_content(where, f"Input string '{value}' is not a valid integer.")
        number = int(value)
    else:
        number = value
    if not INT32_MIN <= number <= INT32_MAX:
        raise invalid_content(where, f"JSON integer {number} is too large or small for an Int32.")
    return number


def _to_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, str):
        raise invalid_content(where, f"Could not convert string to boolean: {value}.")
    raise invalid_content(where, f"Error reading boolean. Unexpected token: {_token_name(value)}.")


def _to_enum(value: Any, values: tuple[str, ...], where: str) -> str:
    if not isinstance(value, str):
        raise invalid_content(where, f"Error converting value {value!r} to type 'String'.")
    folded = value.strip().lower()
    for name in values:
        if name.lower() == folded:
            return name
    raise invalid_content(where, f"Requested value '{value}' was not found.")


def _token_name(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, dict):
        return "StartObject"
    if isinstance(value, list):
        return "StartArray"
    return type(value).__name__


def _locations(body: Any, path: str) -> Iterator[tuple[Any, Any, str]]:
    """Every (container, key, JSON path) where ``path`` exists in ``body``."""
    steps = path.split(".")
    frontier: list[tuple[Any, str]] = [(body, "")]
    for index, step in enumerate(steps):
        is_array = step.endswith("[]")
        name = step.removesuffix("[]")
        last = index == len(steps) - 1
        following: list[tuple[Any, str]] = []
        for node, prefix in frontier:
            if not isinstance(node, dict) or name not in node:
                continue
            where = f"{prefix}.{name}" if prefix else name
            if last and not is_array:
                yield node, name, where
                continue
            child = node[name]
            if is_array:
                if not isinstance(child, list):
                    continue
                if last:
                    yield from ((child, i, f"{where}[{i}]") for i in range(len(child)))
                    continue
                following.extend((item, f"{where}[{i}]") for i, item in enumerate(child))
            else:
                following.append((child, where))
        frontier = following


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
