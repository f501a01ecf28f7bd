"""Outside clients for the conformance stage, installed from the registries at test time.

Nothing is vendored: the Azure CLI comes from PyPI into a throwaway venv, the `openai` SDK
(and `ws`, its WebSocket peer dependency) from npm. Both are cached under
``.cache/conformance/`` (git-ignored; ``$CONFORMANCE_CACHE`` overrides) so a rerun skips the
download. A file lock keeps two xdist workers from installing the same client at once, and a
stamp file is written only after a complete install.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("CONFORMANCE_CACHE", REPO / ".cache" / "conformance"))
NPM_PACKAGES = ("openai", "ws")
INSTALL_TIMEOUT_S = 900


@contextmanager
def _install_lock(name: str) -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def azure_cli() -> Path:
    """The ``az`` executable of a cached venv with the latest azure-cli from PyPI."""
    venv = CACHE / "azure-cli"
    az, stamp = venv / "bin" / "az", venv / "installed.json"
    with _install_lock("azure-cli"):
        if not stamp.exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "azure-cli"],
                check=True,
                timeout=INSTALL_TIMEOUT_S,
            )
            version = subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "show", "azure-cli"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            stamp.write_text(json.dumps({"pip show": version}))
    return az


def node_modules() -> Path:
    """A cached ``node_modules`` with the latest ``openai`` and ``ws`` from npm."""
    root = CACHE / "node"
    stamp = root / "installed.json"
    with _install_lock("node"):
        if not stamp.exists():
            root.mkdir(parents=True, exist_ok=True)
            (root / "package.json").write_text('{"name": "conformance-clients", "private": true}')
            subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *NPM_PACKAGES],
                cwd=root,
                check=True,
                timeout=INSTALL_TIMEOUT_S,
            )
            versions = {
                name: json.loads((root / "node_modules" / name / "package.json").read_text())[
                    "version"
                ]
                for name in NPM_PACKAGES
            }
            stamp.write_text(json.dumps(versions))
    return root / "node_modules"
