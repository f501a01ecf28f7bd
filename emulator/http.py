"""Routing and per-request context shared by the emulated services.

aiohttp's router is case-sensitive and Azure's is not, so every service declares
``Route``s with regular expressions matched case-insensitively against the path
(with repeated slashes collapsed, as the Azure CLI produces them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator import errors

if TYPE_CHECKING:
    from emulator.config import EmulatorConfig
    from emulator.entra.principals import PrincipalRecord
    from emulator.store import Store

Handler = Callable[["RequestContext"], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """One operation: HTTP method, path pattern and handler.

    ``service`` groups routes ("arm", "entra", "dataplane", "admin"): ARM routes require
    ``api-version`` and a valid management token; ARM and data-plane routes are subject to
    fault injection.
    """

    method: str
    pattern: str
    handler: Handler
    service: str = "arm"
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern, re.IGNORECASE))


@dataclass
class RequestContext:
    """What a handler needs: the request, path parameters, state and the caller."""

    request: web.Request
    path: str
    params: dict[str, str]
    store: Store
    config: EmulatorConfig
    base_url: str
    request_id: str
    principal: PrincipalRecord | None = None
    services: dict[str, Any] = field(default_factory=dict)

    def query(self, name: str) -> str | None:
        """A query parameter, looked up case-insensitively (ARM treats names so)."""
        lowered = name.lower()
        for key, value in self.request.query.items():
            if key.lower() == lowered:
                return value
        return None

    async def json(self, *, required: bool = True) -> Any:
        """The parsed JSON body; malformed or (when required) missing bodies are 400s."""
        raw = await self.request.read()
        if not raw.strip():
            if required:
                raise errors.invalid_json("the request body is empty")
            return None
        try:
            return json.loads(raw, parse_constant=_not_json)
        except ValueError as exc:  # also bad UTF-8, NaN/Infinity and oversized integers
            raise errors.invalid_json(str(exc)) from None
        except RecursionError:
            raise errors.invalid_json("the JSON is nested too deeply") from None

    async def json_object(self, *, required: bool = True) -> dict[str, Any]:
        """Like ``json`` but the body must be a JSON object."""
        body = await self.json(required=required)
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise errors.invalid_json("expected a JSON object")
        return body


def _not_json(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and ARM) does not
    raise ValueError(f"'{name}' is not a valid JSON value")


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response with the content type Azure SDKs insist on."""
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def empty_response(status: int, headers: dict[str, str] | None = None) -> web.Response:
    """A response without a body (204, 202 with Location, HEAD answers)."""
    return web.Response(status=status, headers=headers)


def normalize_path(path: str) -> str:
    """Collapse repeated slashes and drop a trailing one (the CLI sends ``//metadata``)."""
    collapsed = re.sub(r"/{2,}", "/", path)
    return collapsed.rstrip("/") or "/"


def find_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The first route matching method and path, with its named groups; HEAD falls back to GET."""
    allowed = False
    fallback: tuple[Route, dict[str, str]] | None = None
    for route in routes:
        match = route.regex.fullmatch(path)
        if match is None:
            continue
        allowed = True
        if route.method == method:
            return route, match.groupdict()
        if method == "HEAD" and route.method == "GET" and fallback is None:
            fallback = route, match.groupdict()
    if fallback is not None:
        return fallback
    if allowed:
        raise errors.ServiceError(
            405, "MethodNotAllowed", f"The requested method '{method}' is not allowed for '{path}'."
        )
    return None
