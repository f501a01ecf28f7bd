"""The seam between smoke and whatever turns an environment name into realtime targets.

smoke (the library and its CLI) knows nothing of environment files, Azure sessions or the
emulator. ``provision`` implements :class:`EnvironmentSource` and passes it to
:func:`smoke.cli.make_cli`; ``smoke run --env NAME`` then asks it once per run::

    with source.open(EnvironmentRequest(name="dev", ...)) as env:
        report = run_smoke(env.targets, options)   # the target stays open while smoke runs

Errors an implementation raises (everything else is treated as a bug, exit 7):

- :class:`smoke.errors.UsageError` (or its :class:`~smoke.errors.SettingsError`): bad input,
  one line, exit 2 — unknown environment, bad file, unknown ``--deployment``;
- :class:`smoke.errors.AuthError`: sign-in failed, exit 5 — ``str()`` at most three lines
  naming the fix, ``debug_detail`` the full chain (printed only under ``--debug``);
- :class:`smoke.errors.SourceError`: anything else, with the exit code from the shared table
  (e.g. 8/9/10 for an unusable emulator).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from smoke.settings import SmokeDefaults
from smoke.targets import Target

__all__ = ["EnvironmentRequest", "EnvironmentSource", "ResolvedEnvironment"]


@dataclass(frozen=True, kw_only=True)
class EnvironmentRequest:
    """What ``smoke run`` asks of an environment.

    ``name`` (``--env``) or ``env_file`` (``--env-file``) says which environment; ``env_dir``
    where named files live. ``deployments`` is the ``--deployment`` subset (empty: the file's
    ``[smoke] deployments``, else all). ``auth``/``dialect``/``api_key_env``/``principal``/
    ``ca_bundle``/``endpoint`` are the CLI overrides (``None``: the file's ``[smoke]`` value or
    the default). Build every target's dialect with
    ``choose_dialect(model, request.dialect or defaults.dialect)``.
    """

    name: str | None = None
    env_file: Path | None = None
    env_dir: Path | None = None
    auth: Literal["entra", "key"] | None = None
    subscription: str | None = None
    debug: bool = False
    deployments: tuple[str, ...] = ()
    dialect: Literal["ga", "preview"] | None = None
    api_key_env: str | None = None
    principal: str | None = None
    ca_bundle: Path | None = None
    endpoint: str | None = None


@dataclass(frozen=True, kw_only=True)
class ResolvedEnvironment:
    """The opened environment: one target per deployment to check, and its ``[smoke]`` table.

    ``label`` names the environment in progress lines and reports (e.g. ``local (emulator)``);
    ``notes`` are one-line remarks to print before the run (never secrets).
    """

    targets: list[Target]
    defaults: SmokeDefaults = field(default_factory=SmokeDefaults)
    label: str = ""
    notes: tuple[str, ...] = ()


class EnvironmentSource(Protocol):
    """Opens an environment for one smoke run; implemented by provision."""

    def open(self, request: EnvironmentRequest) -> AbstractContextManager[ResolvedEnvironment]:
        """Parse the environment file once, open its target once, yield the targets.

        The context stays open for the whole run (an embedded emulator keeps serving) and is
        closed after the reports are written.
        """
        ...
