from __future__ import annotations

import ast
from pathlib import Path

import emulator.realtime.speech as speech


def test_all_is_sorted_and_complete() -> None:
    # isort style: CONSTANTS, then Classes, then functions, each alphabetical
    def kind(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert speech.__all__ == sorted(speech.__all__, key=kind)
    # "@py_builtins"/"@pytest_ar": pytest rewrites the modules of a distribution that ships a
    # pytest11 plugin (provision.pytest_plugin), this package included
    public = {name for name in vars(speech) if not name.startswith(("_", "@"))}
    modules = {
        "asr",
        "asr_child",
        "asr_workers",
        "codecs",
        "memo",
        "reply",
        "text",
        "tts",
        "vad",
        "vocabulary",
        "annotations",
    }
    assert set(speech.__all__) == public - modules


def test_speech_package_never_imports_smoke_or_provision() -> None:
    package = Path(speech.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in {"smoke", "provision"}, source
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in {"smoke", "provision"}, source
