"""A local Azure: Entra ID tokens, Resource Manager and the realtime data plane, on loopback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Connection", "Emulator", "EmulatorConfig", "FaultRule", "Principal", "__version__"]

__version__ = "0.2.0"  # = pyproject [project].version (a test keeps them equal); a constant is
# cheaper than importlib.metadata, which --version must not pay for

if TYPE_CHECKING:
    from emulator.config import EmulatorConfig, FaultRule
    from emulator.connection import Connection, Principal
    from emulator.server import Emulator


def __getattr__(name: str) -> Any:
    # Lazy: `realtime-emulator --help` and `provision --help` should not pay for importing aiohttp.
    if name in ("EmulatorConfig", "FaultRule"):
        from emulator import config

        return getattr(config, name)
    if name in ("Connection", "Principal"):
        from emulator import connection

        return getattr(connection, name)
    if name == "Emulator":
        from emulator.server import Emulator

        return Emulator
    raise AttributeError(f"module 'emulator' has no attribute {name!r}")
