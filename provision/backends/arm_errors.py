"""ARM error responses as ``provision.errors``, shared by the REST reader and the SDK writer.

One rule for both paths (issue 13 moved reads off the SDK): the status, the ARM error code and
message from the body, ``x-ms-request-id`` and ``Retry-After`` decide the exception; 401 is a
sign-in problem (exit 5), 403 ``AuthorizationFailed`` a missing permission, 404 ``NotFoundError``,
409 ``ConflictError``, 429 ``ThrottledError``. Messages carry codes and ARM's own text only.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from provision.backends.signin import SIGN_IN_FIX, SUBSCRIPTION_CODES, subscription_error
from provision.errors import (
    AuthError,
    AuthorizationError,
    AzureApiError,
    ConflictError,
    NotFoundError,
    ThrottledError,
)

__all__ = ["api_error", "error_of_body", "retry_after_of"]


def error_of_body(body: bytes) -> tuple[str, str]:
    """(code, message) of an ARM error body ``{"error": {"code", "message"}}``; "" if absent."""
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        return "", ""
    error = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(error, dict):
        return "", ""
    return str(error.get("code") or ""), str(error.get("message") or "")


def retry_after_of(value: str | None) -> float | None:
    """``Retry-After`` in seconds (the delta form ARM sends); None when absent or not a number."""
    try:
        return float(value) if value else None
    except ValueError:
        return None


def api_error(
    what: str,
    status: int,
    code: str,
    message: str,
    header: Callable[[str], str | None],
) -> AuthError | AuthorizationError | AzureApiError:
    """The exception for one failed ARM response (``header`` looks a response header up)."""
    text = f"{what}: {message}"
    if code in SUBSCRIPTION_CODES:
        return subscription_error(what, code)
    if status == 401:
        return AuthError(f"{text} (credentials rejected; {SIGN_IN_FIX})")
    if status == 403 and code in ("AuthorizationFailed", "LinkedAuthorizationFailed"):
        return AuthorizationError(
            f"403 {code}: {text} (the signed-in identity lacks this permission: grant it "
            "Contributor, and User Access Administrator for role assignments, or Owner)"
        )
    kind: type[AzureApiError] = AzureApiError
    if status == 429:
        kind = ThrottledError
    elif status == 404:
        kind = NotFoundError
    elif status == 409:
        kind = ConflictError
    return kind(
        text,
        status=status,
        code=code,
        request_id=header("x-ms-request-id"),
        retry_after=retry_after_of(header("Retry-After")),
    )
