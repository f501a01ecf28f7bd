"""The whole user's day against real Azure. Opt in: AZ_TEST_ALLOW_AZURE=true AZ_TEST_ENV=dev.

Uses ``environments/$AZ_TEST_ENV.toml`` (default ``dev``) and DefaultAzureCredential. It creates,
smoke-tests and deletes (with purge) real resources; it is deselected by default.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.azure


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=3600
    )


def test_up_smoke_down_on_real_azure() -> None:
    env = os.environ.get("AZ_TEST_ENV", "dev")
    assert _run("provision", "validate", "--env", env).returncode == 0
    up = _run("provision", "up", "--env", env, "--yes")
    assert up.returncode == 0, up.stderr
    assert _run("provision", "plan", "--env", env).returncode == 0  # converged
    smoke = _run("smoke", "run", "--env", env, "--json")
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    down = _run("provision", "down", "--env", env, "--yes", "--purge")
    assert down.returncode == 0, down.stderr
