"""Strict validation of server events against the official openai SDK's per-type models.

The SDK itself never validates what it receives (realtime-protocol.md §14), and its models
accept unknown fields. Here each event is validated with the model for its ``type``; then
every nested model is walked and any field the SDK does not define is reported, except the
few server-only session fields Azure is known to send (``id``/``object``/``expires_at``…).
"""

from __future__ import annotations

import json
import typing
from typing import Any

import pydantic
from openai.types.beta.realtime import RealtimeServerEvent as BetaServerEvent
from openai.types.realtime import RealtimeServerEvent as GAServerEvent


def _by_type(union: Any) -> dict[str, type[pydantic.BaseModel]]:
    members = typing.get_args(typing.get_args(union)[0])
    return {typing.get_args(m.model_fields["type"].annotation)[0]: m for m in members}


MODELS = {"ga": _by_type(GAServerEvent), "beta": _by_type(BetaServerEvent)}
# Server-side session fields that the SDK's request-shaped session models do not declare
# (all present in Azure captures: realtime-protocol.md §8.1, §8.2).
ALLOWED_EXTRAS = {
    "ga": {"session.id", "session.object", "session.expires_at"},
    "beta": {"session.object", "session.expires_at", "session.client_secret", "session.include"},
}


class ConformanceError(AssertionError):
    """A server event that does not match the SDK's model for its type."""


def _extras(value: Any, path: str) -> set[str]:
    found: set[str] = set()
    if isinstance(value, pydantic.BaseModel):
        for key in value.model_extra or {}:
            found.add(f"{path}.{key}".lstrip("."))
        for name in type(value).model_fields:
            found |= _extras(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list):
        for item in value:
            found |= _extras(item, path)
    return found


def validate(raw: str | dict[str, Any], dialect: str) -> pydantic.BaseModel:
    """Validate one server event (JSON text or dict); raises ``ConformanceError``."""
    text = raw if isinstance(raw, str) else json.dumps(raw)
    data = json.loads(text)
    kind = data.get("type")
    model = MODELS[dialect].get(kind)
    if model is None:
        raise ConformanceError(f"{dialect}: event type {kind!r} is not in the SDK's union")
    try:
        parsed = model.model_validate_json(text)
    except pydantic.ValidationError as exc:
        raise ConformanceError(f"{dialect} {kind}: {exc}") from None
    unexpected = _extras(parsed, "") - ALLOWED_EXTRAS[dialect]
    if unexpected:
        raise ConformanceError(f"{dialect} {kind}: fields unknown to the SDK: {sorted(unexpected)}")
    return parsed


def validate_all(events: list[dict[str, Any]], dialect: str) -> list[str]:
    """Validate a transcript of events; returns their types in order."""
    for ev in events:
        validate(ev, dialect)
    return [str(ev["type"]) for ev in events]
