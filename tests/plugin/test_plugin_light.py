"""The pytest plugin is cheap to load: every pytest run of a project that installs the toolkit
imports it, so it must not pull in the emulator, the SDKs or smoke before a fixture is used."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("aiohttp", "azure", "emulator.server", "smoke.client", "numpy", "websockets", "pydantic")


def test_importing_the_plugin_loads_nothing_heavy() -> None:
    probe = textwrap.dedent(
        f"""
        import json, sys
        import provision.pytest_plugin
        heavy = {HEAVY!r}
        print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy
                                or any(m == h or m.startswith(h + '.') for h in heavy))))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    plugins = {e.name: e.value for e in entry_points(group="pytest11")}
    assert plugins.get("realtime_toolkit") == "provision.pytest_plugin"


def test_a_bad_timing_option_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x(realtime_emulator):\n    pass\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--realtime-timing",
         "slow", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 4  # pytest's usage error
    assert "--realtime-timing" in proc.stderr and "slow" in proc.stderr
