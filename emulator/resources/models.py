"""Resource groups: rules and wire shape.

Store kind ``resourceGroup``, key = lower-cased group id::

    {"id", "name", "location", "tags", "managedBy", "createdAt", "op": None | delete op}

A group whose delete operation finished is gone (a later PUT creates it afresh). Deleting a
group soft-deletes its accounts (their deployments go with them; see account_models) and removes
the role assignments at and below it as soon as the deletion is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.arm import common as rc
from emulator.arm import lro
from emulator.authorization import storage as authorization
from emulator.cognitiveservices import catalog
from emulator.cognitiveservices.accounts import rules as account_rules
from emulator.errors import bad_request
from emulator.http import RequestContext

TYPE = "Microsoft.Resources/resourceGroups"


def validate_name(name: str) -> None:
    """1-90 characters of ``-\\w._()``, not ending in a period."""
    if not rc.RG_NAME.match(name) or name.endswith("."):
        raise bad_request(
            "InvalidResourceGroupName",
            f"The resource group name '{name}' is invalid. It can contain up to 90 characters: "
            "letters, digits, underscores, hyphens, periods and parentheses, and cannot end "
            "with a period.",
        )


def live(ctx: RequestContext, sub: str, name: str, at: float) -> dict[str, Any] | None:
    """The group document if the group exists (a deleting group still exists)."""
    doc = rc.stored_group(ctx.store, sub, name)
    return None if rc.group_gone(doc, at) else doc


@dataclass(frozen=True)
class GroupRequest:
    """A validated resource-group PUT."""

    location: str
    tags: dict[str, str] | None
    managed_by: str | None


def parse_put(body: dict[str, Any]) -> GroupRequest:
    """Check a PUT body: ``location`` required and served, ``tags``, ``managedBy``."""
    loc = rc.location(body, "resource group")
    if loc not in catalog.REGIONS:
        raise bad_request(
            "LocationNotAvailableForResourceGroup",
            f"The provided location '{loc}' is not available for resource group. List of "
            f"available regions is '{','.join(sorted(catalog.REGIONS))}'.",
        )
    return GroupRequest(loc, rc.tags(body), rc.opt_str(body, "managedBy"))


def put_group(
    ctx: RequestContext, sub: str, name: str, request: GroupRequest
) -> tuple[dict[str, Any], int]:
    """Create (201) or update (200) a group; location is immutable.

    ``name`` was checked with ``validate_name`` (before the body)."""
    loc, tags, managed_by = request.location, request.tags, request.managed_by
    at = rc.now()
    doc = live(ctx, sub, name, at)
    if doc is not None and rc.group_deleting(doc, at):
        raise rc.group_being_deleted(doc["name"])
    if doc is not None and doc["location"] != loc:
        raise bad_request(
            "InvalidResourceGroupLocation",
            f"Invalid resource group location '{loc}'. The Resource group already exists in "
            f"location '{doc['location']}'.",
        )
    status = 200
    if doc is None:
        status = 201
        doc = {
            "id": rc.group_id(sub, name),
            "name": name,
            "location": loc,
            "createdAt": at,
            "op": None,
        }
    doc["tags"] = tags or {}
    doc["managedBy"] = managed_by
    ctx.store.put(rc.GROUP_KIND, doc["id"], doc)
    return doc, status


def patch_group(ctx: RequestContext, doc: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Update tags / managedBy; the location cannot change."""
    at = rc.now()
    if rc.group_deleting(doc, at):
        raise rc.group_being_deleted(doc["name"])
    tags = rc.tags(body)
    if tags is not None:
        doc["tags"] = tags
    if "managedBy" in body:
        doc["managedBy"] = rc.opt_str(body, "managedBy")
    loc = rc.opt_str(body, "location")
    if loc and rc.normalize_location(loc) != doc["location"]:
        raise bad_request(
            "InvalidResourceGroupLocation",
            f"Invalid resource group location '{loc}'. The Resource group already exists in "
            f"location '{doc['location']}'.",
        )
    ctx.store.put(rc.GROUP_KIND, doc["id"], doc)
    return doc


def delete_group(ctx: RequestContext, sub: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Start deleting the group (idempotent while running); its accounts are soft-deleted and
    the role assignments at and below it removed."""
    at = rc.now()
    if rc.group_deleting(doc, at):
        return doc["op"]
    op = lro.start(
        ctx,
        kind="delete",
        resource_id=doc["id"],
        resource_type="resourceGroup",
        location=doc["location"],
        provider=lro.RESOURCES_PROVIDER,
    )
    doc["op"] = op
    ctx.store.put(rc.GROUP_KIND, doc["id"], doc)
    if not op.get("error"):
        account_rules.soft_delete_group_accounts(ctx.store, sub, doc["name"], op)
        # Azure removes the role assignments at a deleted scope and below (Azure/ARO-RP#3557)
        authorization.delete_assignments_under(ctx.store, doc["id"])
    return op


def to_json(doc: dict[str, Any], at: float) -> dict[str, Any]:
    """ARM representation."""
    body: dict[str, Any] = {
        "id": doc["id"],
        "name": doc["name"],
        "type": TYPE,
        "location": doc["location"],
        "tags": doc.get("tags") or {},
        "properties": {
            "provisioningState": "Deleting" if rc.group_deleting(doc, at) else "Succeeded"
        },
    }
    if doc.get("managedBy"):
        body["managedBy"] = doc["managedBy"]
    return body
