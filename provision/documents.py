"""The JSON documents ``provision`` prints under ``--json``; each has a ``format_version`` and a
schema in ``docs/schemas/<name>.schema.json`` (plan, status, outputs, models, validate, error).

Builders take library objects and return plain dicts; nothing here prints or does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from provision.errors import ApplyError, ConfigError, PreflightError

FORMAT_VERSION = 1


def plan_document(
    plan: Any, preflight: Sequence[Any] = (), lifecycle: Sequence[Any] = ()
) -> dict[str, Any]:
    """``provision plan --json`` (docs/schemas/plan.schema.json)."""
    return {
        "format_version": FORMAT_VERSION,
        **plan.to_dict(),
        "preflight": [f.to_dict() for f in preflight],
        "lifecycle": [w.to_dict() for w in lifecycle],
    }


def status_document(plan: Any, lifecycle: Sequence[Any] = ()) -> dict[str, Any]:
    """``provision status --json`` (docs/schemas/status.schema.json)."""
    drift = [c.to_dict() for c in plan.pending]
    return {
        "format_version": FORMAT_VERSION,
        "environment": plan.environment,
        "in_sync": not drift,
        "drift": drift,
        "lifecycle": [w.to_dict() for w in lifecycle],
    }


def validate_document(loaded: Any, warnings: Sequence[str] = ()) -> dict[str, Any]:
    """``provision validate --json`` (docs/schemas/validate.schema.json)."""
    cfg = loaded.config
    return {
        "format_version": FORMAT_VERSION,
        "environment": cfg.name,
        "file": str(loaded.path),
        "valid": True,
        "target": cfg.target,
        "deployments": [d.name for d in cfg.deployments],
        "warnings": list(warnings),
    }


def error_document(exc: BaseException, exit_code: int) -> dict[str, Any]:
    """Any failure under ``--json`` (docs/schemas/error.schema.json); never holds secrets
    (messages are built from ARM codes and our own text only)."""
    error: dict[str, Any] = {
        "type": type(exc).__name__,
        "message": str(exc) or type(exc).__name__,
        "exit_code": exit_code,
    }
    if isinstance(exc, ConfigError):
        error["problems"] = [{"key": k or "<file>", "message": m} for k, m in exc.problems]
    if isinstance(exc, PreflightError):
        error["preflight"] = [f.to_dict() for f in exc.failures]
    if isinstance(exc, ApplyError):
        error["applied"] = [c.describe() for c in exc.applied]
        error["not_attempted"] = [c.describe() for c in exc.pending]
    warnings = getattr(exc, "warnings", None)
    if warnings and all(hasattr(w, "to_dict") for w in warnings):
        error["lifecycle"] = [w.to_dict() for w in warnings]
    return {"format_version": FORMAT_VERSION, "error": error}
