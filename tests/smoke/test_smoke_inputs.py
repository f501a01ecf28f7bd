"""Every smoke CLI input is checked before work: one line naming the option, exit 2.

The options and their rules are one table (``smoke.inputs.OPTION_RULES``); the property tests
draw options from it and bad values from generators written here, independently of the rules
(what is bad is decided by this file, not by the code under test). In-process through Click's
runner (500 examples, fixed seed), plus real subprocesses in the conformance stage.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from smoke_fakeserver import Script

from smoke.cli import main
from smoke.inputs import OPTION_RULES

REPO = Path(__file__).resolve().parents[2]
BASE = ["run", "--endpoint", "https://127.0.0.1:9/", "--deployment", "d"]
LIMITS = {"--timeout": 3600.0, "--wait-ready": 86400.0}


def _numbers(high: float, zero_ok: bool) -> st.SearchStrategy[str]:
    floats = st.one_of(
        st.sampled_from([math.nan, math.inf, -math.inf]),
        st.floats(max_value=-1e-9, allow_nan=False),
        st.floats(min_value=high * 1.001 + 1, allow_nan=False, allow_infinity=False),
    )
    words = st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "fast", "", "1e999", "0x10"])
    zero = st.nothing() if zero_ok else st.sampled_from(["0", "0.0", "-0"])
    return st.one_of(floats.map(repr), words, zero)


def _bad_names() -> st.SearchStrategy[str]:
    spaced = st.text(min_size=1, max_size=20).map(lambda t: f"a {t}")
    return st.one_of(
        st.sampled_from(["", " ", "-x", "a/b", "a\tb", "x" * 201, "é?", "..;"]), spaced
    )


def bad_values(option: str, tmp: Path) -> st.SearchStrategy[str]:
    kind = OPTION_RULES[option].kind
    missing = str(tmp / "does-not-exist" / "f")
    if kind == "seconds":
        return _numbers(LIMITS[option], zero_ok=option == "--wait-ready")
    if kind == "ms":
        return _numbers(600_000, zero_ok=False)
    if kind == "count":
        ints = st.one_of(st.integers(max_value=0), st.integers(min_value=65)).map(str)
        return st.one_of(ints, st.sampled_from(["1.5", "four", "", "1e3", "9" * 40]))
    if kind == "url":
        return st.one_of(
            st.sampled_from(
                [
                    "https://127.0.0.1:99999/",
                    "https://127.0.0.1:0/",
                    "https://127.0.0.1:-5/",
                    "ftp://host/",
                    "host.example.com",
                    "https://",
                    "https://h/?api-version=1",
                    "https://" + "h" * 3000,
                ]
            ),
            st.integers(min_value=65536, max_value=10**9).map(lambda p: f"https://h:{p}/"),
        )
    if kind == "name":
        return _bad_names()
    if kind == "env_var":
        return st.sampled_from(["", "1ABC", "A-B", "A B", "X" * 300, "$HOME"])
    if kind == "readable_file":
        return st.sampled_from([missing, str(tmp), "x" * 5000, "y" * 300])
    if kind == "writable_file":
        return st.sampled_from(["/proc/nope/report.xml", str(tmp), "x" * 5000, "/proc/x"])
    if kind == "writable_dir":
        return st.sampled_from(["/proc/nope", str(REPO / "pyproject.toml"), "d" * 5000])
    if kind == "path":
        return st.sampled_from(["x" * 5000, "", "a/" + "b" * 300])
    if kind == "text":
        return st.text(min_size=1001, max_size=1200)
    raise AssertionError(f"no bad values for kind {kind}")


def assert_one_line_exit_2(result, option: str) -> None:
    out = result.output + result.stderr
    assert result.exit_code == 2, (option, out)
    assert "Traceback" not in out
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, (option, lines)
    assert option in lines[0] and lines[0].startswith("error: ")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("inputs")


# The core stage checks a fixed (derandomized) sample of 50; the 500 examples the issue asks of
# CI run in the conformance stage.
_PROPERTY = {
    "derandomize": True,
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@settings(max_examples=50, **_PROPERTY)
@given(data=st.data())
def test_every_bad_option_value_is_one_line_exit_2(data, scratch):
    _check_a_bad_option_value(data, scratch)


@pytest.mark.conformance
@settings(max_examples=500, **_PROPERTY)
@given(data=st.data())
def test_every_bad_option_value_is_one_line_exit_2_500_examples(data, scratch):
    _check_a_bad_option_value(data, scratch)


def _check_a_bad_option_value(data, scratch):
    option = data.draw(st.sampled_from(sorted(OPTION_RULES)), label="option")
    value = data.draw(bad_values(option, scratch), label="value")
    result = CliRunner().invoke(main, [*BASE, f"{option}={value}"])
    assert_one_line_exit_2(result, option)


def test_the_table_covers_every_value_option_of_smoke_run():
    command = main.commands["run"]  # type: ignore[attr-defined]
    value_options = {
        max(p.opts, key=len)
        for p in command.params
        if not getattr(p, "is_flag", False) and not isinstance(p.type, click.Choice)
    }
    assert value_options == set(OPTION_RULES)


# --------------------------------------------------------------- the crashes issue 10 listed


@pytest.mark.parametrize(
    "args",
    [
        ["--endpoint", "https://127.0.0.1:99999/", "--deployment", "d"],
        ["--endpoint", "https://127.0.0.1:9/", "--deployment", "d", "--timeout", "nan"],
        ["--endpoint", "https://127.0.0.1:9/", "--deployment", "d", "--wait-ready", "nan"],
        ["--endpoint", "https://127.0.0.1:9/", "--deployment", "d", "--timeout", "inf"],
        ["--env-file", "x" * 5000],
        ["-e", "x" * 5000],
    ],
)
def test_crash_inputs_from_the_fault_campaign_are_one_line_exit_2(args):
    result = CliRunner().invoke(main, ["run", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unwritable_artifacts_path_fails_before_any_session(server_thread, tmp_path):
    """`--artifacts /proc/nope` used to fail after every session ran, losing the run."""
    wav = REPO / "smoke" / "fixtures" / "repeat_blue_harbor_seven.wav"
    with server_thread(Script()) as server:
        result = CliRunner().invoke(
            main,
            [
                "run",
                "--endpoint",
                server.endpoint,
                "--deployment",
                "d",
                "--auth",
                "key",
                "--prompt",
                str(wav),
                "--artifacts",
                "/proc/nope",
            ],
            env={"AZURE_OPENAI_API_KEY": "k" * 32},
        )
        handshakes = server.seen.handshakes
    assert result.exit_code == 2, result.output
    assert "--artifacts" in result.stderr and "cannot be written" in result.stderr
    assert handshakes == 0


def test_good_output_paths_are_created_not_truncated(tmp_path):
    existing = tmp_path / "keep.xml"
    existing.write_text("old")
    nested = tmp_path / "a" / "b" / "report.json"
    result = CliRunner().invoke(
        main,
        [*BASE, "--junit", str(existing), "--json-file", str(nested), "--timeout", "nan"],
    )
    assert result.exit_code == 2  # the bad --timeout stops the run...
    assert existing.read_text() == "old"  # ...and checking --junit did not truncate it


SUBPROCESS_BAD = {
    "seconds": "nan",
    "ms": "-inf",
    "count": "0",
    "url": "https://127.0.0.1:99999/",
    "name": "a b",
    "env_var": "1ABC",
    "readable_file": "x" * 5000,
    "writable_file": "/proc/nope/report.xml",
    "writable_dir": "/proc/nope",
    "path": "x" * 5000,
    "text": "t" * 1001,
}


@pytest.mark.conformance
@pytest.mark.parametrize("index", range(24))
def test_bad_values_as_real_subprocesses(index, tmp_path):
    """The same property, as a user meets it: a new `python -m smoke` process each time."""
    options = sorted(OPTION_RULES)
    option = options[index % len(options)]
    value = SUBPROCESS_BAD[OPTION_RULES[option].kind]
    out = subprocess.run(
        [sys.executable, "-m", "smoke", *BASE, f"{option}={value}"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert out.returncode == 2, (option, value, out.stderr)
    assert "Traceback" not in out.stderr + out.stdout
    assert len(out.stderr.strip().splitlines()) == 1 and option in out.stderr
