"""A local Azure: Entra ID tokens, Resource Manager and the realtime data plane, on loopback."""

from emulator.config import EmulatorConfig, FaultRule
from emulator.connection import Connection, Principal
from emulator.server import Emulator

__all__ = ["Connection", "Emulator", "EmulatorConfig", "FaultRule", "Principal"]
