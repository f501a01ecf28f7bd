"""Errors raised by the smoke package.

Expected failures are typed so the CLI can turn each into one clear line and an exit code::

    SmokeError                      base of everything raised on purpose
    ├── UsageError                  bad input: options, environment, prompt files   (exit 2)
    │   └── AudioError              a WAV that cannot be used as a prompt
    ├── AuthError                   no credential / token could not be acquired
    ├── SessionError                the realtime session could not be carried out
    │   ├── HandshakeError          the WebSocket upgrade was refused (HTTP status)
    │   ├── TransportError          TCP/TLS/DNS failure before the upgrade
    │   ├── ConnectionLost          the socket closed while we still expected events
    │   ├── SmokeTimeout            a wait exceeded its deadline
    │   └── ProtocolViolation       the server broke the realtime protocol
    └── CheckFailed                 a check did not hold (carries expected/observed)

Messages never contain keys or tokens: callers pass only non-secret context.
"""

from __future__ import annotations

__all__ = [
    "AudioError",
    "AuthError",
    "CheckFailed",
    "ConnectionLost",
    "HandshakeError",
    "ProtocolViolation",
    "SessionError",
    "SmokeError",
    "SmokeTimeout",
    "TransportError",
    "UsageError",
]


class SmokeError(Exception):
    """Base class of every error the smoke package raises on purpose."""


class UsageError(SmokeError, ValueError):
    """The caller's input (options, environment file, prompt) is unusable."""


class AudioError(UsageError):
    """An audio file or buffer cannot be used (format, rate, length)."""


class AuthError(SmokeError):
    """A credential could not be obtained for the data plane."""


class SessionError(SmokeError):
    """The realtime session failed before the scenario could complete."""


class HandshakeError(SessionError):
    """The server answered the WebSocket upgrade with an HTTP error status."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        self.code = code  # the service's error code (e.g. ``PermissionDenied``), when it sent one
        text = f"HTTP {status} at WebSocket handshake"
        super().__init__(f"{text}: {detail}" if detail else text)


class TransportError(SessionError):
    """The connection could not be established (DNS, TCP, TLS, bad URL)."""


class ConnectionLost(SessionError):
    """The WebSocket closed while events were still expected."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        where = f"close code {code}" if code is not None else "no close frame"
        super().__init__(f"connection closed ({where}){': ' + reason if reason else ''}")


class SmokeTimeout(SessionError, TimeoutError):
    """A wait did not complete within its deadline."""

    def __init__(self, waiting_for: str, seconds: float) -> None:
        self.waiting_for = waiting_for
        self.seconds = seconds
        super().__init__(f"timed out after {seconds:.1f}s waiting for {waiting_for}")


class ProtocolViolation(SessionError):
    """The server sent something the realtime protocol does not allow."""


class CheckFailed(SmokeError):
    """A check did not hold; carries what was expected and what was seen."""

    def __init__(self, check: str, expected: str, observed: str) -> None:
        self.check = check
        self.expected = expected
        self.observed = observed
        super().__init__(f"{check}: expected {expected}, observed {observed}")
