"""What a provisioned environment offers its clients: endpoint, deployments, realtime URLs.

Dialects: ``ga`` models (gpt-realtime*) use ``/openai/v1/realtime?model=<deployment>``;
``preview`` models (*-realtime-preview) use
``/openai/realtime?api-version=2025-04-01-preview&deployment=<deployment>``.
"""

from __future__ import annotations

from typing import Any

from provision.model import ActualState, DesiredState

PREVIEW_API_VERSION = "2025-04-01-preview"
ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"


def dialect(model: str) -> str:
    """``preview`` for *-preview models, else ``ga``."""
    return "preview" if model.endswith("-preview") else "ga"


def realtime_url(endpoint: str, deployment: str, model: str) -> str:
    """The wss URL a realtime client opens for ``deployment``."""
    base = endpoint.rstrip("/") + "/"
    if base.startswith("https://"):
        base = "wss://" + base.removeprefix("https://")
    if dialect(model) == "preview":
        return f"{base}openai/realtime?api-version={PREVIEW_API_VERSION}&deployment={deployment}"
    return f"{base}openai/v1/realtime?model={deployment}"


def openai_endpoint(endpoints: dict[str, str], endpoint: str | None) -> str | None:
    """The OpenAI endpoint of an account (AIServices accounts list it separately)."""
    for key in ("OpenAI Realtime API", "OpenAI Language Model Instance API"):
        if endpoints.get(key):
            return endpoints[key]
    return endpoint


def build(desired: DesiredState, actual: ActualState) -> dict[str, Any]:
    """Outputs as JSON-ready data; ``provisioned`` is False when the account is missing."""
    acct = actual.account
    endpoint = openai_endpoint(acct.endpoints, acct.endpoint) if acct else None
    deployed = {d.name: d for d in actual.deployments}
    deployments = []
    for spec in desired.deployments:
        state = deployed.get(spec.name)
        deployments.append(
            {
                "name": spec.name,
                "model": spec.model,
                "version": state.version if state else spec.version,
                "dialect": dialect(spec.model),
                "realtime_url": realtime_url(endpoint, spec.name, spec.model) if endpoint else None,
                "provisioning_state": state.provisioning_state if state else None,
            }
        )
    return {
        "environment": desired.environment,
        "target": desired.target,
        "subscription_id": desired.subscription_id,
        "resource_group": desired.resource_group.name,
        "account": desired.account.name,
        "account_id": desired.account_id,
        "location": desired.account.location,
        "provisioned": acct is not None,
        "endpoint": endpoint,
        "auth": {
            "entra_scope": ENTRA_SCOPE,
            "local_auth": not desired.account.disable_local_auth,
        },
        "deployments": deployments,
        "role_assignments": [
            {"principal": ra.principal, "principal_id": ra.principal_id, "role": ra.role_name}
            for ra in desired.role_assignments
        ],
    }
