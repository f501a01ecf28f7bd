"""Deployment write rules: body validation, catalog and quota checks, create/update/delete.

Every function runs inside one store transaction and raises ARM-shaped ``ServiceError``s.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from emulator.arm import common as rc
from emulator.arm import lro
from emulator.authorization import storage as authorization
from emulator.cognitiveservices import catalog
from emulator.cognitiveservices.accounts import models as am
from emulator.cognitiveservices.deployments import models as dm
from emulator.cognitiveservices.deployments.fields import UPGRADE_OPTIONS
from emulator.errors import ServiceError, bad_request, conflict
from emulator.http import RequestContext

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class DeploymentSpec:
    """A validated deployment request (before catalog checks)."""

    sku_name: str
    capacity: int | None
    model_format: str
    model_name: str
    model_version: str | None
    extra: dict[str, Any]
    tags: dict[str, str] | None


def _invalid(message: str) -> ServiceError:
    return bad_request("InvalidResourceProperties", message)


def parse(body: dict[str, Any]) -> DeploymentSpec:
    """Check types and required fields; ``sku`` is top level (defaults to Standard/1)."""
    sku = rc.opt_object(body, "sku") or {}
    sku_name = rc.opt_str(sku, "name", "sku.name") or "Standard"
    capacity = rc.opt_int(sku, "capacity", "sku.capacity")
    props = rc.opt_object(body, "properties")
    model = None if props is None else rc.opt_object(props, "model", "properties.model")
    if model is None:
        raise _invalid("The 'properties.model' of the account deployment is required.")
    name = rc.opt_str(model, "name", "properties.model.name")
    fmt = rc.opt_str(model, "format", "properties.model.format")
    if not name or not fmt:
        raise _invalid("The model 'name' and 'format' of the account deployment are required.")
    version = rc.opt_str(model, "version", "properties.model.version") or None
    assert props is not None
    upgrade = rc.opt_str(props, "versionUpgradeOption", "properties.versionUpgradeOption")
    if upgrade is not None and upgrade not in UPGRADE_OPTIONS:
        raise rc.invalid_content(
            "properties.versionUpgradeOption", f"Requested value '{upgrade}' was not found."
        )
    rai = rc.opt_str(props, "raiPolicyName", "properties.raiPolicyName")
    extra = {
        k: v
        for k, v in props.items()
        if k not in ("model", "provisioningState", "capabilities", "rateLimits", "currentCapacity")
    }
    extra["versionUpgradeOption"] = upgrade or "OnceNewDefaultVersionAvailable"
    extra["raiPolicyName"] = rai or "Microsoft.DefaultV2"
    return DeploymentSpec(sku_name, capacity, fmt, name, version, extra, rc.tags(body))


def resolve(
    account: dict[str, Any], spec: DeploymentSpec
) -> tuple[catalog.ModelSpec, catalog.SkuSpec, int]:
    """The catalog model and SKU for the request, and the capacity to deploy."""
    candidates = [
        m
        for m in catalog.models_for(account["location"], account["kind"])
        if m.name.lower() == spec.model_name.lower()
    ]
    if not candidates or candidates[0].fmt.lower() != spec.model_format.lower():
        raise bad_request(
            "DeploymentModelNotSupported",
            f"Creating account deployment is not supported by the model '{spec.model_name}'. "
            "This is usually because there are better models available for the similar "
            "functionality.",
        )
    if spec.model_version is None:
        model = next((m for m in candidates if m.is_default), candidates[0])
    else:
        found = [m for m in candidates if m.version == spec.model_version]
        if not found:
            raise bad_request(
                "DeploymentModelNotSupported",
                f"Creating account deployment is not supported by the model "
                f"'{spec.model_name}' version '{spec.model_version}'.",
            )
        model = found[0]
    sku = model.sku(spec.sku_name)
    if sku is None:
        raise _invalid(
            f"The specified SKU '{spec.sku_name}' of account deployment is not supported by the "
            f"model '{model.name}' version: '{model.version}'."
        )
    capacity = sku.default_capacity if spec.capacity is None else spec.capacity
    if capacity <= 0 or capacity > sku.max_capacity:
        raise bad_request(
            "InvalidCapacity",
            f"The specified capacity '{capacity}' of account deployment should be greater than "
            f"0 and no more than {sku.max_capacity}.",
        )
    return model, sku, capacity


def check_quota(
    ctx: RequestContext,
    account: dict[str, Any],
    deployment_id: str,
    model: catalog.ModelSpec,
    sku: catalog.SkuSpec,
    capacity: int,
) -> None:
    """400 ``InsufficientQuota`` when the region's usage plus ``capacity`` exceeds the limit."""
    sub, loc = account["subscriptionId"], account["location"]
    current = dm.usage_totals(ctx.store, sub, loc, rc.now(), exclude=deployment_id).get(
        sku.usage_name, 0
    )
    limit = catalog.quota_limit(ctx.store, sub, loc, sku.usage_name)
    if current + capacity > limit:
        label = catalog.usage_label(model.name, sku.name)
        raise bad_request(
            "InsufficientQuota",
            f"This operation require {capacity} new capacity in quota {label}, which is bigger "
            f"than the current available capacity {max(limit - current, 0)}. The current quota "
            f"usage is {current} and the quota limit is {limit} for quota {label}.",
        )


