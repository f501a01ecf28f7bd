"""ARM list paging: at most ``config.page_size`` items per answer, the rest behind ``nextLink``.

ARM answers a long list with ``{"value": [...], "nextLink": url}``; the SDK pagers (sync, async,
the CLI) GET ``nextLink`` until it is absent, re-adding their own ``api-version``. The link is
the request URL with every query parameter kept (``$filter``, ``$top``...) plus a
``$skiptoken``. On resource groups ``$top`` is the page size, not a total: ARM still returns a
``nextLink`` and the SDK pager follows it (Azure/azure-sdk-for-python#541,
Azure/azure-sdk-for-java#1451).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from emulator.errors import bad_request
from emulator.http import RequestContext, json_response

SKIP_TOKEN = "$skiptoken"


def paged_response(
    ctx: RequestContext, items: Sequence[Any], *, page_size: int | None = None
) -> web.Response:
    """One page of ``items`` (already in a stable order) for the request's ``$skiptoken``."""
    size = max(1, page_size or ctx.config.page_size)
    start = _offset(ctx)
    body: dict[str, Any] = {"value": list(items[start : start + size])}
    if start + size < len(items):
        body["nextLink"] = next_link(ctx, start + size)
    return json_response(body)


def top(ctx: RequestContext) -> int | None:
    """``$top`` as a positive integer (None when absent); 400 otherwise."""
    raw = ctx.query("$top")
    if raw is None:
        return None
    value = int(raw) if raw.isascii() and raw.isdigit() else 0
    if value < 1:
        raise bad_request(
            "InvalidQueryParameterValue",
            f"The value '{raw}' of the query parameter '$top' is not valid. "
            "It must be a positive integer.",
        )
    return value


def next_link(ctx: RequestContext, offset: int) -> str:
    """The request's absolute URL with ``$skiptoken`` set to ``offset``."""
    query = [(key, value) for key, value in ctx.request.query.items() if key.lower() != SKIP_TOKEN]
    query.append((SKIP_TOKEN, str(offset)))
    encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    return f"{ctx.base_url}{ctx.request.path}?{encoded}"


def _offset(ctx: RequestContext) -> int:
    raw = ctx.query(SKIP_TOKEN)
    if raw is None:
        return 0
    if not (raw.isascii() and raw.isdigit()):
        raise bad_request("InvalidSkipToken", f"The skip token '{raw}' is not valid.")
    return int(raw)
