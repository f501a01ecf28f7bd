"""The ``[smoke]`` table of an environment file: its keys, their rules, and its parsed form.

smoke owns these rules; ``provision`` reads the TOML file and hands the table to
:func:`parse_smoke_table`, wrapping a :class:`~smoke.errors.SettingsError` into its own error
with the file name. This module is light on purpose (no numpy, no websockets): provision's
``validate`` and ``plan`` import it.

Every key is optional; a key that is absent is ``None`` in :class:`SmokeDefaults`, so the CLI
can tell "set in the file" from "not set" (``wait_for_access_seconds`` set in the file counts as
an explicit readiness budget, like ``--wait-ready``).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, cast

from smoke.errors import SettingsError

__all__ = [
    "DIALECTS",
    "PACES",
    "SMOKE_KEYS",
    "TRANSPORTS",
    "SmokeDefaults",
    "parse_smoke_table",
]

Transport = Literal["websocket", "webrtc", "both"]
Pace = Literal["burst", "realtime"]
DialectName = Literal["ga", "preview"]
Auth = Literal["entra", "key"]

TRANSPORTS: tuple[Transport, ...] = ("websocket", "webrtc", "both")
PACES: tuple[Pace, ...] = ("burst", "realtime")
DIALECTS: tuple[DialectName, ...] = ("ga", "preview")
AUTHS: tuple[Auth, ...] = ("entra", "key")

# Upper bounds that keep a typo (an extra zero or two) from turning into an hour-long run.
MAX_TIMEOUT_S = 3600.0
MAX_WAIT_S = 86400.0
MAX_LATENCY_MS = 600_000.0


@dataclass(frozen=True, kw_only=True)
class SmokeDefaults:
    """The ``[smoke]`` table, validated. ``None`` means the file does not set the key."""

    deployments: tuple[str, ...] | None = None
    prompts: tuple[str, ...] = ()
    timeout_seconds: float | None = None
    auth: Auth | None = None
    wait_for_access_seconds: float | None = None
    transport: Transport | None = None
    pace: Pace | None = None
    tool_call: bool | None = None
    max_first_audio_ms: float | None = None
    max_total_ms: float | None = None
    dialect: DialectName | None = None
    transcription_model: str | None = None


def _number(path: str, value: object, *, low: float, high: float, low_open: bool) -> float:
    """A finite number in range; bools are refused (TOML ``true`` is not a duration)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(path, f"must be a number, got {_kind(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise SettingsError(path, f"must be a finite number, got {value!r}")
    if number < low or (low_open and number == low):
        bound = f"greater than {low:g}" if low_open else f"at least {low:g}"
        raise SettingsError(path, f"must be {bound}, got {value!r}")
    if number > high:
        raise SettingsError(path, f"must be at most {high:g}, got {value!r}")
    return number


def _choice(path: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise SettingsError(path, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _names(path: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise SettingsError(path, f"must be a list of names, got {_kind(value)}")
    out: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise SettingsError(f"{path}[{index}]", "must be a non-empty string")
        if item in out:
            raise SettingsError(f"{path}[{index}]", f"{item!r} is listed twice")
        out.append(item)
    return tuple(out)


def _flag(path: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(path, f"must be true or false, got {_kind(value)}")
    return value


def _text(path: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise SettingsError(path, "must be a non-empty string of at most 200 characters")
    return value


def _kind(value: object) -> str:
    return {bool: "a boolean", str: "a string", list: "a list", dict: "a table"}.get(
        type(value), type(value).__name__
    )


def _seconds(high: float, low_open: bool) -> Callable[[str, object], float]:
    return lambda p, v: _number(p, v, low=0.0, high=high, low_open=low_open)


_RULES: dict[str, Callable[[str, object], object]] = {
    "deployments": _names,
    "prompts": _names,
    "timeout_seconds": _seconds(MAX_TIMEOUT_S, low_open=True),
    "auth": lambda p, v: _choice(p, v, AUTHS),
    "wait_for_access_seconds": _seconds(MAX_WAIT_S, low_open=False),
    "transport": lambda p, v: _choice(p, v, TRANSPORTS),
    "pace": lambda p, v: _choice(p, v, PACES),
    "tool_call": _flag,
    "max_first_audio_ms": _seconds(MAX_LATENCY_MS, low_open=True),
    "max_total_ms": _seconds(MAX_LATENCY_MS, low_open=True),
    "dialect": lambda p, v: _choice(p, v, DIALECTS),
    "transcription_model": _text,
}
SMOKE_KEYS = tuple(_RULES)


def _unknown_key(key: str, prefix: str) -> SettingsError:
    close = difflib.get_close_matches(key, SMOKE_KEYS, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else f"; known keys: {', '.join(SMOKE_KEYS)}"
    return SettingsError(f"{prefix}.{key}", f"unknown key{hint}")


def parse_smoke_table(table: Mapping[str, object], prefix: str = "smoke") -> SmokeDefaults:
    """Validate the ``[smoke]`` table; raises SettingsError naming the key path (``smoke.pace``).

    Unknown keys are refused with a did-you-mean, like every other table of the file.
    """
    if not isinstance(table, Mapping):
        raise SettingsError(prefix, f"must be a table, got {_kind(table)}")
    values: dict[str, object] = {}
    for key, value in table.items():
        rule = _RULES.get(str(key))
        if rule is None:
            raise _unknown_key(str(key), prefix)
        values[str(key)] = rule(f"{prefix}.{key}", value)
    return _defaults(values)


def _defaults(v: dict[str, object]) -> SmokeDefaults:
    """The validated values as a typed record (each rule above returned the field's type)."""
    return SmokeDefaults(
        deployments=cast("tuple[str, ...] | None", v.get("deployments")),
        prompts=cast("tuple[str, ...]", v.get("prompts", ())),
        timeout_seconds=cast("float | None", v.get("timeout_seconds")),
        auth=cast("Auth | None", v.get("auth")),
        wait_for_access_seconds=cast("float | None", v.get("wait_for_access_seconds")),
        transport=cast("Transport | None", v.get("transport")),
        pace=cast("Pace | None", v.get("pace")),
        tool_call=cast("bool | None", v.get("tool_call")),
        max_first_audio_ms=cast("float | None", v.get("max_first_audio_ms")),
        max_total_ms=cast("float | None", v.get("max_total_ms")),
        dialect=cast("DialectName | None", v.get("dialect")),
        transcription_model=cast("str | None", v.get("transcription_model")),
    )