def _require_ready(ctx: RequestContext, account: dict[str, Any], at: float) -> None:
    state = lro.provisioning_state(account.get("op"), at)
    if state != "Succeeded":
        raise conflict(
            "AccountProvisioningStateInvalid",
            f"Call to Microsoft.CognitiveServices/accounts failed. The account "
            f"'{account['name']}' is in provisioning state '{state}'; deployments can be "
            "written only when it is 'Succeeded'.",
        )
    if am.busy(ctx.store, account, at):
        raise rc.request_conflict(account["id"])


def validate_name(name: str) -> None:
    """Deployment names: 1-64 characters, ``^[a-zA-Z0-9][a-zA-Z0-9_.-]*$``."""
    if not NAME_RE.match(name):
        raise bad_request("InvalidResourceName", f"Resource name '{name}' is invalid.")


@dataclass(frozen=True)
class DeploymentPatch:
    """A validated ``PATCH`` body: ``{tags, sku}``, each optional."""

    tags: dict[str, str] | None
    sku_name: str | None
    capacity: int | None
    sku_given: bool


def parse_patch(body: dict[str, Any]) -> DeploymentPatch:
    """Check a PATCH body's types."""
    sku = rc.opt_object(body, "sku")
    return DeploymentPatch(
        tags=rc.tags(body),
        sku_name=None if sku is None else rc.opt_str(sku, "name", "sku.name"),
        capacity=None if sku is None else rc.opt_int(sku, "capacity", "sku.capacity"),
        sku_given=sku is not None,
    )


def put_deployment(
    ctx: RequestContext, account: dict[str, Any], name: str, spec: DeploymentSpec
) -> tuple[dict[str, Any], int]:
    """Create (201) or update (200) a deployment; returns (document, HTTP status).

    ``name`` was checked with ``validate_name`` and the body parsed with ``parse``."""
    at = rc.now()
    did = dm.key(account["id"], name)
    doc = ctx.store.get(dm.KIND, did)
    if doc is not None and dm.is_gone(doc, at):
        doc = None
    _require_ready(ctx, account, at)
    model, sku, capacity = resolve(account, spec)
    if doc is not None and doc["properties"]["model"]["name"].lower() != model.name.lower():
        raise _invalid(
            f"The model of deployment '{doc['name']}' is "
            f"'{doc['properties']['model']['name']}' and cannot be changed to '{model.name}'."
        )
    check_quota(ctx, account, did, model, sku, capacity)
    status, kind = (201, "create") if doc is None else (200, "update")
    if doc is None:
        doc = {
            "id": did,
            "name": name,
            "accountId": account["id"],
            "createdAt": at,
            "adminState": None,
        }
    doc.update(
        sku={"name": sku.name, "capacity": capacity},
        tags=spec.tags or {},
        location=account["location"],
        usageName=sku.usage_name,
        properties={
            **spec.extra,
            "capabilities": model.capabilities(),
            "model": {"format": model.fmt, "name": model.name, "version": model.version},
        },
    )
    _commit(ctx, doc, kind, at, account["location"])
    return doc, status


def patch_deployment(
    ctx: RequestContext, account: dict[str, Any], doc: dict[str, Any], patch: DeploymentPatch
) -> dict[str, Any]:
    """``PATCH`` ``{tags, sku}``: capacity changes are checked against catalog and quota."""
    at = rc.now()
    _require_ready(ctx, account, at)
    tags = patch.tags
    if patch.sku_given:
        current = doc["properties"]["model"]
        capacity = patch.capacity
        spec = DeploymentSpec(
            patch.sku_name or doc["sku"]["name"],
            doc["sku"]["capacity"] if capacity is None else capacity,
            current["format"],
            current["name"],
            current["version"],
            {},
            None,
        )
        model, sku_spec, capacity = resolve(account, spec)
        check_quota(ctx, account, doc["id"], model, sku_spec, capacity)
        doc["sku"] = {"name": sku_spec.name, "capacity": capacity}
        doc["usageName"] = sku_spec.usage_name
    if tags is not None:
        doc["tags"] = tags
    _commit(ctx, doc, "update", at, account["location"])
    return doc


def delete_deployment(
    ctx: RequestContext, account: dict[str, Any], doc: dict[str, Any]
) -> dict[str, Any]:
    """Start deleting a deployment (and the role assignments at it); returns the operation."""
    at = rc.now()
    if am.busy(ctx.store, account, at):
        raise rc.request_conflict(account["id"])
    op = _commit(ctx, doc, "delete", at, account["location"])
    if not op.get("error"):  # a deployment is deleted for good (no soft delete)
        authorization.delete_assignments_under(ctx.store, doc["id"])
    return op


def _commit(
    ctx: RequestContext, doc: dict[str, Any], kind: str, at: float, location: str
) -> dict[str, Any]:
    op = lro.start(
        ctx, kind=kind, resource_id=doc["id"], resource_type="deployment", location=location
    )
    doc["op"] = op
    if kind != "delete":
        doc["etag"] = f'"{uuid.uuid4()}"'
        doc["systemData"] = rc.system_data(ctx, at, doc.get("systemData"))
    ctx.store.put(dm.KIND, doc["id"], doc)
    return op
