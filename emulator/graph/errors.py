"""Microsoft Graph's error shape: ``{"error": {"code", "message", "innerError": {...}}}``."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from aiohttp import web

from emulator.errors import ServiceError

# What Graph sends with a 401 so clients know where to get a token.
WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize",'
    ' client_id="00000003-0000-0000-c000-000000000000"'
)


class GraphError(ServiceError):
    """An error answered the way Microsoft Graph does."""

    def body(self) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        request_id = str(uuid.uuid4())
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": now,
                    "request-id": request_id,
                    "client-request-id": request_id,
                },
            }
        }

    def response(self) -> web.Response:
        return web.Response(
            status=self.status,
            text=json.dumps(self.body()),
            content_type="application/json",
            headers=self.headers,
        )


def unauthenticated(message: str) -> GraphError:
    """401 ``InvalidAuthenticationToken``."""
    return GraphError(
        401, "InvalidAuthenticationToken", message, headers={"WWW-Authenticate": WWW_AUTHENTICATE}
    )


def not_found(object_id: str) -> GraphError:
    """404 for an id the directory does not know."""
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{object_id}' does not exist or one of its queried reference-property objects "
        "are not present.",
    )


def bad_request(code: str, message: str) -> GraphError:
    """400 with Graph's shape."""
    return GraphError(400, code, message)
