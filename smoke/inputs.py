"""Every ``smoke run`` input and its rule, as one table; checked before any work starts.

:data:`OPTION_RULES` maps each option to a :class:`Rule`. The CLI builds its Click parameter
types from it (:class:`Checked`), so a bad value fails while parsing — before a target is opened,
a WAV read or a session started — with one line naming the option, exit 2. The property tests
(``tests/smoke/test_smoke_inputs_property.py``) draw options and bad values from this table.

Output paths (``--junit``, ``--json-file``, ``--artifacts``) are proven writable here, by
creating what the run would create, so a finished run is never thrown away at the end.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

__all__ = ["OPTION_RULES", "Checked", "Rule", "RuleKind"]

RuleKind = str  # one of: seconds, ms, count, url, name, env_var, readable_file, writable_file,
#                 writable_dir, text
MAX_NAME = 200
MAX_PATH = 4096
MAX_URL = 2048
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")


@dataclass(frozen=True)
class Rule:
    """How one option's value is checked: ``convert`` returns the value or raises ValueError."""

    kind: RuleKind
    describe: str
    convert: Callable[[str], Any]


def _finite(text: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def _range(low: float, high: float, *, low_open: bool = False) -> Callable[[str], float]:
    def convert(text: str) -> float:
        value = _finite(text)
        if value < low or (low_open and value == low) or value > high:
            side = "greater than" if low_open else "at least"
            raise ValueError(f"must be {side} {low:g} and at most {high:g}, got {text}")
        return value

    return convert


def _count(low: int, high: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        return value

    return convert


def _url(text: str) -> str:
    if len(text) > MAX_URL:
        raise ValueError(f"is longer than {MAX_URL} characters")
    parts = urlsplit(text.strip())
    if parts.scheme.lower() not in ("https", "http", "wss", "ws") or not parts.hostname:
        raise ValueError(f"{text[:80]!r} is not an https:// URL")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{text[:80]!r} has a port outside 1..65535") from None
    if port == 0:
        raise ValueError(f"{text[:80]!r} has a port outside 1..65535")
    if parts.query or parts.fragment:
        raise ValueError("must not carry a query or fragment")
    return text.strip()


def _name(text: str) -> str:
    if not text or len(text) > MAX_NAME or not _NAME.match(text):
        raise ValueError(
            f"{text[:80]!r} is not a valid name (letters, digits, . _ - : @; "
            f"at most {MAX_NAME} characters)"
        )
    return text


def _env_var(text: str) -> str:
    if not _ENV_VAR.match(text):
        raise ValueError(f"{text[:80]!r} is not an environment variable name")
    return text


def _text(text: str) -> str:
    if len(text) > 1000 or "\x00" in text:
        raise ValueError("must be at most 1000 characters of text")
    return text


def _path(text: str) -> Path:
    if not text or len(text) > MAX_PATH or "\x00" in text:
        raise ValueError("is not a usable path")
    path = Path(text)
    if any(len(part.encode()) > 255 for part in path.parts):
        raise ValueError("has a file name longer than 255 bytes")
    return path


def _readable_file(text: str) -> Path:
    path = _path(text)
    try:
        if not path.is_file():
            raise ValueError(f"{text[:120]} is not a file")
        with path.open("rb"):
            pass
    except OSError as exc:
        raise ValueError(f"{text[:120]} cannot be read ({exc.strerror or exc})") from None
    return path


def _writable_file(text: str) -> Path:
    """Create the parent folders and prove the file can be written (without truncating it)."""
    path = _path(text)
    try:
        if path.is_dir():
            raise ValueError(f"{text[:120]} is a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with path.open("a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()
    except OSError as exc:
        raise ValueError(f"{text[:120]} cannot be written ({exc.strerror or exc})") from None
    return path


def _writable_dir(text: str) -> Path:
    """Create the folder and prove a file can be written inside it."""
    path = _path(text)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".smoke-write-probe-{os.getpid()}"
        with probe.open("w", encoding="utf-8"):
            pass
        probe.unlink()
    except OSError as exc:
        raise ValueError(f"{text[:120]} cannot be written ({exc.strerror or exc})") from None
    return path


def _seconds(high: float, low_open: bool = True) -> Rule:
    side = "> 0" if low_open else "≥ 0"
    return Rule("seconds", f"finite seconds {side}, ≤ {high:g}", _range(0, high, low_open=low_open))


def _millis() -> Rule:
    return Rule("ms", "finite milliseconds > 0, ≤ 600000", _range(0, 600_000, low_open=True))


OPTION_RULES: dict[str, Rule] = {
    "--env": Rule("name", "environment name", _name),
    "--env-file": Rule("readable_file", "a readable TOML file", _readable_file),
    "--env-dir": Rule("path", "folder of environment files", _path),
    "--deployment": Rule("name", "deployment name", _name),
    "--endpoint": Rule("url", "https URL with a valid port", _url),
    "--model": Rule("name", "model name", _name),
    "--api-key-env": Rule("env_var", "environment variable name", _env_var),
    "--principal": Rule("name", "emulator principal name", _name),
    "--subscription": Rule("name", "subscription id", _name),
    "--ca-bundle": Rule("readable_file", "a readable PEM file", _readable_file),
    "--prompt": Rule("readable_file", "a readable WAV file", _readable_file),
    "--prompt-text": Rule("text", "what the prompt says", _text),
    "--expect": Rule("text", "words the reply must contain", _text),
    "--transcription-model": Rule("name", "transcription model", _name),
    "--voice": Rule("name", "voice name", _name),
    "--timeout": _seconds(3600),
    "--wait-ready": _seconds(86400, low_open=False),
    "--concurrency": Rule("count", "whole number 1..64", _count(1, 64)),
    "--max-first-audio-ms": _millis(),
    "--max-total-ms": _millis(),
    "--junit": Rule("writable_file", "a writable file", _writable_file),
    "--json-file": Rule("writable_file", "a writable file", _writable_file),
    "--artifacts": Rule("writable_dir", "a writable folder", _writable_dir),
}


if TYPE_CHECKING:
    _ParamType = click.ParamType[Any, Any]
else:  # click < 8.3 has no generic ParamType
    _ParamType = click.ParamType


class Checked(_ParamType):
    """A Click parameter type applying ``OPTION_RULES[option]``."""

    def __init__(self, option: str) -> None:
        self.option = option
        self.rule = OPTION_RULES[option]
        self.name = self.rule.kind

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value  # already converted (a default)
        try:
            return self.rule.convert(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
