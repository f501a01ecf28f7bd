"""A temporary project on a live emulator, driven through the ``provision`` CLI in-process.

The CLI finds the test's emulator through ``$PROVISION_EMULATOR_STATE`` (its connection.json
names this live process), exactly as a second terminal would find a running ``emulator serve``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
from click.testing import CliRunner, Result

from emulator.api import Emulator
from provision.backends.arm import ArmBackend
from provision.backends.connect import emulator_backend
from provision.cli import cli

ROOT = Path(__file__).resolve().parents[2]
RG, ACCOUNT = "rg-realtime-local", "aoai-realtime-local"
DEPLOYMENTS = [
    "gpt-4o-mini-realtime-preview",
    "gpt-4o-realtime-preview",
    "gpt-realtime",
    "gpt-realtime-mini",
]


class Project:
    """A temporary project dir with ``environments/<name>.toml`` files."""

    def __init__(self, root: Path, emu: Emulator) -> None:
        self.root, self.emu = root, emu
        self.envs = root / "environments"
        self.envs.mkdir(parents=True)
        self.write("local")

    def write(self, name: str = "local", append: str = "", **replace: str) -> None:
        """Copy the shipped local.toml, replacing ``old=new`` snippets, appending ``append``."""
        text = (ROOT / "environments" / "local.toml").read_text()
        for old, new in replace.items():
            assert old in text, old
            text = text.replace(old, new)
        (self.envs / f"{name}.toml").write_text(text + append)

    def run(self, *args: str, env: str = "local") -> Result:
        argv = [*args, "--env", env, "--env-dir", str(self.envs)]
        return CliRunner().invoke(cli, argv, catch_exceptions=False)

    def json(self, *args: str, env: str = "local", code: int = 0) -> Any:
        result = self.run(*args, "--json", env=env)
        assert result.exit_code == code, result.output
        return json.loads(result.stdout)

    def applied(self, *args: str, env: str = "local", code: int = 0) -> Any:
        """``up``/``down --json`` for one environment: its entry of ``environments``."""
        (entry,) = self.json(*args, env=env, code=code)["environments"]
        return entry

    def account_id(self) -> str:
        sub = self.emu.connection.subscription_id
        return (
            f"/subscriptions/{sub}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices"
            f"/accounts/{ACCOUNT}"
        )

    def backend(self) -> ArmBackend:
        return emulator_backend(self.emu.connection)

    def admin(self, method: str, path: str, body: dict[str, Any]) -> None:
        response = requests.request(
            method,
            self.emu.url + path,
            json=body,
            verify=str(self.emu.ca_path),
            headers=self.emu.admin_headers,
            timeout=30,
        )
        assert response.ok, response.text

    def arm_statuses(self) -> list[int]:
        return [r["status"] for r in self.emu.stats()["requests"] if r["service"] == "arm"]

    def invoke(self, *argv: str) -> Result:
        """The CLI with exactly ``argv`` (no --env added)."""
        return CliRunner().invoke(cli, list(argv), catch_exceptions=False)
