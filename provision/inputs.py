"""Every ``provision`` command-line input and its rule, in one table, checked before any work.

The CLI calls :func:`check_options` with a command's parameters first thing; a value that breaks
its rule is refused with one line naming the option (``UsageError``, exit 2), never a traceback.
``environment_files.find_environment_file`` applies the same path and name rules, so library
callers get them too. The property tests (tests/provision/test_inputs_property.py) draw their
inputs from :data:`RULES`: each rule lists values it must refuse.

Light on purpose: no pydantic, no Azure SDK (``provision --help`` may import it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from provision.errors import UsageError

ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
PRINCIPAL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
MAX_PATH = 4096  # PATH_MAX on Linux
MAX_PATH_PART = 255  # NAME_MAX
MAX_WAIT_S = 86400.0

Check = Callable[[object], str | None]  # None when fine, else what is wrong


@dataclass(frozen=True)
class Rule:
    """One option: its rule in words (for docs), the check, and values it must refuse."""

    option: str
    rule: str
    check: Check
    refused: tuple[object, ...]


def _env_name(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a name"
    if len(value) > 32:
        return f"is {len(value)} characters; environment names have at most 32"
    if not ENV_NAME.match(value):
        return (
            f"{_shown(value)} is not an environment name (lower-case letters, digits, '-', '_'); "
            "use --env-file PATH for a file"
        )
    return None


def _path(value: object) -> str | None:
    text = str(value) if isinstance(value, (str, Path)) else None
    if text is None:
        return "must be a path"
    if not text or "\0" in text:
        return "must be a non-empty path without NUL characters"
    if len(text) > MAX_PATH:
        return f"is {len(text)} characters; paths have at most {MAX_PATH}"
    longest = max((len(part) for part in text.split("/")), default=0)
    if longest > MAX_PATH_PART:
        return f"has a {longest}-character name; each part of a path has at most {MAX_PATH_PART}"
    return None


def _seconds(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "must be a number of seconds"
    if not math.isfinite(value):
        return f"must be a finite number of seconds, got {value}"
    if not 0 < value <= MAX_WAIT_S:
        return f"must be more than 0 and at most {MAX_WAIT_S:g} seconds, got {value:g}"
    return None


def _principal(value: object) -> str | None:
    if not isinstance(value, str) or not PRINCIPAL_NAME.match(value):
        return f"{_shown(value)} is not a principal name from connection.json"
    return None


def _guid(value: object) -> str | None:
    if not isinstance(value, str) or not GUID.match(value.strip()):
        return f"must be a subscription id (GUID), got {_shown(value)}"
    return None


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


RULES: dict[str, Rule] = {
    rule.option: rule
    for rule in (
        Rule(
            "--env",
            "1-32 of a-z 0-9 - _, starting with a letter or digit",
            _env_name,
            ("", "a" * 5000, "../dev", "Dev", "dev/../x", "-x", "dev.toml"),
        ),
        Rule(
            "--env-file",
            f"a path of at most {MAX_PATH} characters",
            _path,
            ("", "x\0y", "a" * 5000, "d/" + "a" * 300),
        ),
        Rule(
            "--env-dir",
            f"a path of at most {MAX_PATH} characters",
            _path,
            ("x\0y", "a" * 5000, "d/" + "a" * 300),  # ("" is "." after Click: a directory)
        ),
        Rule(
            "--wait-timeout",
            f"finite seconds in (0, {MAX_WAIT_S:g}]",
            _seconds,
            (float("nan"), float("inf"), float("-inf"), 0.0, -1.0, 1e9),
        ),
        Rule(
            "--principal",
            "a connection.json principal name (1-64 of A-Z a-z 0-9 . _ -)",
            _principal,
            ("", "a b", "x" * 65, "../p"),
        ),
        Rule("--confirm-protected", "the environment's name", _env_name, ("", "a" * 5000, "A")),
        Rule("--subscription", "a subscription id (GUID)", _guid, ("", "abc", "0" * 5000)),
    )
}

# Click parameter names of each option (what a command's ``**params`` holds).
PARAMS = {
    "env": "--env",
    "envs": "--env",
    "env_file": "--env-file",
    "env_files": "--env-file",
    "env_dir": "--env-dir",
    "wait_timeout": "--wait-timeout",
    "principal": "--principal",
    "confirm_protected": "--confirm-protected",
    "subscription": "--subscription",
}


def problem(option: str, value: object) -> str | None:
    """What is wrong with ``value`` for ``option`` (None when it is fine or not in the table)."""
    rule = RULES.get(option)
    return rule.check(value) if rule is not None else None


def check(option: str, value: object) -> None:
    """Raise UsageError (exit 2) naming ``option`` when ``value`` breaks its rule."""
    found = problem(option, value)
    if found is not None:
        raise UsageError(f"{option}: {found}")


def check_options(params: Mapping[str, object]) -> None:
    """Check every known option among a command's parameters (``None`` = not given;
    tuples = repeated options, each checked)."""
    for name, value in params.items():
        option = PARAMS.get(name)
        if option is None or value is None:
            continue
        for item in value if isinstance(value, tuple) else (value,):
            check(option, item)
