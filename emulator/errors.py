"""Errors every emulated service raises; each renders itself in its service's wire format."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


class ServiceError(Exception):
    """An expected failure answered as an Azure error response.

    ARM and the data plane share the OData shape ``{"error": {"code", "message", ...}}``.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def response(self) -> web.Response:
        """The HTTP response carrying this error."""
        headers = {"x-ms-error-code": self.code, **self.headers}
        return web.Response(
            status=self.status,
            text=json.dumps(self.body()),
            content_type="application/json",
            charset="utf-8",
            headers=headers,
        )


def bad_request(code: str, message: str, target: str | None = None) -> ServiceError:
    """400 with an ARM error body."""
    return ServiceError(400, code, message, target=target)


def not_found(code: str, message: str) -> ServiceError:
    """404 with an ARM error body."""
    return ServiceError(404, code, message)


def conflict(code: str, message: str) -> ServiceError:
    """409 with an ARM error body."""
    return ServiceError(409, code, message)


def missing_api_version() -> ServiceError:
    """ARM's answer to a request without ``api-version``."""
    return bad_request(
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
    )


def invalid_json(detail: str) -> ServiceError:
    """ARM's answer to an unparsable body."""
    return bad_request(
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: '{detail}'.",
    )


def authentication_missing() -> ServiceError:
    """ARM's answer to a request without a bearer token."""
    return ServiceError(
        401,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
        headers={"WWW-Authenticate": 'Bearer authorization_uri="", error="invalid_token"'},
    )


def invalid_token(reason: str) -> ServiceError:
    """ARM's answer to a token it cannot accept."""
    return ServiceError(
        401,
        "InvalidAuthenticationToken",
        f"The access token is invalid: {reason}",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )
