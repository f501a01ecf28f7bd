"""``plan``, ``status`` and ``outputs`` as new processes against a running emulator: they import
only what they use (no readiness, apply, smoke's runtime, numpy or websockets), read each
resource once, and open one TLS connection for tokens and ARM alike; neither the Azure SDKs nor
azure-identity/msal load, and a cached (encrypted) token saves the sign-in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from e2e_helpers import ROOT, Project

from provision.backends.connect import token_dir_of

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
# Reads need no Azure SDK, no azure-identity/msal and no requests (issue 13).
SDK_PACKAGES = ("azure", "msal", "requests", "urllib3")
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


def _run(project: Project, command: str) -> tuple[set[str], int, list[tuple[str, str]], list[str]]:
    """(modules, TLS handshakes, ARM (method, path), Entra methods+paths) of one new process."""
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
    requests = project.emu.stats()["requests"]
    arm = [(r["method"], r["path"].lower()) for r in requests if r["service"] == "arm"]
    entra = [f"{r['method']} {r['path']}" for r in requests if r["service"] == "entra"]
    return set(lines["MODULES"].split()), int(lines["HANDSHAKES"]), arm, entra


@pytest.mark.parametrize(
    "command",
    # core: plan (each case is an up plus two fresh interpreters); status and outputs: conformance
    ["plan", *(pytest.param(c, marks=pytest.mark.conformance) for c in ("status", "outputs"))],
)
def test_read_commands_import_little_and_connect_once(project: Project, command: str) -> None:
    assert project.run("up", "--yes").exit_code == 0
    shutil.rmtree(token_dir_of(project.emu.connection), ignore_errors=True)
    signing_in = _run(project, command)
    cached = _run(project, command)
    for modules, handshakes, arm, _ in (signing_in, cached):
        assert not [m for m in FORBIDDEN if m in modules]
        assert not [m for m in modules if m.split(".")[0] in SDK_PACKAGES], "an SDK was imported"
        assert handshakes == 1  # tokens and ARM share one connection
        assert arm and len(arm) == len(set(arm)), arm  # no duplicate reads
    # One Entra request to sign in (no OpenID discovery), none with the encrypted cache.
    assert len(signing_in[3]) == 1 and signing_in[3][0].startswith("POST "), signing_in[3]
    assert signing_in[3][0].endswith("/oauth2/v2.0/token")
    assert cached[3] == []
