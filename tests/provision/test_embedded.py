"""Which emulator a command will start (``provision.embedded``), decided from the raw file before
provision's heavy imports: the smoke command warms that emulator's speech stack early."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from provision.embedded import emulator_to_start, state_dir_for

ROOT = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path, text: str, name: str = "local") -> Path:
    envs = tmp_path / "environments"
    envs.mkdir()
    (envs / f"{name}.toml").write_text(text)
    return envs


def test_an_emulator_target_with_no_running_emulator_will_be_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROVISION_EMULATOR_STATE", raising=False)
    envs = _project(tmp_path, (ROOT / "environments" / "local.toml").read_text())
    assert emulator_to_start("local", env_dir=envs) == tmp_path.resolve() / ".emulator" / "local"


def test_the_state_variable_moves_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(tmp_path / "elsewhere"))
    envs = _project(tmp_path, 'target = "emulator"\n')
    assert emulator_to_start("local", env_dir=envs) == tmp_path / "elsewhere"
    assert state_dir_for(envs / "local.toml", "local") == tmp_path / "elsewhere"


def test_a_running_emulator_is_not_started_again(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVISION_EMULATOR_STATE", str(emulator.state_dir))
    envs = _project(tmp_path, 'target = "emulator"\n')
    assert emulator_to_start("local", env_dir=envs) is None


@pytest.mark.parametrize(
    "text",
    ['target = "azure"\nsubscription = "x"\n', "target = [1, 2\n", "", 'name = "other"\n'],
    ids=["azure", "broken-toml", "empty", "no-target"],
)
def test_anything_else_starts_nothing_and_never_raises(tmp_path: Path, text: str) -> None:
    envs = _project(tmp_path, text)
    assert emulator_to_start("local", env_dir=envs) is None
    assert emulator_to_start("missing", env_dir=envs) is None
    assert emulator_to_start(None, env_file=tmp_path / "nope.toml") is None


def test_deciding_imports_neither_pydantic_nor_the_server(tmp_path: Path) -> None:
    import subprocess

    envs = _project(tmp_path, 'target = "emulator"\n')
    probe = (
        "import sys; from pathlib import Path; from provision.embedded import emulator_to_start;"
        f"emulator_to_start('local', env_dir=Path({str(envs)!r}));"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pydantic', 'aiohttp', 'numpy', 'azure')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout
