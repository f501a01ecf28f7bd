"""Helpers shared by the Resource Manager modules: time, subscriptions and body field checks.

Body checks raise ARM's ``InvalidRequestContent`` (what ARM answers when a JSON value cannot be
converted to the property's type) so that malformed requests are always ARM-shaped 400s.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from emulator import clock
from emulator.errors import ServiceError, bad_request
from emulator.http import RequestContext
from emulator.store import Store

_GUID = re.compile(r"^[0-9a-fA-F-]{36}$")
RG_NAME = re.compile(r"^[-\w._()]{1,90}$")


def now() -> float:
    """The emulator's clock; every time-based state is computed from stored timestamps."""
    return clock.now()


def iso(ts: float) -> str:
    """An ISO-8601 UTC timestamp the way ARM writes them (7 fractional digits, ``Z``)."""
    moment = dt.datetime.fromtimestamp(ts, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def subscription_id(ctx: RequestContext) -> str:
    """The subscription named in the path, validated: 400 when malformed, 404 when unknown."""
    raw = ctx.params["sub"]
    if not _GUID.match(raw):
        raise bad_request(
            "InvalidSubscriptionId",
            f"The provided subscription identifier '{raw}' is malformed or invalid.",
        )
    known = ctx.store.get_meta("subscription_id")
    if raw.lower() != str(known).lower():
        raise ServiceError(
            404, "SubscriptionNotFound", f"The subscription '{raw}' could not be found."
        )
    return str(known)


def known_subscription(store: Store) -> str:
    """The seeded subscription id."""
    return str(store.get_meta("subscription_id"))


def invalid_content(path: str, detail: str) -> ServiceError:
    """ARM's 400 for a value that does not fit the property's type."""
    return bad_request(
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: "
        f"'{detail} Path '{path}'.'.",
    )


def opt_str(body: dict[str, Any], key: str, path: str | None = None) -> str | None:
    """A string property, or None when absent or null."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_content(path or key, f"Error converting value {value!r} to type 'String'.")
    return value


def opt_bool(body: dict[str, Any], key: str, path: str | None = None) -> bool | None:
    """A boolean property, or None when absent or null."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise invalid_content(path or key, f"Error converting value {value!r} to type 'Boolean'.")
    return value


def opt_int(body: dict[str, Any], key: str, path: str | None = None) -> int | None:
    """An integer property, or None when absent or null (JSON floats with no fraction pass)."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise invalid_content(path or key, f"Error converting value {value!r} to type 'Int32'.")
    return int(value)


def opt_object(body: dict[str, Any], key: str, path: str | None = None) -> dict[str, Any] | None:
    """A JSON-object property, or None when absent or null."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_content(path or key, f"Unexpected value {value!r}; expected an object.")
    return value


def tags(body: dict[str, Any]) -> dict[str, str] | None:
    """``tags``: a map of strings (None when absent)."""
    value = opt_object(body, "tags")
    if value is None:
        return None
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid_content(
                f"tags.{key}", f"Error converting value {item!r} to type 'String'."
            )
    return dict(value)


def location(body: dict[str, Any], resource: str) -> str:
    """The required ``location``, normalised like ARM does (lower case, no spaces)."""
    value = opt_str(body, "location")
    if not value or not value.strip():
        raise bad_request(
            "LocationRequired",
            f"The location property is required for this definition of {resource}.",
        )
    return normalize_location(value)


def normalize_location(value: str) -> str:
    """``"Sweden Central"`` -> ``"swedencentral"``."""
    return value.replace(" ", "").lower()


# -- resource groups (stored here because every resource type needs to check its group) --------
GROUP_KIND = "resourceGroup"


def group_id(sub: str, name: str) -> str:
    """Canonical resource group id."""
    return f"/subscriptions/{sub}/resourceGroups/{name}"


def stored_group(store: Store, sub: str, name: str) -> dict[str, Any] | None:
    """The group document, including one whose deletion is running or finished."""
    return store.get(GROUP_KIND, group_id(sub, name))


def group_gone(doc: dict[str, Any] | None, at: float) -> bool:
    """Whether the group does not exist (never created, or its deletion has completed)."""
    if doc is None:
        return True
    op = doc.get("op")
    return op is not None and op["kind"] == "delete" and at >= op["end"] and not op.get("error")


def group_deleting(doc: dict[str, Any], at: float) -> bool:
    """Whether a deletion of the group is in progress."""
    op = doc.get("op")
    return op is not None and op["kind"] == "delete" and at < op["end"]


def group_not_found(name: str) -> ServiceError:
    """404 ``ResourceGroupNotFound``."""
    return ServiceError(
        404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found."
    )


def group_being_deleted(name: str) -> ServiceError:
    """409 ``ResourceGroupBeingDeleted``."""
    return ServiceError(
        409,
        "ResourceGroupBeingDeleted",
        f"The resource group '{name}' is in deprovisioning state and cannot perform this "
        "operation.",
    )


def require_group(store: Store, sub: str, name: str, at: float) -> dict[str, Any]:
    """The live group a child resource is written into (404 absent, 409 being deleted)."""
    doc = stored_group(store, sub, name)
    if doc is None or group_gone(doc, at):
        raise group_not_found(name)
    if group_deleting(doc, at):
        raise group_being_deleted(doc["name"])
    return doc


def require_group_for_read(store: Store, sub: str, name: str, at: float) -> dict[str, Any]:
    """The group a read goes through (404 when absent; a deleting group is still readable)."""
    doc = stored_group(store, sub, name)
    if doc is None or group_gone(doc, at):
        raise group_not_found(name)
    return doc


def resource_not_found(resource_type: str, name: str, group: str) -> ServiceError:
    """ARM's 404 ``ResourceNotFound`` for a tracked resource."""
    return ServiceError(
        404,
        "ResourceNotFound",
        f"The Resource '{resource_type}/{name}' under resource group '{group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def request_conflict(parent_id: str) -> ServiceError:
    """409 ``RequestConflict`` (no ``Retry-After``: azure-core must not retry it silently)."""
    return ServiceError(
        409,
        "RequestConflict",
        f"Another operation is being performed on the parent resource '{parent_id}'. "
        "Please try again later.",
    )


def system_data(ctx: RequestContext, at: float, previous: dict[str, Any] | None) -> dict[str, Any]:
    """``systemData`` for a write by the caller (creation fields kept from ``previous``)."""
    who = ctx.principal.client_id if ctx.principal is not None else "unknown"
    stamp = iso(at)
    created = previous or {"createdBy": who, "createdByType": "Application", "createdAt": stamp}
    return {
        "createdBy": created.get("createdBy", who),
        "createdByType": created.get("createdByType", "Application"),
        "createdAt": created.get("createdAt", stamp),
        "lastModifiedBy": who,
        "lastModifiedByType": "Application",
        "lastModifiedAt": stamp,
    }
