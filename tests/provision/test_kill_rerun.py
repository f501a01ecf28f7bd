"""Kill and rerun: ``provision up``/``down`` as a real process, SIGKILLed at a chosen point, then
run again. Every rerun converges (no duplicates, no orphans), and a kill during readiness keeps
exit 4's meaning: the rerun proves readiness again instead of saying "no changes".

A kill point is made exact by parking the process there: the emulator answers the matching
request with ``409 RequestConflict`` (which the retry policy keeps retrying), the test waits
until the emulator has seen that request, then kills. The fault is lifted before the rerun.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from e2e_helpers import ACCOUNT, DEPLOYMENTS, RG, ROOT, Project

from emulator.api import FaultRule

pytestmark = pytest.mark.conformance

UP_POINTS = {
    "resource group": ("PUT", r"/resourcegroups/rg-realtime-local$"),
    "account": ("PUT", r"/accounts/aoai-realtime-local$"),
    **{f"deployment {d}": ("PUT", rf"/deployments/{d}$") for d in DEPLOYMENTS},
    "first role assignment": ("PUT", r"/roleAssignments/"),
}
DOWN_POINTS = {
    "deployment delete": ("DELETE", r"/deployments/gpt-realtime$"),
    "account delete": ("DELETE", r"/accounts/aoai-realtime-local$"),
    "purge": ("DELETE", r"/deletedAccounts/aoai-realtime-local$"),
}


def _start(project: Project, *args: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "provision", *args, "--env", "local"]
    argv += ["--env-dir", str(project.envs)]
    env = {**os.environ, "PROVISION_EMULATOR_STATE": str(project.emu.state_dir)}
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    proc = _start(project, *args)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)  # polling a condition, not sleeping instead of one


def _seen(project: Project, method: str, pattern: str) -> Callable[[], bool]:
    import re

    regex = re.compile(pattern, re.IGNORECASE)

    def seen() -> bool:
        return any(
            r["method"] == method and regex.search(r["path"])
            for r in project.emu.stats()["requests"]
        )

    return seen


def _kill_at(project: Project, method: str, pattern: str, *args: str) -> None:
    """Run ``provision ARGS`` parked on the first matching request, SIGKILL it there."""
    rule = FaultRule(match=pattern, method=method, status=409, code="RequestConflict", times=-1)
    project.emu.config.faults.append(rule)
    proc = _start(project, *args)
    try:
        _wait_for(_seen(project, method, pattern), f"{method} {pattern}")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    project.emu.config.faults.remove(rule)


def _env_doc(stdout: str) -> dict[str, Any]:
    """One environment's document of ``up --json`` (``{"environments": [...]}``)."""
    doc = json.loads(stdout)
    return doc["environments"][0] if "environments" in doc else doc


def _assert_converged(project: Project) -> None:
    plan = _run(project, "plan", "--json")
    assert plan.returncode == 0, plan.stdout + plan.stderr  # nothing pending
    backend = project.backend()
    names = [d.name for d in backend.list_deployments(RG, ACCOUNT)]
    assert sorted(names) == DEPLOYMENTS  # no duplicates, none missing
    assert len(backend.list_role_assignments(project.account_id())) == 2


@pytest.mark.parametrize("point", sorted(UP_POINTS))
def test_up_killed_at_a_write_converges_on_rerun(project: Project, point: str) -> None:
    method, pattern = UP_POINTS[point]
    _kill_at(project, method, pattern, "up", "--yes")
    rerun = _run(project, "up", "--yes", "--json")
    assert rerun.returncode == 0, rerun.stderr
    assert _env_doc(rerun.stdout)["readiness"]["ready"] is True
    _assert_converged(project)


@pytest.mark.parametrize("point", sorted(DOWN_POINTS))
def test_down_killed_at_a_delete_converges_on_rerun(project: Project, point: str) -> None:
    assert _run(project, "up", "--yes").returncode == 0
    method, pattern = DOWN_POINTS[point]
    _kill_at(project, method, pattern, "down", "--yes", "--purge")
    rerun = _run(project, "down", "--yes", "--purge", "--json")
    assert rerun.returncode == 0, rerun.stderr
    backend = project.backend()
    assert backend.get_resource_group(RG) is None
    assert backend.get_deleted_account("swedencentral", RG, ACCOUNT) is None


def test_kill_during_readiness_keeps_exit_4_on_rerun(project: Project) -> None:
    cfg = project.emu.config
    cfg.role_propagation_seconds = 3600.0  # the data plane refuses the new roles for an hour
    proc = _start(project, "up", "--yes")
    try:
        _wait_for(_refused_handshake(project), "a refused realtime handshake")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # Everything was applied: the rerun has no change to make, yet it proves readiness again.
    pending = _run(project, "up", "--yes", "--wait-timeout", "2", "--json")
    assert pending.returncode == 4, pending.stdout + pending.stderr
    report = _env_doc(pending.stdout)
    assert report["apply"] is None or report["apply"]["applied"] == []
    assert report["readiness"]["ready"] is False

    project.emu.advance_clock(3600)  # the roles propagate
    ready = _run(project, "up", "--yes", "--json")
    assert ready.returncode == 0, ready.stderr
    assert _env_doc(ready.stdout)["readiness"]["ready"] is True
    after = _run(project, "up", "--yes", "--json")  # proven: nothing left to prove
    assert after.returncode == 0 and _env_doc(after.stdout)["readiness"] is None
    _assert_converged(project)


def _refused_handshake(project: Project) -> Callable[[], bool]:
    def seen() -> bool:
        return any(
            r["status"] == 401 and "realtime" in r["path"] for r in project.emu.stats()["requests"]
        )

    return seen


def test_kill_points_cover_ten_or_more_places() -> None:
    assert len(UP_POINTS) + len(DOWN_POINTS) + 1 >= 10
