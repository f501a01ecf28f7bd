"""Build the backend for a target: the emulator (a principal of its connection.json) or Azure.

Light on purpose (no azure-* import): a read command opens its target through here and never
touches the SDKs when a token is cached. ``emulator_credential`` is the azure-identity
credential for data-plane clients (readiness, smoke), imported only when asked for.
"""

from __future__ import annotations

import inspect
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provision.backends.arm import ArmBackend
from provision.backends.http import HttpsPool
from provision.backends.token_store import ClientIdentity, TokenStore, user_cache_dir
from provision.backends.tokens import (
    BearerTokens,
    ClientSecretTokens,
    CredentialTokens,
    SdkCredential,
    TokenSource,
)
from provision.model import Principal

if TYPE_CHECKING:
    from provision.backends.azure import SdkWriter

__all__ = [
    "azure_backend",
    "emulator_backend",
    "emulator_credential",
    "emulator_data_plane_credential",
    "token_dir_of",
]

PUBLIC_ARM = "https://management.azure.com"
PUBLIC_AUTHORITY = "https://login.microsoftonline.com"
_SECRET_VARIABLES = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")


def token_dir_of(connection: Any) -> Path:
    """The emulator's token cache: ``<state dir>/tokens`` (next to its CA and connection.json)."""
    return Path(connection.ca_bundle).parent / "tokens"


def emulator_backend(
    connection: Any, subscription_id: str | None = None, *, principal: str = "deployer"
) -> ArmBackend:
    """A backend acting as the emulator principal ``principal``, trusting its CA; its ARM token
    is cached encrypted under the emulator's state directory."""
    principals = {
        name: Principal(p.object_id, "ServicePrincipal")
        for name, p in connection.principals.items()
    }
    me = connection.principals[principal]
    identity = ClientIdentity(
        connection.authority_url, connection.tenant_id, me.client_id, me.client_secret
    )
    ca = str(connection.ca_bundle)
    pool = HttpsPool(ca)
    tokens = ClientSecretTokens(pool, identity, TokenStore(token_dir_of(connection), identity))
    sub = subscription_id or connection.subscription_id
    return ArmBackend(
        pool,
        tokens,
        sub,
        connection.arm_url,
        writer=lambda: _writer(tokens, sub, base_url=connection.arm_url, verify=ca, polling=1.0),
        me=principals.get(principal),
        principals=principals,
    )


def azure_backend(subscription_id: str, environ: dict[str, str] | None = None) -> ArmBackend:
    """A backend for real Azure: a service principal with a client secret from the
    environment (``AZURE_TENANT_ID``/``AZURE_CLIENT_ID``/``AZURE_CLIENT_SECRET``, the first
    thing ``DefaultAzureCredential`` would use) gets the cached client-secret grant; every
    other sign-in goes through ``DefaultAzureCredential`` (Azure CLI, workload identity,
    managed identity...) uncached."""
    env = os.environ if environ is None else environ
    pool = HttpsPool()
    tokens: TokenSource
    if all(env.get(name) for name in _SECRET_VARIABLES):
        authority = env.get("AZURE_AUTHORITY_HOST") or PUBLIC_AUTHORITY
        authority = authority if "://" in authority else f"https://{authority}"
        identity = ClientIdentity(
            authority, env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"]
        )
        tokens = ClientSecretTokens(pool, identity, TokenStore(user_cache_dir(), identity))
    else:
        tokens = CredentialTokens(_default_credential)
    return ArmBackend(
        pool,
        tokens,
        subscription_id,
        PUBLIC_ARM,
        writer=lambda: _writer(tokens, subscription_id, base_url=None, verify=None, polling=5.0),
    )


def _default_credential() -> Any:
    from azure.identity import DefaultAzureCredential

    # azure-identity logs the whole credential chain as a warning when sign-in fails; our
    # AuthError says it in one line and keeps the chain for --debug (which configures logging).
    logging.getLogger("azure").addHandler(logging.NullHandler())
    return DefaultAzureCredential()


def _writer(
    tokens: TokenSource,
    subscription_id: str,
    *,
    base_url: str | None,
    verify: str | None,
    polling: float,
) -> SdkWriter:
    from provision.backends.azure import SdkWriter

    return SdkWriter(
        SdkCredential(tokens),
        subscription_id,
        base_url=base_url,
        verify=verify,
        polling_interval=polling,
    )


def emulator_data_plane_credential(connection: Any, principal: str = "app") -> BearerTokens:
    """Data-plane tokens (realtime handshakes) of an emulator principal: the client-secret grant
    with the encrypted cache under the emulator's state directory, as for ARM."""
    me = connection.principals[principal]
    identity = ClientIdentity(
        connection.authority_url, connection.tenant_id, me.client_id, me.client_secret
    )
    pool = HttpsPool(str(connection.ca_bundle))
    return BearerTokens(
        ClientSecretTokens(pool, identity, TokenStore(token_dir_of(connection), identity))
    )


def emulator_credential(connection: Any, principal: str = "deployer", **kwargs: Any) -> Any:
    """A ``ClientSecretCredential`` for a principal named in the emulator's connection.json
    (``kwargs``, e.g. a shared ``transport``, go to the credential when the API takes them)."""
    from emulator.api import sdk_credential

    if kwargs and not _takes_kwargs(inspect.signature(sdk_credential)):
        kwargs = {}  # an emulator.api without pass-through: the credential opens its own
    return sdk_credential(connection, principal, **kwargs)


def _takes_kwargs(signature: Any) -> bool:
    return any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
