"""An authenticated caller of a running emulator's ``/_admin`` API (standard library only).

The admin API answers only requests bearing the ``admin_key`` of ``connection.json`` (written
0600), so reading that file is what grants control of the emulator.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from emulator.connection import Connection

ADMIN_SCHEME = "Bearer"


class AdminError(Exception):
    """The emulator refused an admin call (``status`` and Azure-style ``code``), or was not
    reachable (``status`` 0)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code


class AdminClient:
    """Calls ``/_admin`` endpoints of one emulator with its admin credential."""

    def __init__(self, conn: Connection, timeout: float = 10.0) -> None:
        self._conn = conn
        self._timeout = timeout
        self._ssl = ssl.create_default_context(cafile=str(conn.ca_bundle))

    def __repr__(self) -> str:  # never the key
        return f"AdminClient(url={self._conn.url!r})"

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """One call; returns the parsed JSON body (``None`` when empty)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self._conn.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", f"{ADMIN_SCHEME} {self._conn.admin_key}")
        try:
            with urllib.request.urlopen(  # noqa: S310 (https to the emulator only)
                request, context=self._ssl, timeout=self._timeout
            ) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            code, message = _error_of(exc)
            raise AdminError(exc.code, code, message) from None
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise AdminError(0, "Unreachable", f"cannot reach {self._conn.url}: {reason}") from None
        try:
            return json.loads(payload or b"null")
        except ValueError:  # not an emulator answering (a proxy, another service on the port)
            raise AdminError(
                0, "Unreachable", f"{self._conn.url} did not answer as an emulator"
            ) from None

    def get_config(self) -> dict[str, Any]:
        """Current settings."""
        return dict(self.request("GET", "/_admin/config"))

    def set_config(self, **changes: Any) -> dict[str, Any]:
        """Change settings (partial, atomic), e.g. ``set_config(throttle_rate=0.2)``."""
        return dict(self.request("PATCH", "/_admin/config", changes))

    def stats(self) -> dict[str, Any]:
        """Requests served since start or the last reset."""
        return dict(self.request("GET", "/_admin/stats"))

    def reset_stats(self) -> None:
        """Forget the request log."""
        self.request("DELETE", "/_admin/stats")

    def add_principal(self, name: str, display_name: str | None = None) -> dict[str, str]:
        """Register a service principal; returns its ids and secret."""
        body: dict[str, Any] = {"name": name}
        if display_name is not None:
            body["display_name"] = display_name
        return dict(self.request("POST", "/_admin/principals", body))

    def mint_token(self, principal: str, audience: str, lifetime: int | None = None) -> str:
        """A token for a named principal (a negative ``lifetime`` gives an expired one)."""
        body: dict[str, Any] = {"principal": principal, "audience": audience}
        if lifetime is not None:
            body["lifetime"] = lifetime
        return str(self.request("POST", "/_admin/tokens", body)["access_token"])

    def set_deployment_state(self, deployment_id: str, provisioning_state: str) -> Any:
        """Force a deployment's provisioning state (e.g. ``Disabled``)."""
        body = {"id": deployment_id, "provisioningState": provisioning_state}
        return self.request("PATCH", "/_admin/deployments", body)

    def set_quota(self, location: str, usage_name: str, limit: int) -> Any:
        """Change a quota limit of the subscription in a region."""
        body = {"location": location, "usageName": usage_name, "limit": limit}
        return self.request("PATCH", "/_admin/quota", body)


def admin_client(conn: Connection, timeout: float = 10.0) -> AdminClient:
    """An admin caller authenticated with ``conn.admin_key``."""
    return AdminClient(conn, timeout)


def _error_of(exc: urllib.error.HTTPError) -> tuple[str, str]:
    try:
        error = json.loads(exc.read())["error"]
        return str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP{exc.code}", f"HTTP {exc.code}"
