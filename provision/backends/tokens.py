"""Access tokens for ARM: a client-secret grant with an encrypted cache, or azure-identity.

``ClientSecretTokens`` serves credentials that hold a secret (the emulator's principals; a
service principal from ``AZURE_CLIENT_ID``/``AZURE_TENANT_ID``/``AZURE_CLIENT_SECRET``): one
OAuth 2.0 client-credentials request (``POST {authority}/{tenant}/oauth2/v2.0/token``) over
the read path's own connection, cached encrypted on disk (``token_store``). That is one Entra
request when nothing is cached and none when a token is, and neither azure-identity nor msal is
imported (≈ 0.2 s per process; msal would also fetch the OpenID configuration first).
Every other sign-in (Azure CLI, managed identity, workload identity) goes through
``DefaultAzureCredential`` (``CredentialTokens``) and is not cached by us.

``SdkCredential`` lends either source to the management SDK clients used for writes, so a
command signs in once whatever it does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlencode

from provision.backends.http import HttpsPool, TransportError
from provision.backends.signin import fix_advice
from provision.backends.token_store import CachedToken, ClientIdentity, TokenStore
from provision.errors import AuthError, AzureApiError

__all__ = [
    "AccessTokenInfo",
    "BearerTokens",
    "ClientSecretTokens",
    "CredentialTokens",
    "SdkCredential",
    "TokenSource",
]


class TokenSource(Protocol):
    """Where ARM bearer tokens come from."""

    def access(self, scope: str) -> CachedToken:
        """A usable token for ``scope`` (cached when the source caches); raises AuthError."""

    def renew(self, scope: str) -> CachedToken | None:
        """After a 401: a new token if the last one came from a cache, else None."""


class ClientSecretTokens:
    """Client-credentials grant for one ``ClientIdentity``; ``store`` caches across processes."""

    def __init__(
        self, pool: HttpsPool, identity: ClientIdentity, store: TokenStore | None = None
    ) -> None:
        self._pool = pool
        self._identity = identity
        self._store = store
        self._lock = threading.Lock()
        self._tokens: dict[str, CachedToken] = {}
        self._from_cache: set[str] = set()
        self.requests = 0  # Entra requests made by this source

    def access(self, scope: str) -> CachedToken:
        with self._lock:
            held = self._tokens.get(scope)
            if held is not None and held.usable():
                return held
            cached = self._store.load(scope) if self._store is not None else None
            if cached is not None:
                self._from_cache.add(scope)
            else:
                cached = self._fetch(scope)
            self._tokens[scope] = cached
            return cached

    def renew(self, scope: str) -> CachedToken | None:
        with self._lock:
            if scope not in self._from_cache:
                return None
            self._from_cache.discard(scope)
            if self._store is not None:
                self._store.forget(scope)
            self._tokens[scope] = self._fetch(scope)
            return self._tokens[scope]

    def _fetch(self, scope: str) -> CachedToken:
        ident = self._identity
        url = f"{ident.authority.rstrip('/')}/{ident.tenant_id}/oauth2/v2.0/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": ident.client_id,
            "client_secret": ident.secret,
            "scope": scope,
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        self.requests += 1
        try:
            answer = self._pool.request("POST", url, headers, urlencode(form).encode())
        except TransportError as exc:
            raise AzureApiError(f"signing in: {exc}", code="ConnectionError") from None
        doc = _json(answer.body)
        if answer.status != 200 or not isinstance(doc.get("access_token"), str):
            raise _signin_failed(answer.status, doc)
        expires_in = float(doc.get("expires_in") or 0)
        token = CachedToken(doc["access_token"], time.time() + expires_in)
        if self._store is not None:
            self._store.save(scope, token)
        return token


def _json(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _signin_failed(status: int, doc: dict[str, Any]) -> AzureApiError | AuthError:
    """Entra's answer as one line with the fix; its description (no secrets) for --debug."""
    error = str(doc.get("error") or f"HTTP {status}")
    detail = str(doc.get("error_description") or error)
    if status == 429 or status >= 500:
        return AzureApiError(f"signing in: Entra answered {status} {error}", status=status)
    return AuthError(
        f"signing in to Azure Resource Manager: Azure sign-in failed ({error}); {fix_advice()}",
        detail=detail,
    )


class CredentialTokens:
    """Tokens from an azure-identity credential built on first use (not cached by us)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._credential: Any = None
        self._lock = threading.Lock()

    def access(self, scope: str) -> CachedToken:
        from provision.backends.azure_errors import map_azure_errors

        with self._lock:
            if self._credential is None:
                self._credential = self._factory()
            credential = self._credential
        with map_azure_errors("signing in to Azure Resource Manager"):
            token = credential.get_token(scope)  # azure-identity caches it in memory
        return CachedToken(token.token, float(token.expires_on))

    def renew(self, scope: str) -> CachedToken | None:
        return None  # azure-identity's token was fresh: a 401 is a real refusal


class SdkCredential:
    """A ``TokenCredential`` for the azure-mgmt clients, backed by a ``TokenSource``."""

    def __init__(self, source: TokenSource) -> None:
        self._source = source

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        token = self._source.access(scopes[0])
        return AccessToken(token.token, int(token.expires_on))


class AccessTokenInfo(NamedTuple):
    """``(token, expires_on)``: the shape of azure-core's ``AccessToken``, without azure-core."""

    token: str
    expires_on: int


class BearerTokens:
    """A ``get_token(scope)`` credential for data-plane clients (smoke, readiness).

    Same grant and encrypted cache as ARM's tokens, and no azure-identity or azure-core import
    (≈ 0.25 s of a ``smoke run --env local``).
    """

    def __init__(self, source: TokenSource) -> None:
        self._source = source

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessTokenInfo:
        token = self._source.access(scopes[0])
        return AccessTokenInfo(token.token, int(token.expires_on))
