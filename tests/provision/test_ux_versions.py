"""`--version` on all three CLIs, as new processes: one version, the one in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

import pytest

from provision.version import VERSION


@pytest.mark.parametrize(
    ("module", "name"),
    [("provision", "provision"), ("smoke", "smoke"), ("emulator", "realtime-emulator")],
)
def test_every_cli_prints_the_toolkit_version(module: str, name: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", module, "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{name} {VERSION}"
