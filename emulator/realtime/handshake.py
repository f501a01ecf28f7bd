"""Who may open a realtime session on which deployment: everything decided before the upgrade.

Azure answers handshake failures with HTTP statuses on the upgrade request itself (401, 403,
404), never with an ``error`` event after accepting the socket. ``resolve`` therefore either
returns a ``SessionTarget`` or raises a ``ServiceError`` that the transport sends as the
HTTP response. It is I/O-free: lookups, token checks and RBAC come in through ``Directory``.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from emulator.errors import ServiceError
from emulator.realtime.dialects import BETA, GA, Dialect

REALTIME_DATA_ACTION = "Microsoft.CognitiveServices/accounts/OpenAI/deployments/realtime/action"
TOKEN_AUDIENCES = ["https://cognitiveservices.azure.com", "https://ai.azure.com"]
PREVIEW_API_VERSIONS = frozenset(
    {
        "2024-10-01-preview",
        "2024-12-01-preview",
        "2024-12-17-preview",
        "2025-01-01-preview",
        "2025-02-01-preview",
        "2025-03-01-preview",
        "2025-04-01-preview",
    }
)
# The GA protocol version Azure names for realtime (D4, D7). On the preview-style path it
# selects the GA dialect: that is the URL AzureOpenAI(...).realtime.connect() dials.
GA_API_VERSIONS = frozenset({"2025-08-28"})
REALTIME_ACCOUNT_KINDS = frozenset({"openai", "aiservices"})
_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class HandshakeRequest:
    """The parts of an upgrade request that matter (query names are matched case-insensitively)."""

    path_kind: str  # "ga" (/openai/v1/realtime) or "preview" (/openai/realtime)
    subdomain: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    method_path: str  # e.g. "GET /openai/v1/realtime", for PermissionDenied messages

    def param(self, name: str) -> str | None:
        """A query parameter by case-insensitive name."""
        lowered = name.lower()
        for key, value in self.query.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True)
class SessionTarget:
    """A successfully authenticated session: the dialect and the deployment it talks to."""

    dialect: Dialect
    account_id: str
    subdomain: str
    deployment: str
    model: str  # what ``session.model`` shows, e.g. "gpt-realtime-2025-08-28"
    auth: str  # "key" or "entra"
    principal_id: str | None = None


class Directory(Protocol):
    """The lookups a handshake needs (ARM state, tokens, RBAC); see ``transport.StoreDirectory``."""

    def account(self, subdomain: str) -> Any | None:
        """An account view (``id, kind, disable_local_auth, public_network_access, key1, key2,
        provisioning_state``) by custom subdomain, or None."""

    def deployment(self, account_id: str, name: str) -> Any | None:
        """A deployment view (``name, model_name, model_version, provisioning_state``) or None."""

    def verify_token(self, token: str) -> str:
        """The object id of a valid data-plane Entra token; raises ``ValueError`` (reason)."""

    def may_use_realtime(self, principal_id: str, scope: str) -> bool:
        """Whether RBAC (with the propagation delay) grants the realtime data action at scope."""

    def now(self) -> float:
        """Wall-clock seconds."""


def resolve(req: HandshakeRequest, directory: Directory) -> SessionTarget:
    """Check URL, account, credentials, RBAC and deployment; raises ``ServiceError``."""
    dialect, deployment_name = _dialect_and_deployment(req)
    account = directory.account(req.subdomain)
    if account is None or _state(account.provisioning_state, directory) != "Succeeded":
        raise ServiceError(404, "404", "Resource not found")
    if str(account.kind).lower() not in REALTIME_ACCOUNT_KINDS:
        raise ServiceError(404, "404", "Resource not found")
    if str(getattr(account, "public_network_access", "Enabled") or "Enabled") == "Disabled":
        raise ServiceError(
            403, "AccessDenied", "Public access is disabled. Please configure private endpoint."
        )
    auth, principal = _authenticate(req, account, directory)
    deployment = directory.deployment(account.id, deployment_name)
    state = "" if deployment is None else _state(deployment.provisioning_state, directory)
    if state == "Disabled":
        raise ServiceError(
            403,
            "DeploymentDisabled",
            f"The deployment '{deployment_name}' is disabled and cannot serve requests.",
        )
    if deployment is None or state != "Succeeded":
        raise deployment_not_found()
    model_name = str(deployment.model_name)
    if "realtime" not in model_name.lower():
        raise ServiceError(
            400,
            "OperationNotSupported",
            f"The realtime operation does not work with the specified model, {model_name}. "
            "Please choose different model and try again. You can learn more about which "
            "models can be used with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993.",
        )
    return SessionTarget(
        dialect=dialect,
        account_id=account.id,
        subdomain=req.subdomain,
        deployment=str(deployment.name),
        model=model_id(model_name, str(deployment.model_version or "")),
        auth=auth,
        principal_id=principal,
    )


def model_id(name: str, version: str) -> str:
    """``gpt-realtime`` + ``2025-08-28`` -> ``gpt-realtime-2025-08-28`` (dated names kept)."""
    if not version or _DATED.search(name):
        return name
    return f"{name}-{version}"


def deployment_not_found() -> ServiceError:
    """Azure's answer for a deployment that does not exist (yet)."""
    return ServiceError(
        404,
        "DeploymentNotFound",
        "The API deployment for this resource does not exist. If you created the deployment "
        "within the last 5 minutes, please wait a moment and try again.",
    )


