"""``plan``, ``status`` and ``outputs`` as new processes against a running emulator: they import
only what they use (no readiness, apply, smoke's runtime, numpy or websockets), read each
resource once, and open one TLS connection for tokens and ARM alike."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from e2e_helpers import ROOT, Project

FORBIDDEN = (
    "provision.readiness",
    "provision.apply",
    "provision.orchestrate",
    "smoke.run",
    "smoke.client",
    "numpy",
    "websockets",
    "aiohttp",
)
PROBE = """
import runpy, ssl, sys
handshakes = []
wrap = ssl.SSLContext.wrap_socket
def counted(self, *args, **kwargs):
    handshakes.append(1)
    return wrap(self, *args, **kwargs)
ssl.SSLContext.wrap_socket = counted
sys.argv = ["provision", *sys.argv[1:]]
try:
    runpy.run_module("provision", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
print("MODULES", " ".join(sorted(sys.modules)), file=sys.stderr)
print("HANDSHAKES", len(handshakes), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize(
    "command",
    # core: plan (each case is an up plus a fresh interpreter); status and outputs: conformance
    ["plan", *(pytest.param(c, marks=pytest.mark.conformance) for c in ("status", "outputs"))],
)
def test_read_commands_import_little_and_connect_once(project: Project, command: str) -> None:
    assert project.run("up", "--yes").exit_code == 0
    project.emu.reset_stats()
    env = {**os.environ, "PROVISION_EMULATOR_STATE": str(project.emu.state_dir)}
    argv = [sys.executable, "-c", PROBE, command, "--env", "local", "--env-dir", str(project.envs)]
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = dict(
        line.split(" ", 1)
        for line in proc.stderr.splitlines()
        if line.startswith(("MODULES ", "HANDSHAKES "))
    )
    modules = set(lines["MODULES"].split())
    assert not [m for m in FORBIDDEN if m in modules]
    assert lines["HANDSHAKES"].strip() == "1"
    arm = [r for r in project.emu.stats()["requests"] if r["service"] == "arm"]
    paths = [(r["method"], r["path"].lower()) for r in arm]
    assert len(paths) == len(set(paths)), paths  # no duplicate reads
    entra = [r for r in project.emu.stats()["requests"] if r["service"] == "entra"]
    assert len([r for r in entra if r["method"] == "POST"]) == 1  # one token per command
