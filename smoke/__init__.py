"""Realtime smoke checks: prove each deployment serves speech to the identity that will use it.

Public API::

    from smoke import Target, SmokeOptions, run_smoke, run_smoke_sync
    from smoke import CheckResult, SmokeReport, SmokeError
"""

from smoke.checks import CheckResult
from smoke.errors import CheckFailed, SessionError, SmokeError, UsageError
from smoke.run import DeploymentResult, SmokeOptions, SmokeReport, Target, run_smoke, run_smoke_sync

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
