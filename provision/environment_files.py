"""Where an environment file is, and a first look at it, without validating it.

Light on purpose (pathlib, tomllib; no pydantic): ``smoke run --env`` peeks at the file to
start the embedded emulator's speech stack before the heavy imports (``peek``), and
``provision.config.load_environment`` finds the file with the same rules.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from provision import inputs
from provision.errors import ConfigError

__all__ = ["ENV_DIR_VARIABLE", "find_environment_file", "peek"]

ENV_DIR_VARIABLE = "PROVISION_ENV_DIR"


def find_environment_file(
    env: str | None, env_file: Path | None = None, env_dir: Path | None = None
) -> Path:
    """Locate the environment file: ``env_file``, else ``<env_dir>/<env>.toml``.

    ``env_dir`` defaults to ``$PROVISION_ENV_DIR`` or ``./environments``.
    Raises ConfigError when nothing is found.
    """
    if env_file is not None:
        _check_input("--env-file", env_file)
        if env_file.is_dir():
            problem = "is a directory, not an environment file"
            raise ConfigError(str(env_file), [("--env-file", problem)])
        if not env_file.is_file():
            raise ConfigError(str(env_file), [("--env-file", "file not found")])
        return env_file
    if not env:
        raise ConfigError("<command line>", [("--env", "give --env NAME or --env-file PATH")])
    _check_input("--env", env)
    if env_dir is not None:
        _check_input("--env-dir", env_dir)
    directory = env_dir or Path(os.environ.get(ENV_DIR_VARIABLE, "environments"))
    _check_input(ENV_DIR_VARIABLE, directory)
    path = directory / f"{env}.toml"
    if path.is_dir():
        raise ConfigError(str(path), [("", "is a directory, not an environment file")])
    if not path.is_file():
        available = sorted(p.stem for p in directory.glob("*.toml")) if directory.is_dir() else []
        hint = f"available: {', '.join(available)}" if available else f"no *.toml in {directory}"
        raise ConfigError(str(path), [("", f"environment file not found ({hint})")])
    return path


def _check_input(option: str, value: object) -> None:
    """The command line's rules (``provision.inputs``) as a ConfigError naming the option."""
    found = inputs.problem("--env-dir" if option == ENV_DIR_VARIABLE else option, value)
    if found is not None:
        raise ConfigError("<command line>", [(option, found)])


def peek(
    env: str | None, env_file: Path | None = None, env_dir: Path | None = None
) -> tuple[Path, dict[str, Any]] | None:
    """The file and its raw TOML, or None when it cannot be found or read (unvalidated: the
    caller still loads it properly, and that reports the problem)."""
    try:
        path = find_environment_file(env, env_file, env_dir)
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except (ConfigError, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
