"""One place that maps azure-core / azure-identity exceptions to ``provision.errors``.

Messages are built from ARM error codes and messages only: tokens, keys and secrets never reach
exception text. Sign-in failures become one line with the fix (``provision.backends.signin``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from provision.backends.signin import (
    SIGN_IN_FIX,
    SUBSCRIPTION_CODES,
    signin_error,
    subscription_error,
)
from provision.errors import (
    AuthError,
    AuthorizationError,
    AzureApiError,
    ConflictError,
    NotFoundError,
    ThrottledError,
)

__all__ = ["map_azure_errors"]


@contextmanager
def map_azure_errors(what: str) -> Iterator[None]:
    """Translate azure-core/azure-identity exceptions raised inside into ours."""
    try:
        yield
    except ClientAuthenticationError as exc:
        raise signin_error(what, exc) from exc
    except HttpResponseError as exc:
        raise _api_error(what, exc) from exc
    except (ServiceRequestError, ServiceResponseError) as exc:
        # Refused, dropped or reset connections: transient, retried by the one retry policy.
        raise AzureApiError(
            f"{what}: connection failed ({type(exc).__name__})", code="ConnectionError"
        ) from exc
    except AzureError as exc:
        raise AzureApiError(f"{what}: {type(exc).__name__}: {_text(exc)}") from exc


def _text(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return message.splitlines()[0][:500] if message else type(exc).__name__


def _api_error(what: str, exc: HttpResponseError) -> AuthError | AuthorizationError | AzureApiError:
    status = exc.status_code or 0
    code = (exc.error.code if exc.error is not None else None) or ""
    message = (exc.error.message if exc.error is not None else None) or _text(exc)
    response: Any = exc.response
    headers = response.headers if response is not None else {}
    request_id = headers.get("x-ms-request-id")
    retry_after = _float(headers.get("Retry-After"))
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
    elif isinstance(exc, ResourceNotFoundError) or status == 404:
        kind = NotFoundError
    elif isinstance(exc, ResourceExistsError) or status == 409:
        kind = ConflictError
    return kind(text, status=status, code=code, request_id=request_id, retry_after=retry_after)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
