"""`provision --help` / `--version` stay light: a new process loads neither the Azure SDKs nor
numpy nor the realtime stack (those cost most of a slow start; see bench/cli_startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HEAVY = ("azure", "numpy", "msal", "websockets", "aiohttp", "smoke.run", "pydantic", "emulator")

PROBE = """
import json, sys
from provision.cli import main
sys.argv = ["provision", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exc:
    code = exc.code
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded(*argv: str) -> tuple[int, list[str], str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(argv))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    out, _, last = proc.stdout.rstrip().rpartition("\n")
    report = json.loads(last)
    return report["code"], report["modules"], out


@pytest.mark.parametrize(
    "argv",
    [("--help",), ("--version",), ("plan", "--help"), ("outputs", "--help"), ("models", "--help")],
)
def test_help_and_version_import_nothing_heavy(argv: tuple[str, ...]) -> None:
    code, modules, out = loaded(*argv)
    assert code in (0, None), out
    heavy = [m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY]
    assert heavy == [], f"provision {' '.join(argv)} imported {heavy[:10]}"
    assert out.strip(), "printed nothing"


def test_version_constant_matches_pyproject() -> None:
    import tomllib

    from provision.version import VERSION

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    assert tomllib.loads(pyproject.read_text())["project"]["version"] == VERSION


def test_shell_completion_as_documented_in_help() -> None:
    env = {
        **os.environ,
        "COMP_WORDS": "provision ou",
        "COMP_CWORD": "1",
        "_PROVISION_COMPLETE": "bash_complete",
    }
    proc = subprocess.run(
        [sys.executable, "-c", "from provision.cli import main; main()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.stdout.split() == ["plain,outputs"]


READ_HEAVY = (
    "numpy",
    "smoke.run",
    "provision.readiness",
    "provision.apply",
    "websockets",
    # issue 13: reads go over provision.backends.arm (stdlib HTTPS) with a client-secret
    # sign-in of our own and an encrypted token cache: no SDK, azure-identity, msal or requests
    "azure",
    "msal",
    "requests",
    "urllib3",
)
READ_PROBE = """
import atexit, json, sys
atexit.register(lambda: print("\\nMODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["provision", *json.loads(sys.argv[1])]
from provision.cli import main
main()
"""


@pytest.mark.parametrize(
    "command",
    # core: models (test_read_commands covers plan); each case starts an interpreter
    [
        "models",
        *(pytest.param(c, marks=pytest.mark.conformance) for c in ("plan", "status", "outputs")),
    ],
)
def test_read_commands_import_only_what_they_use(
    command: str, emulator: Any, tmp_path: Path
) -> None:
    root = Path(__file__).resolve().parents[2]
    envs = tmp_path / "environments"
    envs.mkdir()
    (envs / "local.toml").write_text((root / "environments" / "local.toml").read_text())
    env = {**os.environ, "PROVISION_EMULATOR_STATE": str(emulator.state_dir)}
    argv = [command, "--env", "local", "--env-dir", str(envs)]
    proc = subprocess.run(
        [sys.executable, "-c", READ_PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode in (0, 1, 3), proc.stderr  # outputs: 1 = not provisioned yet
    modules = json.loads(proc.stderr.rpartition("MODULES ")[2])
    heavy = [m for m in modules if m in READ_HEAVY or m.split(".")[0] in READ_HEAVY]
    assert heavy == [], f"provision {command} imported {heavy}"
