"""RS256 access tokens: the signing key, issuing and verifying."""

from __future__ import annotations

import base64
import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.entra.principals import PrincipalRecord

KEY_FILE = "signing-key.pem"


class TokenError(Exception):
    """A token that cannot be accepted; the message says why (never the token itself)."""


@dataclass(frozen=True)
class Claims:
    """The verified claims a service needs."""

    object_id: str
    tenant_id: str
    app_id: str
    audience: str
    expires_at: int
    raw: dict[str, Any]


class TokenService:
    """Issues and verifies tokens for one tenant with a key persisted in the state directory."""

    def __init__(self, state_dir: Path, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self._key = _load_or_create_key(state_dir / KEY_FILE)
        public_der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(public_der).digest()[:15]).decode()

    def issuer(self, authority: str) -> str:
        """The ``iss`` claim for this tenant at a given authority URL."""
        return f"{authority}/{self.tenant_id}/v2.0"

    def issue(
        self, principal: PrincipalRecord, audience: str, authority: str, lifetime: int
    ) -> tuple[str, int]:
        """A signed token for ``principal``; returns (token, expires_in seconds)."""
        now = int(time.time())
        claims = {
            "aud": audience,
            "iss": self.issuer(authority),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "oid": principal.object_id,
            "sub": principal.object_id,
            "tid": self.tenant_id,
            "appid": principal.client_id,
            "azp": principal.client_id,
            "idtyp": "app",
            "ver": "2.0",
            "uti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
        return token, lifetime

    def verify(self, token: str, audiences: list[str]) -> Claims:
        """Check signature, expiry, tenant and audience; raises ``TokenError``."""
        try:
            raw = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                options={"verify_aud": False, "require": ["exp", "oid", "tid", "aud"]},
                leeway=0,
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("the token has expired") from None
        except jwt.PyJWTError as exc:
            raise TokenError(f"the token could not be validated ({type(exc).__name__})") from None
        if raw["tid"] != self.tenant_id:
            raise TokenError("the token was issued for another tenant")
        audience = str(raw["aud"])
        if _norm_aud(audience) not in {_norm_aud(a) for a in audiences}:
            raise TokenError(f"the audience '{audience}' is not accepted here")
        return Claims(
            object_id=raw["oid"],
            tenant_id=raw["tid"],
            app_id=raw.get("appid", ""),
            audience=audience,
            expires_at=int(raw["exp"]),
            raw=raw,
        )

    def jwks(self) -> dict[str, Any]:
        """The public key set (``/discovery/v2.0/keys``)."""
        numbers = self._key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": self.kid,
                    "n": _b64int(numbers.n),
                    "e": _b64int(numbers.e),
                }
            ]
        }


def audience_for_scope(scope: str) -> str:
    """``https://cognitiveservices.azure.com/.default`` -> ``https://cognitiveservices.azure.com``."""
    first = scope.split()[0] if scope.split() else ""
    return first.removesuffix("/.default").removesuffix(".default").rstrip("/")


def _norm_aud(audience: str) -> str:
    return audience.rstrip("/").lower()


def _b64int(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return key
