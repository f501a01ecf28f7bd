"""The emulator's public API: the one module other packages, tests and plugins import.

Everything else under ``emulator`` is internal and may move. Typical use::

    from emulator.api import Emulator, EmulatorConfig, sdk_credential, sdk_client_options

    with Emulator(state_dir=tmp, config=EmulatorConfig(timing="instant")) as emu:
        conn = emu.connection
        client = CognitiveServicesManagementClient(
            sdk_credential(conn), conn.subscription_id, **sdk_client_options(conn))
        admin_client(conn).set_config(throttle_rate=0.2)

Heavy imports (aiohttp, ssl/urllib, the Azure SDKs) happen only when a name that needs them is
used: importing this module costs dataclasses and ``re`` (provision imports it on its fast paths).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.config import TIMING_PROFILES, EmulatorConfig, FaultRule, TimingProfile
from emulator.connection import DEFAULT_STATE_DIR, Connection, Principal
from emulator.connection import FILE_NAME as CONNECTION_FILE_NAME
from emulator.connection import load as load_connection
from emulator.speech_warmup import warm_speech_stack

if TYPE_CHECKING:
    from emulator.admin_client import AdminClient, AdminError
    from emulator.server import Emulator

__all__ = [
    "CONNECTION_FILE_NAME",
    "DEFAULT_STATE_DIR",
    "TIMING_PROFILES",
    "AdminClient",
    "AdminError",
    "Connection",
    "Emulator",
    "EmulatorConfig",
    "FaultRule",
    "Principal",
    "TimingProfile",
    "admin_client",
    "connection_file",
    "load_connection",
    "sdk_client_options",
    "sdk_credential",
    "warm_speech_stack",
]


def connection_file(state_dir: Path | str) -> Path:
    """Where an emulator serving ``state_dir`` writes its ``connection.json``."""
    return Path(state_dir) / CONNECTION_FILE_NAME


def admin_client(conn: Connection, timeout: float = 10.0) -> AdminClient:
    """An authenticated caller of the emulator's ``/_admin`` API (``conn.admin_key``)."""
    from emulator.admin_client import AdminClient

    return AdminClient(conn, timeout)


def sdk_credential(
    conn: Connection, principal: str = "deployer", *, aio: bool = False, **kwargs: Any
) -> Any:
    """An azure-identity ``ClientSecretCredential`` (sync, or ``aio``) for a principal named in
    ``connection.json``, with instance discovery off and the emulator's CA trusted.

    Extra keyword arguments go to ``ClientSecretCredential`` (e.g. a shared ``transport=``).
    Raises ``KeyError`` for an unknown principal name.
    """
    from emulator.sdk import credential

    return credential(conn, principal, aio=aio, **kwargs)


def sdk_client_options(conn: Connection, polling_interval: float | None = 0) -> dict[str, Any]:
    """Keyword arguments for an azure-mgmt client: ``base_url``, CA, LRO polling interval.

    ``polling_interval=None`` leaves it out (``AuthorizationManagementClient`` has no LROs).
    """
    from emulator.sdk import client_options

    return client_options(conn, polling_interval)


def __getattr__(name: str) -> Any:
    # Lazy: `Emulator` pulls in aiohttp and the whole server; the admin client ssl and urllib.
    if name == "Emulator":
        from emulator.server import Emulator

        return Emulator
    if name in ("AdminClient", "AdminError"):
        from emulator import admin_client as module

        return getattr(module, name)
    raise AttributeError(f"module 'emulator.api' has no attribute {name!r}")
