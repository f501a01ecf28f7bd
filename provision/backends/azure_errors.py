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

from provision.backends.arm_errors import api_error
from provision.backends.signin import signin_error
from provision.errors import AuthError, AuthorizationError, AzureApiError

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
    if not status and isinstance(exc, (ResourceNotFoundError, ResourceExistsError)):
        status = 404 if isinstance(exc, ResourceNotFoundError) else 409
    code = (exc.error.code if exc.error is not None else None) or ""
    message = (exc.error.message if exc.error is not None else None) or _text(exc)
    response: Any = exc.response
    headers = response.headers if response is not None else {}
    return api_error(what, status, code, message, headers.get)
