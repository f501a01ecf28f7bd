"""An encrypted on-disk cache for access tokens of credentials that hold a secret.

Each ``provision`` command is a new process; without a cache every command signs in again
(one Entra request and, with azure-identity, ≈ 0.2 s of msal import). The cache holds tokens
only for client-secret credentials (the emulator's principals, a service principal from
``AZURE_CLIENT_ID``/``AZURE_TENANT_ID``/``AZURE_CLIENT_SECRET``): the file is encrypted with
AES-256-GCM under a key derived (HKDF-SHA256) from the client secret, the tenant, the client id
and the authority, so only someone who already holds the secret can read it, and a changed
secret simply misses. Files are written atomically with mode 0600 in a 0700 directory; a file
that is corrupt, truncated or does not decrypt is ignored (and replaced on the next save), a
token is used only while it has more than ``REFRESH_MARGIN_S`` left. Nothing else (Azure CLI,
managed identity, workload identity) is cached by us.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["REFRESH_MARGIN_S", "CachedToken", "ClientIdentity", "TokenStore", "user_cache_dir"]

REFRESH_MARGIN_S = 300.0  # azure-identity refreshes 5 minutes before expiry; so do we
_MAGIC = b"RTKT1"
_NONCE = 12


@dataclass(frozen=True)
class ClientIdentity:
    """Who a token belongs to; ``secret`` keys the encryption and is never written."""

    authority: str
    tenant_id: str
    client_id: str
    secret: str = ""

    def label(self, scope: str) -> bytes:
        return "\n".join(
            (self.authority.rstrip("/"), self.tenant_id, self.client_id, scope)
        ).encode()


@dataclass(frozen=True)
class CachedToken:
    token: str
    expires_on: float  # POSIX seconds

    def usable(self, now: float | None = None) -> bool:
        return self.expires_on - (time.time() if now is None else now) > REFRESH_MARGIN_S


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/realtime-toolkit/tokens`` (default ``~/.cache/...``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "realtime-toolkit" / "tokens"


class TokenStore:
    """Tokens of one ``ClientIdentity`` in ``directory``, one file per scope."""

    def __init__(self, directory: Path, identity: ClientIdentity) -> None:
        self.directory = directory
        self.identity = identity

    def path(self, scope: str) -> Path:
        # The name says nothing about the identity (a digest of who + scope, no secret).
        digest = hashlib.sha256(self.identity.label(scope)).hexdigest()[:32]
        return self.directory / f"{digest}.token"

    def load(self, scope: str) -> CachedToken | None:
        """The cached token for ``scope`` if present, readable with our key and still usable."""
        try:
            blob = self.path(scope).read_bytes()
        except OSError:
            return None
        cached = self._decrypt(blob, scope)
        return cached if cached is not None and cached.usable() else None

    def save(self, scope: str, token: CachedToken) -> None:
        """Write atomically (temp file, 0600, rename); failures leave no cache, never raise."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            target = self.path(scope)
            temp = target.with_name(f".{target.name}.{os.getpid()}")
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(self._encrypt(token, scope))
            os.replace(temp, target)
        except OSError:
            return  # an unwritable cache only costs the next command a sign-in

    def forget(self, scope: str) -> None:
        with contextlib.suppress(OSError):
            self.path(scope).unlink()

    # -- crypto ------------------------------------------------------------------------------
    def _key(self, scope: str) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        kdf = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=b"realtime-toolkit token store v1",
            info=self.identity.label(scope),
        )
        return kdf.derive(self.identity.secret.encode())

    def _encrypt(self, token: CachedToken, scope: str) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(_NONCE)
        plain = json.dumps({"token": token.token, "expires_on": token.expires_on}).encode()
        sealed = AESGCM(self._key(scope)).encrypt(nonce, plain, self.identity.label(scope))
        return _MAGIC + nonce + sealed

    def _decrypt(self, blob: bytes, scope: str) -> CachedToken | None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if not blob.startswith(_MAGIC) or len(blob) < len(_MAGIC) + _NONCE + 16:
            return None
        nonce = blob[len(_MAGIC) : len(_MAGIC) + _NONCE]
        try:
            plain = AESGCM(self._key(scope)).decrypt(
                nonce, blob[len(_MAGIC) + _NONCE :], self.identity.label(scope)
            )
            doc = json.loads(plain)
            return CachedToken(str(doc["token"]), float(doc["expires_on"]))
        except (InvalidTag, ValueError, KeyError, TypeError):
            return None
