"""Sign-in failures on an Azure target: one line that says what failed and names the fix, exit 5;
the credential chain only under ``--debug``.

The real ``DefaultAzureCredential`` runs with ``AZURE_TOKEN_CREDENTIALS=dev`` (developer tools
only) and a PATH without ``az``/``pwsh``/``azd``, so every credential is unavailable without
leaving the machine: no network at all, loopback included.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from provision.backends.signin import CI_FIX, SIGN_IN_FIX, fix_advice, signin_error

DEV = """\
target = "azure"
subscription = "12345678-1234-1234-1234-123456789abc"
resource_group = "rg-dev"
location = "swedencentral"
[account]
name = "aoai-dev"
[[role_assignments]]
principal = "self"
"""


def _provision(tmp_path: Path, *args: str, ci: bool = False) -> subprocess.CompletedProcess[str]:
    (tmp_path / "environments").mkdir(exist_ok=True)
    (tmp_path / "environments" / "dev.toml").write_text(DEV)
    env = {
        "PATH": str(Path(sys.executable).parent),  # no az, pwsh or azd on it
        "HOME": str(tmp_path),
        "AZURE_TOKEN_CREDENTIALS": "dev",
        **({"CI": "true"} if ci else {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "provision", *args, "--env", "dev"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", [["plan"], ["status"], ["up", "--yes"]])
def test_no_sign_in_is_one_line_naming_az_login_exit_5(tmp_path: Path, command: list[str]) -> None:
    result = _provision(tmp_path, *command)
    assert result.returncode == 5, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 3, lines
    assert "no Azure sign-in found" in lines[-1] and "az login" in lines[-1]
    assert "az account set" in lines[-1]
    assert "Traceback" not in result.stderr and "DefaultAzureCredential" not in result.stderr


def test_in_ci_the_fix_is_workload_identity(tmp_path: Path) -> None:
    result = _provision(tmp_path, "plan", ci=True)
    assert result.returncode == 5
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert "AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE" in line
    assert "azure/login" in line


def test_the_advice_follows_the_environment() -> None:
    assert fix_advice({}) == SIGN_IN_FIX
    assert fix_advice({"GITHUB_ACTIONS": "true"}) == CI_FIX
    assert fix_advice({"TF_BUILD": "True"}) == CI_FIX
    assert fix_advice({"CI": "false"}) == SIGN_IN_FIX


def test_the_chain_is_kept_for_debug_only() -> None:
    class Unavailable(Exception):
        message = "DefaultAzureCredential failed to retrieve a token\nAzureCliCredential: not found"

    error = signin_error("reading the signed-in identity", Unavailable())
    assert str(error).count("\n") == 0 and "no Azure sign-in found" in str(error)
    assert error.detail is not None and "AzureCliCredential: not found" in error.detail
    assert error.exit_code == 5
