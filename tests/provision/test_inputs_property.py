"""Hostile input, as property tests: mutated environment files and bad flags never crash.

Every generated environment file breaks exactly one rule of a valid one; every generated flag
value is one the option table (``provision.inputs.RULES``) must refuse. Through Click's runner
(in-process, fixed seed, hundreds of examples) and as real processes: exit 2, one error naming
the key path or option, never a traceback. ``validate`` needs no network, so the file cases run
fast; flag cases point at a file that does not exist, so the flag must be refused first.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from prov_helpers import deep_merge

from provision.cli import cli
from provision.inputs import ENV_NAME, RULES

ROOT = Path(__file__).resolve().parents[2]
VALID: dict[str, Any] = {
    "name": "fuzz",
    "target": "emulator",
    "resource_group": "rg-fuzz",
    "location": "swedencentral",
    "tags": {"project": "fuzz"},
    "account": {"name": "aoai-fuzz", "custom_subdomain": "aoai-fuzz"},
    "deployments": [
        {"name": "gpt-realtime", "model": "gpt-realtime", "version": "2025-08-28", "capacity": 1},
        {"name": "mini", "model": "gpt-realtime-mini", "version": "2025-10-06", "capacity": 1},
    ],
    "role_assignments": [{"principal": "self"}],
    "readiness": {"timeout_seconds": 30.0},
    "smoke": {"timeout_seconds": 30.0, "prompts": ["hello"]},
    "protection": {"prevent_destroy": False},
}

# Printable text TOML can carry (no surrogates, no control characters).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=40)
WRONG_TYPE = st.one_of(
    st.booleans(), st.lists(st.integers(0, 9), max_size=2), st.dictionaries(st.just("k"), TEXT)
)
NOT_FINITE_OR_NEGATIVE = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0]), st.floats(max_value=-0.001)
)
KEY = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=16)


def _not(pattern: Any) -> st.SearchStrategy[str]:
    return TEXT.filter(lambda s: not pattern.match(s))


MUTATIONS: list[tuple[str, st.SearchStrategy[Any]]] = [
    ("name", st.one_of(WRONG_TYPE, _not(ENV_NAME))),
    ("target", TEXT.filter(lambda s: s not in ("azure", "emulator"))),
    ("resource_group", st.one_of(WRONG_TYPE, st.just("a/b"), st.text("abc", min_size=91))),
    ("location", st.text(alphabet="ABC -_.", min_size=1, max_size=10)),
    ("account.name", st.one_of(st.just(""), st.just("-x"), st.text("ab", min_size=65))),
    ("account.custom_subdomain", st.one_of(st.just("a"), st.just("Ab"), st.just("a_b"))),
    ("account.kind", TEXT.filter(lambda s: s not in ("OpenAI", "AIServices"))),
    ("account.disable_local_auth", st.one_of(TEXT, st.integers())),
    (
        "deployments[0].capacity",
        st.one_of(
            st.integers(max_value=0),
            st.integers(min_value=2**31, max_value=10**15),
            st.floats(allow_nan=True),
            TEXT,
            st.booleans(),
        ),
    ),
    ("deployments[0].version", st.one_of(st.dates(), st.just(""), st.integers())),
    ("deployments[1].name", st.just("gpt-realtime")),  # a duplicate
    ("deployments[0].name", st.one_of(st.just(""), st.just("-x"), st.text("ab", min_size=65))),
    (
        "smoke.timeout_seconds",
        st.one_of(NOT_FINITE_OR_NEGATIVE, st.floats(min_value=3601, max_value=1e12), TEXT),
    ),
    (
        "readiness.timeout_seconds",
        st.one_of(NOT_FINITE_OR_NEGATIVE, st.floats(min_value=86401, max_value=1e12)),
    ),
    ("tags.project", st.text("ab", min_size=257, max_size=300)),
    ("protection.prevent_destroy", st.one_of(TEXT, st.integers())),
]
UNKNOWN_TABLES = ["", "account", "smoke", "readiness", "protection", "deployments[0]"]


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    node: Any = doc
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    node[int(last) if last.isdigit() else last] = value


@st.composite
def broken_files(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid document with exactly one rule broken, and the key path that names it."""
    doc = deep_merge(VALID, {})
    if draw(st.integers(0, len(MUTATIONS) + 1)) >= len(MUTATIONS):
        table = draw(st.sampled_from(UNKNOWN_TABLES))
        key = draw(KEY)
        path = f"{table}.{key}" if table else key
        known = _keys_at(doc, table)
        if key in known:
            key, path = key + "_zz", path + "_zz"
        _set(doc, path, draw(st.integers()))
        return doc, path
    path, values = draw(st.sampled_from(MUTATIONS))
    _set(doc, path, draw(values))
    return doc, path


