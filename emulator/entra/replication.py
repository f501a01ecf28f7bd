"""Directory replication lag: a new principal is invisible to role-assignment lookups for a
while, so an assignment without ``principalType`` fails with ``PrincipalNotFound`` (as in Azure
when a principal is created and assigned a role at once)."""

from __future__ import annotations

from aiohttp import web

from emulator import clock
from emulator.entra import principals
from emulator.errors import bad_request, not_found
from emulator.http import RequestContext, Route, json_response
from emulator.store import Store

REPLICATION_KIND = "principalReplication"


def set_replication_lag(
    store: Store, object_id: str, seconds: float, now: float | None = None
) -> None:
    """Make a principal invisible to role-assignment lookups for ``seconds`` (a new principal
    whose directory object has not replicated yet); ``PrincipalNotFound`` results unless the
    request sets ``principalType``."""
    visible_at = (clock.now() if now is None else now) + seconds
    store.put(REPLICATION_KIND, object_id, {"visible_at": visible_at})


def is_replicated(store: Store, object_id: str, now: float) -> bool:
    """Whether the principal is visible to role-assignment lookups at ``now``."""
    doc = store.get(REPLICATION_KIND, object_id)
    return doc is None or now >= float(doc["visible_at"])


async def admin_replication_lag(ctx: RequestContext) -> web.Response:
    """``PUT /_admin/principals/{name}/replication-lag`` ``{"seconds": 30}``."""
    record = principals.by_name(ctx.store, ctx.params["name"])
    if record is None:
        raise not_found("PrincipalNotFound", f"No principal named '{ctx.params['name']}'.")
    seconds = (await ctx.json_object()).get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise bad_request("InvalidSetting", "'seconds' must be a non-negative number")
    set_replication_lag(ctx.store, record.object_id, float(seconds))
    return json_response({"name": record.name, "object_id": record.object_id, "seconds": seconds})


ROUTES = [
    Route(
        "PUT", r"/_admin/principals/(?P<name>[^/]+)/replication-lag", admin_replication_lag, "admin"
    ),
]
