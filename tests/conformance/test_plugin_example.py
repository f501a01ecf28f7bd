"""The pytest plugin as users meet it: the examples/ project's own test suite, and a project
with no configuration at all (the plugin's default environment), each in a fresh pytest process
that finds the plugin through its pytest11 entry point (instant timing)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(600)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "realtime-app"


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVISION_", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=540,
    )  # fmt: skip


def test_the_example_project_passes() -> None:
    proc = _pytest(EXAMPLE)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "5 passed" in proc.stdout


def test_a_project_without_configuration_gets_the_default_environment(tmp_path: Path) -> None:
    (tmp_path / "test_app.py").write_text(
        textwrap.dedent(
            """
            import asyncio

            def test_default_environment(realtime_environment):
                assert list(realtime_environment.deployments) == ["gpt-realtime"]
                url = realtime_environment.deployments["gpt-realtime"].realtime_url
                assert url.startswith("wss://127.0.0.1:") and "gpt-realtime" in url

            def test_session(realtime_session):
                async def talk():
                    async with realtime_session() as rt:
                        await rt.wait_for("session.created")
                        await rt.send({"type": "response.create"})
                        return await rt.wait_for("response.done", timeout=30)
                done = asyncio.run(talk())
                assert done["response"]["status"] == "completed"
            """
        )
    )
    proc = _pytest(tmp_path, "-p", "no:asyncio")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "2 passed" in proc.stdout
