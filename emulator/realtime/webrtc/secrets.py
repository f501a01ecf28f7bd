"""Ephemeral client secrets (``ek_…``): minted by ``POST …/realtime/client_secrets``.

A secret is bound to one account (custom subdomain) and one deployment, carries the session
configuration it was minted with, and expires (``expires_after.seconds``, 10–7200, default
600). It authorises realtime work on that resource only: the calls endpoint and the realtime
WebSocket. Anything else (ARM, other accounts) never looks secrets up, so it is refused there.

Secrets live in the emulator process only, one ``SecretStore`` per emulator (like Azure's, they
are not listed anywhere); the store keeps a SHA-256 of each value, never the value itself, so
nothing can leak it back.
"""

from __future__ import annotations

import hashlib
import secrets as _random
import threading
from dataclasses import dataclass
from typing import Any

from emulator.realtime.handshake import SessionTarget

PREFIX = "ek_"
DEFAULT_SECONDS = 600
MIN_SECONDS = 10
MAX_SECONDS = 7200


@dataclass(frozen=True)
class ClientSecret:
    """What an ephemeral key stands for."""

    target: SessionTarget
    session: dict[str, Any]  # the validated GA session patch it was minted with
    created_at: int
    expires_at: int


class SecretLookupError(Exception):
    """Why a presented ephemeral key is refused (``reason`` is safe to show: no key text)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SecretStore:
    """Thread-safe map of ephemeral key digests to what they authorise."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, ClientSecret] = {}

    def mint(self, secret: ClientSecret) -> str:
        """Store ``secret`` under a fresh ``ek_…`` value and return the value."""
        value = PREFIX + _random.token_hex(16)
        with self._lock:
            self._drop_expired(secret.created_at)
            self._secrets[_digest(value)] = secret
        return value

    def count(self) -> int:
        """How many secrets are held (tests: a refused request minted nothing)."""
        with self._lock:
            return len(self._secrets)

    def verify(self, value: str, subdomain: str, now: float) -> ClientSecret:
        """The secret behind ``value`` if it is valid for ``subdomain`` at ``now``."""
        with self._lock:
            secret = self._secrets.get(_digest(value))
        if secret is None:
            raise SecretLookupError("the ephemeral key is not valid")
        if now >= secret.expires_at:
            raise SecretLookupError("the ephemeral key has expired")
        if secret.target.subdomain.lower() != subdomain.lower():
            raise SecretLookupError("the ephemeral key was issued for another resource")
        return secret

    def _drop_expired(self, now: float) -> None:
        # Keep expired secrets an hour so that using one says "expired", not "not valid".
        stale = [k for k, s in self._secrets.items() if now >= s.expires_at + 3600]
        for key in stale:
            del self._secrets[key]


def is_ephemeral(token: str) -> bool:
    """Whether a bearer token is an ephemeral client secret."""
    return token.startswith(PREFIX)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
