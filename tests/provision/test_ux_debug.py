"""--debug on every subcommand: the sign-in failure keeps its one line and adds the full
credential chain below it; without --debug the chain never shows (exit 5 either way)."""

from __future__ import annotations

from pathlib import Path

from tests.provision.test_signin import _provision


def test_debug_adds_the_credential_chain_after_the_one_line(tmp_path: Path) -> None:
    plain = _provision(tmp_path, "plan")
    debug = _provision(tmp_path, "plan", "--debug")
    assert plain.returncode == debug.returncode == 5
    assert "DefaultAzureCredential" not in plain.stderr
    first = debug.stderr.splitlines()[0]
    assert "no Azure sign-in found" in first and "az login" in first
    assert "DefaultAzureCredential" in debug.stderr
    assert len(debug.stderr.splitlines()) > len(plain.stderr.splitlines())
    assert "Traceback" not in debug.stderr
