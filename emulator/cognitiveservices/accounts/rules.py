"""Account write rules: body validation, create/update/restore, delete, purge, keys.

Each function runs inside one store transaction, raises ARM-shaped ``ServiceError``s and
returns the stored document plus the accepted operation (see lro.py). Handlers in
``accounts.py`` only translate between HTTP and these calls.
"""

from __future__ import annotations

import uuid
from typing import Any

from emulator.arm import common as rc
from emulator.arm import lro
from emulator.authorization import storage as authorization
from emulator.cognitiveservices.accounts import models as am
from emulator.cognitiveservices.accounts.requests import AccountPatch, AccountRequest
from emulator.errors import ServiceError, bad_request, conflict
from emulator.http import RequestContext
from emulator.store import Store


def validate_name(name: str) -> None:
    """Account names: 2-64 characters, ``^[a-zA-Z0-9][a-zA-Z0-9_.-]*$``."""
    if not am.NAME_RE.match(name):
        raise bad_request(
            "InvalidResourceName",
            f"Resource name '{name}' is invalid. The name can contain only letters, numbers, "
            "underscores, periods and hyphens, must start with a letter or number and be "
            "2 to 64 characters long.",
        )


def _identity(
    identity: dict[str, Any] | None, tenant: str, previous: dict[str, Any] | None
) -> dict[str, Any] | None:
    if identity is None:
        return previous
    kind = rc.opt_str(identity, "type", "identity.type") or "None"
    if kind == "None":
        return None
    out = dict(identity)
    if "SystemAssigned" in kind:
        keep = previous or {}
        out.setdefault("principalId", keep.get("principalId") or str(uuid.uuid4()))
        out["tenantId"] = tenant
    return out


def _check_subdomain(store: Store, doc: dict[str, Any], at: float) -> None:
    sub = am.subdomain_of(doc)
    if sub is None:
        return
    for other in store.list(am.KIND):
        if other["id"].lower() == doc["id"].lower() or am.is_purged(other, at):
            continue
        if (am.subdomain_of(other) or "").lower() == sub.lower():
            raise conflict(
                "CustomDomainInUse",
                f"Please pick a different name. The subdomain name '{sub}' is not available as "
                "it's already used by a resource. If the resource using the name was deleted in "
                "the last 48 hours, you may need to purge the deleted resource. Try again after "
                "purging, or choose a different name.",
            )


def _immutable(doc: dict[str, Any], kind: str, loc: str) -> None:
    if doc["location"] != loc:
        raise conflict(
            "InvalidResourceLocation",
            f"The resource '{doc['name']}' already exists in location '{doc['location']}' in "
            f"resource group '{doc['resourceGroup']}'. A resource with the same name cannot be "
            f"created in location '{loc}'. Please select a new resource name.",
        )
    if doc["kind"] != kind:
        raise conflict(
            "CanNotChangeKind",
            f"The kind of account '{doc['name']}' cannot be changed from '{doc['kind']}' to "
            f"'{kind}'.",
        )


def _keep_subdomain(doc: dict[str, Any], props: dict[str, Any]) -> None:
    old = am.subdomain_of(doc)
    new = props.get("customSubDomainName")
    if old and not new:
        props["customSubDomainName"] = old
    elif old and new and old.lower() != str(new).lower():
        raise bad_request(
            "CustomSubDomainNameImmutable",
            f"The custom subdomain name of account '{doc['name']}' is '{old}' and cannot be "
            "changed.",
        )


def restore_flag_error(doc: dict[str, Any]) -> ServiceError:
    """409 ``FlagMustBeSetForRestore`` for a re-create over a soft-deleted account."""
    return conflict(
        "FlagMustBeSetForRestore",
        f"An existing resource with ID '{doc['id']}' has been soft-deleted. To restore the "
        "resource, you must specify 'restore' to be 'true' in the property. If you don't want "
        "to restore existing resource, please purge it first.",
    )


def put_account(
    ctx: RequestContext, sub: str, rg: str, name: str, request: AccountRequest
) -> tuple[dict[str, Any], int]:
    """Create, update (re-PUT) or restore an account; returns (document, HTTP status).

    ``name`` was checked with ``validate_name`` (before the body, as Azure does)."""
    loc, kind, props = request.location, request.kind, dict(request.properties)
    store, at = ctx.store, rc.now()
    group = rc.require_group(store, sub, rg, at)
    doc = store.get(am.KIND, am.account_id(sub, group["name"], name))
    if doc is not None and am.is_purged(doc, at):
        doc = None
    if doc is None:
        doc = am.new_document(sub, group["name"], name, loc, kind, at)
        op_kind, status = "create", 201
    elif am.is_soft_deleted(doc, at):
        if not request.restore:
            raise restore_flag_error(doc)
        _immutable(doc, kind, loc)
        op_kind, status = "restore", 200
        doc["purge"] = None
    else:
        if am.busy(store, doc, at):
            raise rc.request_conflict(doc["id"])
        _immutable(doc, kind, loc)
        op_kind, status = "update", 200
    _keep_subdomain(doc, props)
    doc["properties"] = {k: v for k, v in props.items() if k != "restore"}
    doc["sku"] = {"name": request.sku}
    doc["tags"] = request.tags or {}
    doc["identity"] = _identity(
        request.identity, str(store.get_meta("tenant_id")), doc.get("identity")
    )
    _check_subdomain(store, doc, at)
    _commit(ctx, doc, op_kind, at)
    return doc, status


