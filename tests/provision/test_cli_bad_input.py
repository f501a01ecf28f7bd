"""Bad input never produces a traceback: every command, every malformed file, bad flags, server
errors. Each gives one clear line on stderr and the documented exit code; no output ever holds a
secret (client secrets, keys, tokens).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from e2e_helpers import ACCOUNT, RG, ROOT, Project

from emulator.api import FaultRule
from provision.cli import cli

COMMANDS = ["validate", "plan", "up", "status", "outputs", "down"]
LOCAL = (ROOT / "environments" / "local.toml").read_text()

# name -> (file content, or None for "a directory of that name"; expected stderr fragment)
MALFORMED: dict[str, tuple[str | bytes | None, str]] = {
    "syntax_error": ("target = \n", "<file>: invalid TOML: Invalid value (at line 1"),
    "wrong_type": (
        LOCAL.replace('name = "aoai-realtime-local"', "name = 5"),
        "account.name: Input should be a valid string (got int)",
    ),
    "toml_date_version": (
        LOCAL.replace('"2025-08-28"', "2025-08-28"),
        "deployments[0].version: must be a string, got the TOML date 2025-08-28; quote it: "
        'version = "2025-08-28"',
    ),
    "unknown_top_level_key": (
        'colour = "blue"\n' + LOCAL,
        "colour: unknown key (check spelling); expected one of: account, deployments",
    ),
    "unknown_nested_key": (
        LOCAL.replace("capacity = 1", 'capacity = 1\nrai_polcy = "x"', 1),
        "deployments[0].rai_polcy: unknown key (did you mean 'rai_policy'?)",
    ),
    "missing_account_section": (
        LOCAL.split("[account]")[0],
        "account: required key is missing",
    ),
    "table_expected": ('account = "x"\n' + LOCAL.split("[account]")[0], "account: Input should be"),
    "negative_wait": (
        LOCAL + "\n[readiness]\ntimeout_seconds = -1\n",
        "readiness.timeout_seconds: Input should be greater than 0",
    ),
    "empty_file": ("", "<file>: the file is empty; expected at least target"),
    "not_utf8": (b'target = "emulator"\n\xff\xfe\n', "<file>: not UTF-8 text (byte 20)"),
    "directory": (None, ": is a directory, not an environment file"),
}


def _invoke(*argv: str) -> Result:
    return CliRunner().invoke(cli, list(argv))


def _one_error_line(result: Result) -> str:
    assert "Traceback" not in result.output, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith("error:")]
    assert len(errors) == 1 and errors[0] == lines[-1], lines
    return errors[0]


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("environments")
    for name, (content, _) in MALFORMED.items():
        path = directory / f"{name}.toml"
        if content is None:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return directory


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_environment_file(env_dir: Path, case: str, command: str) -> None:
    result = _invoke(command, "--env", case, "--env-dir", str(env_dir))
    assert result.exit_code == 2, result.output
    line = _one_error_line(result)
    assert line.startswith(f"error: {env_dir / case}.toml: ")
    assert MALFORMED[case][1] in line


@pytest.mark.parametrize("command", COMMANDS)
def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    path = tmp_path / "locked.toml"
    path.write_text(LOCAL)
    real = Path.read_text

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)  # tests run as root: chmod would not do
    result = _invoke(command, "--env-file", str(path))
    assert result.exit_code == 2
    assert _one_error_line(result) == f"error: {path}: <file>: cannot read: Permission denied"


BAD_FLAGS: list[tuple[list[str], str]] = [
    (["bogus"], "No such command 'bogus'; see 'provision --help'"),
    (["up", "--env", "local", "--bogus"], "No such option '--bogus'; see 'provision up --help'"),
    (["up", "--env", "local", "--wait-timeout", "0"], "'--wait-timeout': 0.0 is not in the range"),
    (["up", "--env", "local", "--wait-timeout", "soon"], "'--wait-timeout': 'soon' is not a valid"),
    (["plan", "--env"], "Option '--env' requires an argument"),
    (["plan", "--env-file", str(ROOT)], "'--env-file': File"),
    (["plan", "--env", "local", "--env-dir", str(ROOT / "README.md")], "'--env-dir': Directory"),
    (["plan"], "<command line>: --env: give --env NAME or --env-file PATH"),
    (["plan", "--env", "../environments/local"], "is not an environment name (lower-case"),
    (["plan", "--env", "nope"], "environment file not found (available: dev, local, prod"),
    (["down", "--env", "prod", "--confirm-protected", "dev"], "must repeat the environment name"),
    (["down", "--env", "prod", "--yes"], "environment prod is protected"),
    (["up", "--env", "dev", "--principal", "app"], "--principal app applies to the emulator"),
    (["up", "--env", "local", "--env", "local"], "environment given more than once: local"),
]


@pytest.mark.parametrize(("argv", "expected"), BAD_FLAGS, ids=[" ".join(a) for a, _ in BAD_FLAGS])
def test_bad_flags(argv: list[str], expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # ./environments is the default --env-dir
    result = _invoke(*argv)
    assert result.exit_code == 2, result.output
    assert expected in _one_error_line(result)


NETWORK_COMMANDS = [["plan"], ["up", "--yes"], ["status"], ["outputs"], ["down", "--yes"]]


def test_server_errors_on_every_request(project: Project) -> None:
    project.emu.config.faults.append(FaultRule(match=".*", times=-1, status=500))
    for command in NETWORK_COMMANDS:
        result = project.run(*command)
        assert result.exit_code == 1, (command, result.output)
        line = _one_error_line(result)
        assert line.startswith("error: 500 InternalServerError: reading "), line
        assert "Injected fault." in line and "(request id " in line


SELF_GRANT = (
    '[[role_assignments]]\nprincipal = "self"'
    "                   # the deployer (signed-in) identity\n"
)


def test_role_less_principal_gets_authorization_failed(project: Project) -> None:
    duplicate = project.run("plan", "--principal", "app")  # local.toml: self is app, twice
    assert duplicate.exit_code == 2
    assert "self gets 'Cognitive Services User', which an earlier entry already grants" in (
        _one_error_line(duplicate)
    )
    project.write("onlyapp", **{SELF_GRANT: ""})
    for command in NETWORK_COMMANDS:
        result = project.run(*command, "--principal", "app", env="onlyapp")
        assert result.exit_code == 1, (command, result.output)
        line = _one_error_line(result)
        assert line.startswith("error: 403 AuthorizationFailed: reading resource group"), line
        assert "grant it Contributor" in line
    unknown = project.run("plan", "--principal", "nobody")
    assert unknown.exit_code == 2
    assert _one_error_line(unknown) == (
        "error: the emulator has no principal 'nobody' (known: app, deployer)"
    )


def _keys(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | set().union(*(_keys(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_keys(v) for v in data)) if data else set()
    return set()


def test_no_secret_in_any_output(project: Project) -> None:
    project.write("local", **{"disable_local_auth = true": "disable_local_auth = false"})
    runs = [project.run("up", "--yes"), project.run("up", "--yes", "--json")]
    key1, key2 = project.backend().list_keys(RG, ACCOUNT)
    outputs = project.json("outputs")
    assert not {k for k in _keys(outputs) if any(s in k for s in ("key", "secret", "token"))}
    runs += [project.run(*c) for c in (["plan", "--json"], ["status"], ["outputs"])]
    runs += [project.run("plan", "--principal", "nobody"), project.run("down", "--yes", "--json")]
    text = json.dumps(outputs) + "".join(r.output for r in runs)
    secrets = [p.client_secret for p in project.emu.connection.principals.values()]
    for secret in [*secrets, key1, key2]:
        assert secret and secret not in text
    assert "eyJ" not in text  # no JWT (access token) either
