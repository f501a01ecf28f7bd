"""Resolve an environment's target to a backend: real Azure, or the emulator.

``emulator``: reuse a running emulator when ``<state dir>/connection.json`` names a live
server, else start the embedded emulator in-process on that state directory (so that
``provision up --env local`` and a later ``smoke run --env local`` see the same world). The state
directory is ``$PROVISION_EMULATOR_STATE`` or ``<project>/.emulator/<env>``. The emulator
target acts as its ``deployer`` principal unless another is named (``principal``, or
``$PROVISION_EMULATOR_PRINCIPAL``): e.g. ``app``, which holds no ARM roles.
The embedded emulator runs the ``realistic`` timing profile (writes take ~2 s, new roles ~5 s
to reach the data plane, as on Azure) unless ``$PROVISION_EMULATOR_TIMING`` says ``instant``.
Backend and emulator imports happen here lazily, keeping ``provision --help`` fast; of the
emulator only its public API, ``emulator.api``, is used. Reads need no Azure SDK at all
(``provision.backends.arm``); the SDK clients load on a command's first write. Every backend
comes wrapped in the one retry policy (``provision.backends.retry``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provision.backends.base import Backend
from provision.backends.retry import EMULATOR_POLICY, Retrier, RetryingBackend, RetryPolicy
from provision.config import LoadedEnvironment
from provision.embedded import running_connection, state_dir_for
from provision.errors import TargetError, UsageError

PRINCIPAL_VARIABLE = "PROVISION_EMULATOR_PRINCIPAL"
# The embedded emulator's timing profile: realistic (default, like Azure) or instant.
TIMING_VARIABLE = "PROVISION_EMULATOR_TIMING"
DEFAULT_EMULATOR_PRINCIPAL = "deployer"


@dataclass
class Target:
    """An opened target: the backend plus what data-plane clients (smoke) need."""

    kind: str
    backend: Backend  # a RetryingBackend over provision.backends.arm.ArmBackend
    ca_bundle: Path | None = None
    connection: Any = None  # emulator.api.Connection for the emulator target
    started_emulator: bool = False
    principal: str | None = None  # emulator: the connection.json principal acting as "self"

    def data_plane_credential(self, principal: str = "app") -> Any:
        """A ``get_token`` credential for data-plane tokens: an emulator principal through the
        encrypted token cache, or ``DefaultAzureCredential`` on Azure."""
        from provision.backends import connect

        if self.kind == "emulator":
            return connect.emulator_data_plane_credential(self.connection, principal)
        from azure.identity import DefaultAzureCredential

        return DefaultAzureCredential()


def emulator_state_dir(loaded: LoadedEnvironment) -> Path:
    """Where the emulator for this environment keeps its state."""
    return state_dir_for(loaded.path, loaded.name)


@contextmanager
def open_target(
    loaded: LoadedEnvironment,
    principal: str | None = None,
    on_step: Callable[[str], None] | None = None,
    *,
    warm_speech: bool = False,
) -> Iterator[Target]:
    """Open the environment's target; stops an emulator it started on exit.

    ``principal`` (emulator only) names the connection.json principal to act as; it defaults
    to ``$PROVISION_EMULATOR_PRINCIPAL``, then ``deployer``. Raises TargetError (cannot
    start or reach the emulator) or UsageError (unknown principal). ``on_step`` hears about
    the emulator being started or reused (progress lines).
    """
    if loaded.config.target == "azure":
        if principal:
            raise UsageError(
                f"--principal {principal} applies to the emulator target only; on Azure, sign in "
                "as that identity instead (az login, AZURE_CLIENT_ID/...)"
            )
        from provision.backends import connect

        assert loaded.config.subscription is not None  # enforced by config validation
        backend = _retrying(connect.azure_backend(loaded.config.subscription), RetryPolicy())
        try:
            yield Target("azure", backend)
        finally:
            backend.close()
        return
    name = principal or os.environ.get(PRINCIPAL_VARIABLE) or DEFAULT_EMULATOR_PRINCIPAL
    state_dir = emulator_state_dir(loaded)
    with _emulator(state_dir, on_step or _quiet, warm_speech) as (connection, started):
        from provision.backends import connect

        if name not in connection.principals:
            known = ", ".join(sorted(connection.principals)) or "none"
            raise UsageError(f"the emulator has no principal {name!r} (known: {known})")
        inner = connect.emulator_backend(connection, loaded.config.subscription, principal=name)
        backend = _retrying(inner, EMULATOR_POLICY)
        try:
            yield Target("emulator", backend, Path(connection.ca_bundle), connection, started, name)
        finally:
            backend.close()


def _retrying(inner: Any, policy: RetryPolicy) -> RetryingBackend:
    return RetryingBackend(inner, Retrier(policy))


def _quiet(message: str) -> None:
    pass


@contextmanager
def _emulator(
    state_dir: Path, on_step: Callable[[str], None], warm_speech: bool = False
) -> Iterator[tuple[Any, bool]]:
    running = running_connection(state_dir)
    if running is not None:
        on_step(f"using the running emulator at {running.url}")
        yield running, False
        return
    try:
        from emulator.api import TIMING_PROFILES, Emulator, EmulatorConfig, warm_speech_stack
    except ImportError as exc:
        raise TargetError(f"the embedded emulator is not available ({exc})") from exc
    timing = os.environ.get(TIMING_VARIABLE) or "realistic"
    if timing not in TIMING_PROFILES:
        known = ", ".join(sorted(TIMING_PROFILES))
        raise UsageError(f"{TIMING_VARIABLE}={timing[:40]!r}: expected one of {known}")
    on_step(f"starting local emulator (state {_shown(state_dir)})…")
    if warm_speech:  # before the server's imports: the recogniser processes start sooner
        warm_speech_stack()
    try:
        # port=None: reuse the state directory's last port (stable URLs across runs)
        emu = Emulator(state_dir=state_dir, port=None, config=EmulatorConfig(timing=timing))
        emu.start(warm_speech=warm_speech)
    except Exception as exc:
        raise TargetError(f"could not start the emulator in {state_dir}: {exc}") from exc
    on_step(f"local emulator ready at {emu.connection.url}")
    try:
        yield emu.connection, True
    finally:
        emu.stop()


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
