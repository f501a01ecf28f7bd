"""The two HTTPS calls of the GA WebRTC flow: ``client_secrets`` and ``calls``.

A refusal becomes :class:`~smoke.errors.HandshakeError` (status, Azure error code, a short
detail without our secrets, ``Retry-After``) so the readiness policy treats it like a refused
WebSocket upgrade; network trouble becomes :class:`~smoke.errors.TransportError`.
"""

from __future__ import annotations

import json
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from smoke.errors import HandshakeError, SmokeTimeout, TransportError, UsageError

__all__ = ["ClientSecret", "mint_client_secret", "post_offer", "ssl_context", "v1_url"]

_DETAIL_CHARS = 300


@dataclass(frozen=True, kw_only=True)
class ClientSecret:
    """An ephemeral key and when it expires (epoch seconds); ``minted_at`` is local time."""

    value: str = field(repr=False)
    expires_at: int
    minted_at: float
    requested_seconds: int


def ssl_context(ca_path: Path | None) -> ssl.SSLContext:
    """System trust plus ``ca_path`` when given."""
    try:
        return ssl.create_default_context(cafile=str(ca_path) if ca_path else None)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"cannot load CA bundle {ca_path}: {exc}") from None


def v1_url(endpoint: str, path: str) -> str:
    """``{endpoint}openai/v1/{path}`` (the account endpoint ends with or without a slash)."""
    return endpoint.rstrip("/") + "/openai/v1/" + path.lstrip("/")


async def mint_client_secret(
    endpoint: str,
    headers: dict[str, str],
    session: dict[str, Any],
    *,
    seconds: int,
    context: ssl.SSLContext,
    timeout: float,
    secrets: list[str],
) -> ClientSecret:
    """``POST …/realtime/client_secrets`` with the caller's identity."""
    body = {"session": session, "expires_after": {"anchor": "created_at", "seconds": seconds}}
    status, reply_headers, text = await _post(
        v1_url(endpoint, "realtime/client_secrets"),
        json.dumps(body).encode(),
        {**headers, "Content-Type": "application/json"},
        context,
        timeout,
        "the client secret",
    )
    if status != 200:
        raise _refusal(status, reply_headers, text, secrets)
    try:
        data = json.loads(text)
        value, expires_at = str(data["value"]), int(data["expires_at"])
    except (ValueError, KeyError, TypeError):
        raise TransportError("client_secrets answered 200 without value/expires_at") from None
    return ClientSecret(
        value=value, expires_at=expires_at, minted_at=time.time(), requested_seconds=seconds
    )


async def post_offer(
    endpoint: str,
    secret: str,
    sdp: str,
    *,
    context: ssl.SSLContext,
    timeout: float,
    secrets: list[str],
) -> tuple[str, str]:
    """``POST …/realtime/calls`` with the SDP offer and the ephemeral key: (answer, call id)."""
    status, reply_headers, text = await _post(
        v1_url(endpoint, "realtime/calls"),
        sdp.encode(),
        {"Authorization": f"Bearer {secret}", "Content-Type": "application/sdp"},
        context,
        timeout,
        "the SDP answer",
    )
    if status != 201:
        raise _refusal(status, reply_headers, text, secrets)
    call_id = reply_headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]
    return text, call_id


async def _post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    context: ssl.SSLContext,
    timeout: float,
    what: str,
) -> tuple[int, dict[str, str], str]:
    try:
        limit = aiohttp.ClientTimeout(total=timeout)
        async with (
            aiohttp.ClientSession(timeout=limit) as http,
            http.post(url, data=body, headers=headers, ssl=context) as resp,
        ):
            return resp.status, dict(resp.headers), await resp.text()
    except TimeoutError:
        raise SmokeTimeout(what, timeout) from None
    except aiohttp.ClientConnectorCertificateError as exc:
        raise TransportError(f"TLS certificate not trusted ({exc}); pass the CA bundle") from None
    except aiohttp.ClientError as exc:
        raise TransportError(f"cannot reach {url.split('/openai/')[0]}: {exc}") from None


def _refusal(status: int, headers: dict[str, str], text: str, secrets: list[str]) -> HandshakeError:
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "[REDACTED]")
    code: str | None = None
    detail = " ".join(text.split())[:_DETAIL_CHARS]
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        code = str(error["code"]) if error.get("code") else None
        detail = ": ".join(str(error[k]) for k in ("code", "message") if error.get(k))
        detail = detail[:_DETAIL_CHARS]
    return HandshakeError(status, detail, _retry_after(headers), code)


def _retry_after(headers: dict[str, str]) -> float | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return max(0.0, float(lowered[name]) / scale)
        except (KeyError, ValueError):
            continue
    return None