def _dialect_and_deployment(req: HandshakeRequest) -> tuple[Dialect, str]:
    api_version = req.param("api-version")
    if req.path_kind == "ga":
        if api_version is not None:
            # D6: "The api-version query parameter is no longer supported in GA endpoint URLs"
            raise ServiceError(
                401,
                "401",
                "The api-version query parameter is not supported on the GA endpoint "
                "(/openai/v1/realtime). Remove it, or use /openai/realtime for preview versions.",
            )
        model = req.param("model")
        if not model:
            raise ServiceError(
                400, "BadRequest", "Missing required query parameter 'model' (the deployment name)."
            )
        return GA, model
    if api_version is None or api_version not in PREVIEW_API_VERSIONS | GA_API_VERSIONS:
        raise ServiceError(404, "404", "Resource not found")
    deployment = req.param("deployment")
    if not deployment:
        raise deployment_not_found()
    return (GA if api_version in GA_API_VERSIONS else BETA), deployment


def _authenticate(
    req: HandshakeRequest, account: Any, directory: Directory
) -> tuple[str, str | None]:
    key = _header(req.headers, "api-key") or req.param("api-key")
    bearer = _bearer(_header(req.headers, "authorization") or req.param("authorization") or "")
    if key is None and bearer is not None and req.path_kind == "ga" and "." not in bearer:
        key = bearer  # the GA endpoint takes the resource key as a Bearer token (D7)
        bearer = None
    if key is not None:
        if getattr(account, "disable_local_auth", False):
            raise ServiceError(
                403,
                "AuthenticationTypeDisabled",
                "Key based authentication is disabled for this resource.",
            )
        if not any(_same(key, k) for k in (account.key1, account.key2) if k):
            raise ServiceError(
                401,
                "401",
                "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
                "to provide a valid key for an active subscription and use a correct regional "
                "API endpoint for your resource.",
            )
        return "key", None
    if bearer is None:
        raise ServiceError(
            401,
            "401",
            "Access denied due to missing subscription key. Make sure to include subscription "
            "key when making requests to an API.",
        )
    try:
        principal = directory.verify_token(bearer)
    except ValueError as exc:
        raise ServiceError(
            401,
            "401",
            "Unauthorized. Access token is missing, invalid, audience is incorrect "
            "(https://cognitiveservices.azure.com), or have expired.",
            headers={
                "WWW-Authenticate": f'Bearer error="invalid_token", '
                f'error_description="{_quote(str(exc))}"'
            },
        ) from None
    if not directory.may_use_realtime(principal, account.id):
        raise ServiceError(
            401,
            "PermissionDenied",
            f"The principal `{principal}` lacks the required data action "
            f"`{REALTIME_DATA_ACTION}` to perform `{req.method_path}` operation.",
        )
    return "entra", principal


def _state(value: Any, directory: Directory) -> str:
    return str(value(directory.now()) if callable(value) else value)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _bearer(value: str) -> str | None:
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), str(b).encode())


def _quote(text: str) -> str:
    return text.replace("\\", "").replace('"', "'")
