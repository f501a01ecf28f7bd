"""Errors raised by the smoke package.

Expected failures are typed so the CLI can turn each into one clear line and an exit code::

    SmokeError                      base of everything raised on purpose
    ├── UsageError                  bad input: options, environment, prompt files   (exit 2)
    │   ├── AudioError              a WAV that cannot be used as a prompt
    │   └── SettingsError           a bad ``[smoke]`` value, with its key path
    ├── AuthError                   no sign-in / credential refused                 (exit 5)
    ├── SourceError                 the environment could not be opened (own exit code)
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
    "SettingsError",
    "SmokeError",
    "SmokeTimeout",
    "SourceError",
    "TransportError",
    "UsageError",
]


class SmokeError(Exception):
    """Base class of every error the smoke package raises on purpose."""


class UsageError(SmokeError, ValueError):
    """The caller's input (options, environment file, prompt) is unusable."""


class AudioError(UsageError):
    """An audio file or buffer cannot be used (format, rate, length)."""


class SettingsError(UsageError):
    """A ``[smoke]`` setting is invalid; ``key_path`` names it (e.g. ``smoke.transport``)."""

    def __init__(self, key_path: str, message: str) -> None:
        self.key_path = key_path
        self.message = message
        super().__init__(f"{key_path}: {message}")


class AuthError(SmokeError):
    """Signing in failed, or the service refused the credential (exit 5).

    ``str()`` is the short form (at most three lines: what failed and the fix); ``debug_detail``
    holds the full credential chain, shown only under ``--debug``. Neither contains secrets.
    """

    def __init__(self, message: str, debug_detail: str = "") -> None:
        self.debug_detail = debug_detail
        super().__init__(message)


class SourceError(SmokeError):
    """An environment source could not open the environment (e.g. the emulator is unusable).

    ``exit_code`` is the code from the shared exit-code table that fits (1 by default).
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        self.exit_code = exit_code
        super().__init__(message)


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
