"""A small HTTPS client for the read path: one keep-alive connection per host, stdlib only.

Why not ``requests`` or azure-core here: a read command (``plan``, ``status``, ``outputs``) is a
new process each time, and importing requests + azure-core + the generated management clients
cost ≈ 0.35 s of a ≈ 1.1 s run (issue 13, measured with ``-X importtime``); ``http.client`` and
``ssl`` cost ≈ 35 ms. Writes still go through the official SDK clients (their LRO handling).

Requests to one host share one connection (a lock per host: HTTP/1.1 without pipelining), so
a command pays one TCP connect and one TLS handshake per host. A request on a reused connection
that the server had already closed is sent again once on a new connection (what urllib3 does
for idle keep-alive connections). Loopback hosts never go through a proxy; other hosts honour
``HTTPS_PROXY``/``NO_PROXY`` like requests does.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["HttpsPool", "Response", "TransportError"]

DEFAULT_TIMEOUT_S = 60.0
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class TransportError(Exception):
    """No response arrived (refused, reset, timed out, TLS failure); the text has no secrets."""


@dataclass(frozen=True)
class Response:
    """One answer: status, headers (names lower-cased) and the whole body."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def trust_context(verify: str | None, environ: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """TLS trust: ``verify``; else ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` (what the SDK's
    requests transport honours, e.g. behind a TLS-inspecting proxy); else the system store plus
    certifi's bundle when installed (requests' default: machines without a system store)."""
    env = os.environ if environ is None else environ
    bundle = verify or env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE") or None
    context = ssl.create_default_context(cafile=bundle)
    if bundle is None:
        with contextlib.suppress(ImportError, OSError, ssl.SSLError):
            import certifi

            context.load_verify_locations(cafile=certifi.where())
    return context


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    connection: http.client.HTTPSConnection | None = None


class HttpsPool:
    """Keep-alive HTTPS connections, one per ``host:port``; thread-safe; counts its work.

    ``verify`` is a CA bundle path (the emulator's CA) or None for what the SDK clients trust
    (see :func:`trust_context`), so that reads and writes agree on who is trusted.
    """

    def __init__(
        self,
        verify: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._context = trust_context(verify, environ)
        self._timeout = timeout
        self._hosts: dict[tuple[str, int], _Host] = {}
        self._lock = threading.Lock()
        self.connects = 0
        self.requests = 0

    def request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None = None
    ) -> Response:
        """Send one request and read the whole answer; raises TransportError."""
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise TransportError(f"not an https URL: {parts.scheme}://{parts.hostname}")
        key = (parts.hostname, parts.port or 443)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        host = self._host(key)
        with host.lock:
            self.requests += 1
            return self._send(host, key, method, target or "/", headers, body)

    def close(self) -> None:
        with self._lock:
            hosts = list(self._hosts.values())
        for host in hosts:
            with host.lock:
                if host.connection is not None:
                    host.connection.close()
                    host.connection = None

    # -- internals ---------------------------------------------------------------------------
    def _host(self, key: tuple[str, int]) -> _Host:
        with self._lock:
            return self._hosts.setdefault(key, _Host())

    def _send(
        self,
        host: _Host,
        key: tuple[str, int],
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes | None,
    ) -> Response:
        reused = host.connection is not None
        try:
            return self._exchange(host, key, method, target, headers, body)
        except _STALE:
            self._drop(host)
            if not reused:
                raise TransportError(_failed(key, "connection closed")) from None
        except (OSError, http.client.HTTPException) as exc:
            self._drop(host)
            raise TransportError(_failed(key, type(exc).__name__)) from None
        try:  # the server had closed the idle keep-alive connection: once more, on a new one
            return self._exchange(host, key, method, target, headers, body)
        except (OSError, http.client.HTTPException) as exc:
            self._drop(host)
            raise TransportError(_failed(key, type(exc).__name__)) from None

    def _exchange(
        self,
        host: _Host,
        key: tuple[str, int],
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes | None,
    ) -> Response:
        if host.connection is None:
            host.connection = self._connect(key)
            self.connects += 1
        conn = host.connection
        conn.request(method, target, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        response = Response(
            answer.status,
            answer.reason,
            {name.lower(): value for name, value in answer.getheaders()},
            data,
        )
        if answer.will_close:
            self._drop(host)
        return response

    def _connect(self, key: tuple[str, int]) -> http.client.HTTPSConnection:
        name, port = key
        proxy = _proxy_for(name)
        if proxy is None:
            return http.client.HTTPSConnection(
                name, port, timeout=self._timeout, context=self._context
            )
        conn = http.client.HTTPSConnection(
            proxy[0], proxy[1], timeout=self._timeout, context=self._context
        )
        conn.set_tunnel(name, port)
        return conn

    @staticmethod
    def _drop(host: _Host) -> None:
        if host.connection is not None:
            host.connection.close()
            host.connection = None


def _failed(key: tuple[str, int], why: str) -> str:
    return f"connection to {key[0]}:{key[1]} failed ({why})"


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _proxy_for(hostname: str) -> tuple[str, int] | None:
    """(proxy host, port) from ``HTTPS_PROXY`` unless ``NO_PROXY`` or loopback says direct."""
    if hostname in _LOOPBACK or hostname.startswith("127."):
        return None
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    if not proxy:
        return None
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if entry == "*" or (entry and hostname.lower().endswith(entry.lstrip("."))):
            return None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return (parts.hostname, parts.port or 8080) if parts.hostname else None
