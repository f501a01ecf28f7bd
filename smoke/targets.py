"""What smoke checks: :class:`Target` (one deployment behind one endpoint with one credential),
and the targets of ``--endpoint URL --deployment NAME`` (no environment file).

Targets of an environment file come from an :class:`~smoke.environments.EnvironmentSource`
(provision implements it); this module knows nothing of provision or the emulator. Light
imports only: provision builds targets in ``validate``/``outputs`` paths too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from smoke.auth import Credential, default_entra, key_from_env
from smoke.errors import UsageError
from smoke.realtime.dialects import Dialect, choose_dialect, realtime_url

__all__ = ["DEFAULT_KEY_VARIABLE", "Target", "targets_for_endpoint"]

DEFAULT_KEY_VARIABLE = "AZURE_OPENAI_API_KEY"


@dataclass(frozen=True, kw_only=True)
class Target:
    """One deployment to check: where it is, what it runs, how to authenticate.

    ``endpoint`` is the account endpoint (``https://NAME.openai.azure.com/``, or the emulator's
    per-account URL); ``ca_path`` a PEM bundle to trust besides the system store.
    """

    name: str
    endpoint: str
    deployment: str
    dialect: Dialect
    credential: Credential = field(repr=False)
    model: str | None = None
    ca_path: Path | None = None

    @property
    def url(self) -> str:
        """The realtime WebSocket URL (raises UsageError for an unusable endpoint)."""
        return realtime_url(self.endpoint, self.deployment, self.dialect)


def targets_for_endpoint(
    endpoint: str,
    deployments: Sequence[str],
    *,
    model: str | None = None,
    dialect: str | None = None,
    auth: str = "entra",
    api_key_env: str = DEFAULT_KEY_VARIABLE,
    ca_path: Path | None = None,
) -> list[Target]:
    """Targets for ``--endpoint URL --deployment D`` without any environment file."""
    if not deployments:
        raise UsageError("--endpoint needs at least one --deployment")
    credential = _credential(auth, api_key_env)
    return [
        Target(
            name=name,
            endpoint=endpoint,
            deployment=name,
            model=model or name,
            dialect=choose_dialect(model or name, dialect),
            credential=credential,
            ca_path=ca_path,
        )
        for name in deployments
    ]


def _credential(auth: str, api_key_env: str) -> Credential:
    if auth == "key":
        return key_from_env(api_key_env)
    if auth == "entra":
        return default_entra()
    raise UsageError(f"unknown --auth {auth!r}; use entra or key")
