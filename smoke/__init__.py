"""Realtime smoke checks: prove each deployment serves speech to the identity that will use it.

Public API (imported lazily, so ``import smoke.settings`` stays light)::

    from smoke import Target, SmokeOptions, run_smoke, run_smoke_sync
    from smoke import CheckResult, SmokeReport, SmokeError
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smoke.checks import CheckResult
    from smoke.errors import CheckFailed, SessionError, SmokeError, UsageError
    from smoke.run import DeploymentResult, SmokeOptions, SmokeReport, run_smoke, run_smoke_sync
    from smoke.targets import Target

_LAZY = {
    "CheckResult": "smoke.checks",
    "CheckFailed": "smoke.errors",
    "SessionError": "smoke.errors",
    "SmokeError": "smoke.errors",
    "UsageError": "smoke.errors",
    "DeploymentResult": "smoke.run",
    "SmokeOptions": "smoke.run",
    "SmokeReport": "smoke.run",
    "run_smoke": "smoke.run",
    "run_smoke_sync": "smoke.run",
    "Target": "smoke.targets",
}

__all__ = [
    "CheckFailed",
    "CheckResult",
    "DeploymentResult",
    "SessionError",
    "SmokeError",
    "SmokeOptions",
    "SmokeReport",
    "Target",
    "UsageError",
    "run_smoke",
    "run_smoke_sync",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smoke' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
