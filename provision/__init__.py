"""Provision Azure OpenAI realtime deployments from ``environments/<env>.toml``.

Stages: ``config`` (load, validate) -> ``resolve`` (desired state) -> ``facts`` (actual state)
-> ``plan.diff`` (pure) -> ``preflight`` -> ``apply.execute``; ``session`` opens an
environment (the read side), ``orchestrate`` runs ``up``/``down`` (the write side) and ``cli``
is the command line. Public names are imported lazily so that ``provision --help`` never pays
for pydantic or the Azure SDKs.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ApplyError": "provision.errors",
    "ConfigError": "provision.errors",
    "DesiredState": "provision.model",
    "ActualState": "provision.model",
    "Plan": "provision.changes",
    "PlanError": "provision.errors",
    "PreflightError": "provision.errors",
    "ProvisionError": "provision.errors",
    "diff": "provision.plan",
    "execute": "provision.apply",
    "load_environment": "provision.config",
    "open_session": "provision.session",
    "up": "provision.orchestrate",
    "down": "provision.orchestrate",
    "plan_down": "provision.teardown",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'provision' has no attribute {name!r}")
