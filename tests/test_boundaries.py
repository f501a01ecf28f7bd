"""Package boundaries from docs/CONTRACTS.md: ``emulator`` imports nothing from ``provision`` or
``smoke``; ``smoke`` imports nothing from ``emulator``. Checked on the source, so a lazy import
inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = {"emulator": {"provision", "smoke"}, "smoke": {"emulator"}}


def imported_packages(source: str) -> set[str]:
    """Top-level package names imported anywhere in ``source`` (absolute imports only)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif _is_dynamic_import(node):
            found.add(node.args[0].value.split(".")[0])  # type: ignore[attr-defined]
    return found


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


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_across_the_boundary(package: str) -> None:
    sources = sorted((REPO / package).rglob("*.py"))
    assert len(sources) > 5, f"expected the {package} package under {REPO}"
    offenders = {
        str(path.relative_to(REPO)): sorted(imported & FORBIDDEN[package])
        for path in sources
        if (imported := imported_packages(path.read_text(encoding="utf-8"))) & FORBIDDEN[package]
    }
    assert offenders == {}
