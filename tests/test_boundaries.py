"""Package boundaries (docs/CONTRACTS.md, ARCHITECTURE.md): dependencies point one way.

- ``emulator`` imports nothing of ours (neither ``provision`` nor ``smoke``);
- ``smoke`` (the library) imports neither ``provision`` nor ``emulator``;
- ``provision`` imports the emulator only through its public API, ``emulator.api``.

Checked on the source with ``ast``, so a lazy import inside a function counts too, and so do
``importlib.import_module("...")`` / ``__import__("...")`` with a literal name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = {"emulator": {"provision", "smoke"}, "smoke": {"emulator", "provision"}}
EMULATOR_PUBLIC_API = "emulator.api"


def imported_modules(source: str) -> set[str]:
    """Full dotted names of the absolute imports anywhere in ``source`` (``from a import b``
    gives ``a.b``, since ``b`` may be a submodule)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif _is_dynamic_import(node):
            found.add(node.args[0].value)  # type: ignore[attr-defined]  # checked just above
    return found


def imported_packages(source: str) -> set[str]:
    """Top-level package names imported anywhere in ``source``."""
    return {name.split(".")[0] for name in imported_modules(source)}


def _is_dynamic_import(node: ast.AST) -> bool:
    """``importlib.import_module("pkg...")`` or ``__import__("pkg...")`` with a literal name."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    first = node.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in {"import_module", "__import__"}


def emulator_imports_beyond_the_api(source: str) -> set[str]:
    """Imports of the emulator package other than ``emulator.api`` (and names in it)."""
    return {
        name
        for name in imported_modules(source)
        if name.split(".")[0] == "emulator"
        and name != EMULATOR_PUBLIC_API
        and not name.startswith(EMULATOR_PUBLIC_API + ".")
    }


def _sources(package: str) -> list[Path]:
    sources = sorted((REPO / package).rglob("*.py"))
    assert len(sources) > 5, f"expected the {package} package under {REPO}"
    return sources


def test_the_checker_sees_every_kind_of_import() -> None:
    source = (
        "import smoke.cli\n"
        "from provision import errors\n"
        "from . import sibling\n"
        "def later():\n"
        "    import importlib\n"
        "    importlib.import_module('emulator.sdk')\n"
    )
    assert imported_packages(source) == {"smoke", "provision", "importlib", "emulator"}


def test_the_api_checker_allows_only_emulator_api() -> None:
    allowed = (
        "from emulator.api import Emulator\n"
        "import emulator.api\n"
        "from emulator import api\n"
        "def f():\n"
        "    from emulator.api import load_connection\n"
    )
    assert emulator_imports_beyond_the_api(allowed) == set()
    sneaky = (
        "def f():\n"
        "    from emulator.connection import load\n"
        "    from emulator import Emulator\n"
        "    __import__('emulator.sdk')\n"
    )
    assert emulator_imports_beyond_the_api(sneaky) == {
        "emulator.connection.load",
        "emulator.Emulator",
        "emulator.sdk",
    }


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_across_the_boundary(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(imported & FORBIDDEN[package])
        for path in _sources(package)
        if (imported := imported_packages(path.read_text(encoding="utf-8"))) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_provision_uses_only_the_emulator_public_api() -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(beyond)
        for path in _sources("provision")
        if (beyond := emulator_imports_beyond_the_api(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_provision_does_reach_the_emulator_through_its_api() -> None:
    """Guards the test above against passing vacuously (e.g. after a rename)."""
    users = [
        path.name
        for path in _sources("provision")
        if EMULATOR_PUBLIC_API in imported_modules(path.read_text(encoding="utf-8"))
        or any(
            m.startswith(EMULATOR_PUBLIC_API + ".")
            for m in imported_modules(path.read_text(encoding="utf-8"))
        )
    ]
    assert "targets.py" in users
