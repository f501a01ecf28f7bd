"""Running the Azure CLI against an emulator: a clean config dir, the emulator's CA, no leaks."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def az_environment(config_dir: Path, ca_bundle: Path) -> dict[str, str]:
    """A clean environment for az: own config dir, no telemetry, trust the emulator CA.

    Anything not on loopback goes to a closed proxy port, so a call that would leave the machine
    fails fast instead of reaching Azure.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "AZ_", "ARM_"))}
    env.update(
        AZURE_CONFIG_DIR=str(config_dir),
        AZURE_CORE_COLLECT_TELEMETRY="false",
        AZURE_CORE_SURVEY_MESSAGE="false",
        AZURE_CORE_INSTANCE_DISCOVERY="false",
        AZURE_CORE_NO_COLOR="true",
        AZURE_CORE_ONLY_SHOW_ERRORS="true",
        AZURE_EXTENSION_USE_DYNAMIC_INSTALL="no",
        REQUESTS_CA_BUNDLE=str(ca_bundle),
        HTTPS_PROXY="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


@dataclass
class Az:
    """``az ARGS -o json`` with secrets redacted from any failure text."""

    executable: Path
    env: dict[str, str] = field(repr=False)
    # repr=False: pytest prints fixture values in tracebacks; secrets must not reach CI logs.
    secrets: list[str] = field(default_factory=list, repr=False)

    def run(self, *args: str, timeout: float = 300) -> Any:
        """Run one command; its parsed JSON output (None when it prints nothing)."""
        proc = self.call(*args, timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError(
                f"az {self._redact(' '.join(args))} -> exit {proc.returncode}\n"
                f"{self._redact(proc.stderr.strip())[-3000:]}"
            )
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    def call(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run one command and return the finished process (any exit code)."""
        return subprocess.run(
            [str(self.executable), *args, "-o", "json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text
