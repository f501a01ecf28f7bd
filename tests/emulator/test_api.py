"""``emulator.api`` is the emulator's public module and cheap to import (issues 8 and 13)."""

from __future__ import annotations

import subprocess
import sys

import emulator.api as api

HEAVY = ("aiohttp", "click", "ssl", "urllib.request", "cryptography", "azure", "numpy", "jwt")


def test_importing_the_api_loads_no_heavy_module() -> None:
    probe = f"import sys, emulator.api\nprint([m for m in {HEAVY!r} if m in sys.modules])\n"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_every_exported_name_resolves() -> None:
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    assert set(api.TIMING_PROFILES) == {"realistic", "instant"}
    assert str(api.DEFAULT_STATE_DIR) == ".emulator/default"
    assert api.connection_file("/x").name == api.CONNECTION_FILE_NAME == "connection.json"