def _keys_at(doc: dict[str, Any], table: str) -> set[str]:
    if not table:
        return set(doc) | {"subscription", "soft_delete", "lifecycle"}
    node: Any = doc
    for part in table.replace("]", "").replace("[", ".").split("."):
        node = node[int(part)] if part.isdigit() else node[part]
    return set(node)


def toml_text(doc: dict[str, Any]) -> str:
    """A TOML document with every table inline (enough for these values)."""
    return "".join(f"{json.dumps(k, ensure_ascii=False)} = {_value(v)}\n" for k, v in doc.items())


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, dt.date)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return (
        "{"
        + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_value(v)}" for k, v in value.items())
        + "}"
    )


def _assert_refused(exit_code: int, output: str, named: str) -> None:
    assert "Traceback" not in output, output
    assert exit_code == 2, output
    assert named in output, (named, output)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def test_the_valid_document_is_valid(workdir: Path) -> None:
    path = workdir / "valid.toml"
    path.write_text(toml_text(VALID))
    result = CliRunner().invoke(cli, ["validate", "--env-file", str(path)])
    assert result.exit_code == 0, result.output


# The core stage checks a fixed-seed sample of 50; the 500 examples the issue asks of CI run in
# the conformance stage.
@seed(20261201)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=broken_files())
def test_broken_environment_files_are_refused_with_their_key_path(
    workdir: Path, case: tuple[dict[str, Any], str]
) -> None:
    _check_a_broken_file(workdir, case)


@pytest.mark.conformance
@seed(20261201)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=broken_files())
def test_broken_environment_files_are_refused_with_their_key_path_500_examples(
    workdir: Path, case: tuple[dict[str, Any], str]
) -> None:
    _check_a_broken_file(workdir, case)


def _check_a_broken_file(workdir: Path, case: tuple[dict[str, Any], str]) -> None:
    doc, path = case
    file = workdir / "broken.toml"
    file.write_text(toml_text(doc))
    result = CliRunner().invoke(cli, ["validate", "--env-file", str(file)])
    _assert_refused(result.exit_code, result.output, path)


COMMAND_OF = {
    "--env": "validate",
    "--env-file": "validate",
    "--env-dir": "validate",
    "--principal": "plan",
    "--wait-timeout": "up",
    "--confirm-protected": "down",
    "--subscription": "plan",
}


@st.composite
def bad_flags(draw: st.DrawFn) -> tuple[list[str], str]:
    option = draw(st.sampled_from(sorted(RULES)))
    value = draw(st.sampled_from(RULES[option].refused))
    argv = [COMMAND_OF[option], option, str(value)]
    if option not in ("--env", "--env-file"):  # a file that does not exist: refused later
        argv += ["--env-file", "/nonexistent/fuzz.toml"]
    return argv, option


@seed(20261201)
@settings(max_examples=200, deadline=None)
@given(case=bad_flags())
def test_bad_flag_values_are_refused_before_any_work(case: tuple[list[str], str]) -> None:
    argv, option = case
    result = CliRunner().invoke(cli, argv)
    _assert_refused(result.exit_code, result.output, option)


@pytest.mark.conformance
@seed(20261201)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.one_of(
        broken_files().map(lambda c: ("file", c)),
        # the OS refuses NUL in argv before any process starts
        bad_flags().filter(lambda c: not any("\0" in a for a in c[0])).map(lambda c: ("flag", c)),
    )
)
def test_real_processes_refuse_the_same_inputs(workdir: Path, case: tuple[str, Any]) -> None:
    kind, payload = case
    if kind == "file":
        doc, named = payload
        file = workdir / "proc.toml"
        file.write_text(toml_text(doc))
        argv = ["validate", "--env-file", str(file)]
    else:
        argv, named = payload
    env = {k: v for k, v in os.environ.items() if k != "AZURE_SUBSCRIPTION_ID"}
    proc = subprocess.run(
        [sys.executable, "-m", "provision", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    _assert_refused(proc.returncode, proc.stdout + proc.stderr, named)
