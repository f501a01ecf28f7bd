"""The CLI without a cloud: help, validate, exit codes, error rendering, protection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from provision.cli import cli

ROOT = Path(__file__).resolve().parents[2]
ENVS = ROOT / "environments"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_help_lists_commands_and_exit_codes() -> None:
    result = _run("--help")
    assert result.exit_code == 0
    for command in ("validate", "plan", "up", "status", "outputs", "down"):
        assert command in result.stdout
    assert "3 changes pending" in result.stdout


def test_python_m_provision_help_is_fast_and_lazy() -> None:
    code = (
        "import sys, runpy; sys.argv=['provision','--help'];\n"
        "try:\n    runpy.run_module('provision', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('azure', 'emulator', 'pydantic'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "Usage: provision" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"  # no SDK, emulator or pydantic import


def test_validate_ok_text_and_json() -> None:
    result = _run("validate", "--env", "local", "--env-dir", str(ENVS))
    assert result.exit_code == 0 and "valid" in result.stdout
    result = _run("validate", "--env", "dev", "--env-dir", str(ENVS), "--json")
    data = json.loads(result.stdout)
    assert data["valid"] and data["target"] == "azure"


def test_validate_bad_file_exit_2_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text((ENVS / "local.toml").read_text().replace('"2025-08-28"', "2025-08-28"))
    result = _run("validate", "--env-file", str(bad))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{bad}: deployments[0].version: must be a string" in result.stderr


def test_missing_env_exit_2() -> None:
    result = _run("plan", "--env", "nope", "--env-dir", str(ENVS))
    assert result.exit_code == 2
    assert "environment file not found" in result.stderr and "available:" in result.stderr


def test_protected_environment_refuses_down_without_network() -> None:
    result = _run("down", "--env", "prod", "--env-dir", str(ENVS), "--yes")
    assert result.exit_code == 2
    assert "protected" in result.stderr and "--confirm-protected prod" in result.stderr


def test_confirm_protected_must_repeat_the_name() -> None:
    result = _run("down", "--env", "prod", "--env-dir", str(ENVS), "--confirm-protected", "dev")
    assert result.exit_code == 2 and "repeat the environment name" in result.stderr


def test_public_api_is_sorted_and_importable() -> None:
    import provision

    assert provision.__all__ == sorted(provision.__all__)
    for name in provision.__all__:
        assert getattr(provision, name) is not None