def patch_account(ctx: RequestContext, doc: dict[str, Any], patch: AccountPatch) -> dict[str, Any]:
    """Apply a partial update (tags, sku, identity, properties merged) to a live account."""
    at = rc.now()
    if am.busy(ctx.store, doc, at):
        raise rc.request_conflict(doc["id"])
    props, sku, tags = patch.properties, patch.sku, patch.tags
    merged = {**doc["properties"], **{k: v for k, v in props.items() if k != "restore"}}
    _keep_subdomain(doc, merged)
    doc["properties"] = merged
    if sku is not None:
        doc["sku"] = {"name": sku}
    if tags is not None:
        doc["tags"] = tags
    tenant = str(ctx.store.get_meta("tenant_id"))
    doc["identity"] = _identity(patch.identity, tenant, doc.get("identity"))
    _check_subdomain(ctx.store, doc, at)
    _commit(ctx, doc, "update", at)
    return doc


def delete_account(ctx: RequestContext, doc: dict[str, Any]) -> dict[str, Any]:
    """Soft-delete a live account (its deployments stay with it); returns the operation."""
    at = rc.now()
    if am.busy(ctx.store, doc, at):
        raise rc.request_conflict(doc["id"])
    return _commit(ctx, doc, "delete", at)


def purge(ctx: RequestContext, doc: dict[str, Any]) -> dict[str, Any]:
    """Purge a soft-deleted account, its deployments and role assignments for good; returns
    the operation."""
    op = lro.start(
        ctx,
        kind="purge",
        resource_id=am.deleted_id(doc),
        resource_type="deletedAccount",
        location=doc["location"],
    )
    doc["purge"] = op
    ctx.store.put(am.KIND, doc["id"], doc)
    if not op.get("error"):
        for deployment in am.deployment_docs(ctx.store, doc["id"]):
            ctx.store.delete(am.DEPLOYMENT_KIND, deployment["id"])
        # gone for good: so are the role assignments at it and below (a soft delete keeps them
        # for a restore)
        authorization.delete_assignments_under(ctx.store, doc["id"])
    return op


def _commit(ctx: RequestContext, doc: dict[str, Any], op_kind: str, at: float) -> dict[str, Any]:
    op = lro.start(
        ctx, kind=op_kind, resource_id=doc["id"], resource_type="account", location=doc["location"]
    )
    doc["op"] = op
    if op_kind != "delete":
        doc["etag"] = f'"{uuid.uuid4()}"'
        doc["systemData"] = rc.system_data(ctx, at, doc.get("systemData"))
    ctx.store.put(am.KIND, doc["id"], doc)
    return op


def soft_delete_group_accounts(store: Store, sub: str, rg: str, op: dict[str, Any]) -> None:
    """Cascade of a resource group deletion: its live accounts end soft-deleted with it."""
    at = rc.now()
    for doc in store.list(am.KIND, f"/subscriptions/{sub}/resourcegroups/{rg}/providers/"):
        if am.is_live(doc, at):
            doc["op"] = dict(op, kind="delete")
            store.put(am.KIND, doc["id"], doc)


def list_keys(doc: dict[str, Any]) -> dict[str, str]:
    """``{key1, key2}``; 400 when local (key) authentication is disabled."""
    if doc["properties"].get("disableLocalAuth"):
        raise bad_request("BadRequest", "Failed to list key. disableLocalAuth is set to be true")
    return dict(doc["keys"])


def regenerate_key(store: Store, doc: dict[str, Any], body: dict[str, Any]) -> dict[str, str]:
    """Replace ``Key1`` or ``Key2``; returns both keys."""
    key_name = rc.opt_str(body, "keyName")
    if key_name is None or key_name.lower() not in ("key1", "key2"):
        raise bad_request("InvalidKeyName", "The 'keyName' must be 'Key1' or 'Key2'.")
    if doc["properties"].get("disableLocalAuth"):
        raise bad_request(
            "BadRequest", "Failed to regenerate key. disableLocalAuth is set to be true"
        )
    doc["keys"][key_name.lower()] = am.new_keys()["key1"]
    store.put(am.KIND, doc["id"], doc)
    return dict(doc["keys"])


def check_domain(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """``checkDomainAvailability``: invalid or taken (live or soft-deleted) names are not free."""
    name = rc.opt_str(body, "subdomainName")
    if not name:
        raise bad_request("BadRequest", "The 'subdomainName' property is required.")
    kind = rc.opt_str(body, "kind")
    result: dict[str, Any] = {
        "isSubdomainAvailable": True,
        "reason": None,
        "subdomainName": name,
        "type": rc.opt_str(body, "type"),
        "kind": kind,
    }
    at = rc.now()
    if not am.SUBDOMAIN_RE.match(name):
        result.update(isSubdomainAvailable=False, reason=f"Sub domain name '{name}' is not valid")
    elif any(
        (am.subdomain_of(d) or "").lower() == name.lower() and not am.is_purged(d, at)
        for d in store.list(am.KIND)
    ):
        result.update(
            isSubdomainAvailable=False, reason=f"Sub domain name '{name}' is already used"
        )
    return result
