"""Credentials for the realtime handshake: Entra tokens (keyless, the default) or API keys.

A credential produces the secret for one handshake header; it never prints it. ``repr`` and
``describe()`` are safe to log.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Protocol

from smoke.errors import AuthError, UsageError

__all__ = [
    "COGNITIVE_SCOPE",
    "DEFAULT_SIGN_IN_FIX",
    "MIN_KEY_LENGTH",
    "Credential",
    "EntraCredential",
    "KeyCredential",
    "default_entra",
    "key_from_env",
]

COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"
# Azure OpenAI keys are 32 (classic) or 84 characters; anything this short is a typo or a
# placeholder. Refusing it also keeps redaction sane: scrubbing a 1-character "secret" out of
# every report would rewrite unrelated text.
MIN_KEY_LENGTH = 16
DEFAULT_SIGN_IN_FIX = (
    "sign in with `az login` (then `az account set --subscription ID`), or in CI set "
    "AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE (workload identity)"
)


class Credential(Protocol):
    """Something that yields the handshake secret for ``kind`` ``entra`` or ``key``."""

    kind: str

    async def secret(self) -> str:
        """The token or key; raises AuthError."""
        ...

    def describe(self) -> str:
        """A short, secret-free label for reports."""
        ...


class KeyCredential:
    """A resource API key, sent as the ``api-key`` header."""

    kind = "key"

    def __init__(self, key: str, source: str = "key") -> None:
        if not key:
            raise UsageError(f"empty API key from {source}")
        if len(key.strip()) < MIN_KEY_LENGTH:
            raise UsageError(
                f"the API key from {source} is {len(key.strip())} characters long, too short to "
                f"be a real key (at least {MIN_KEY_LENGTH}; Azure keys have 32 or more)"
            )
        self._key = key
        self._source = source

    async def secret(self) -> str:
        return self._key

    def describe(self) -> str:
        return f"key ({self._source})"

    def __repr__(self) -> str:
        return f"KeyCredential(source={self._source!r})"


class EntraCredential:
    """An azure-identity token credential, sent as ``Authorization: Bearer``."""

    kind = "entra"

    def __init__(
        self,
        token_credential: Any,
        label: str,
        scope: str = COGNITIVE_SCOPE,
        fix: str = DEFAULT_SIGN_IN_FIX,
    ) -> None:
        self._credential = token_credential
        self._label = label
        self._scope = scope
        self._fix = fix

    async def secret(self) -> str:
        # azure-identity's sync credentials block on HTTP; keep the event loop free.
        try:
            token = await asyncio.to_thread(self._credential.get_token, self._scope)
        except Exception as exc:  # azure-identity raises several unrelated types
            first_line = (str(exc).strip().splitlines() or [""])[0][:200]
            raise AuthError(
                f"could not get an Entra token for {self._label}: "
                f"{type(exc).__name__}: {first_line}\nfix: {self._fix}",
                debug_detail=str(exc),
            ) from None
        return str(token.token)

    def describe(self) -> str:
        return f"entra ({self._label})"

    def __repr__(self) -> str:
        return f"EntraCredential(label={self._label!r})"


def default_entra() -> EntraCredential:
    """``DefaultAzureCredential`` (CLI login, managed identity, workload identity, env vars)."""
    from azure.identity import DefaultAzureCredential

    return EntraCredential(
        DefaultAzureCredential(exclude_interactive_browser_credential=True),
        "DefaultAzureCredential",
    )


def key_from_env(variable: str) -> KeyCredential:
    """An API key read from environment variable ``variable``; UsageError when unset."""
    value = os.environ.get(variable, "")
    if not value:
        raise UsageError(f"environment variable {variable} is not set (needed for --auth key)")
    return KeyCredential(value, f"${variable}")
