"""Pure conversions from ARM's wire JSON (REST-shaped dicts) to our frozen state objects.

The one field mapping for reads and writes alike: the REST reader hands over the response
bodies, the SDK writer its result models turned back into REST shape (``wire``). Nothing here
imports ``azure.*``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from provision.errors import AuthError
from provision.model import (
    AccountState,
    CatalogModel,
    CatalogSku,
    DeletedAccountState,
    DeploymentState,
    Principal,
    ResourceGroupState,
    ResourceSku,
    RoleAssignmentState,
    Usage,
    role_guid,
)

Wire = Mapping[str, Any]


def wire(model: Any) -> dict[str, Any]:
    """An SDK model in REST shape: msrest models serialize, the newer models are mappings."""
    serialize = getattr(model, "serialize", None)
    if callable(serialize):
        result: dict[str, Any] = serialize(keep_readonly=True)
        return result
    return dict(model)


def _obj(doc: Wire | None, key: str) -> Wire:
    value = doc.get(key) if doc else None
    return value if isinstance(value, Mapping) else {}


def principal_from_token(token: str) -> Principal:
    """Read ``oid``/``idtyp`` from our own access token (no signature check needed)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as exc:
        raise AuthError("the access token is not a JWT; cannot tell who is signed in") from exc
    oid = claims.get("oid")
    if not oid:
        raise AuthError("the access token has no 'oid' claim; cannot resolve principal 'self'")
    user = claims.get("idtyp") == "user" or "upn" in claims
    return Principal(oid, "User" if user else "ServicePrincipal")


def plain(value: Any) -> Any:
    """SDK enums (str subclasses) to plain strings; None stays None."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def rg_state(rg: Wire) -> ResourceGroupState:
    state = _obj(rg, "properties").get("provisioningState")
    return ResourceGroupState(
        rg.get("name") or "",
        rg.get("location") or "",
        dict(rg.get("tags") or {}),
        state or "Succeeded",
    )


def account_state(acct: Wire) -> AccountState:
    p = _obj(acct, "properties")
    return AccountState(
        name=acct.get("name") or "",
        location=acct.get("location") or "",
        kind=acct.get("kind") or "",
        sku=_obj(acct, "sku").get("name") or "",
        custom_subdomain=p.get("customSubDomainName"),
        public_network_access=p.get("publicNetworkAccess"),
        disable_local_auth=p.get("disableLocalAuth"),
        tags=dict(acct.get("tags") or {}),
        provisioning_state=p.get("provisioningState") or "Succeeded",
        endpoint=p.get("endpoint"),
        endpoints=dict(p.get("endpoints") or {}),
        id=acct.get("id") or "",
    )


def deleted_account_state(acct: Wire, location: str, resource_group: str) -> DeletedAccountState:
    p = _obj(acct, "properties")
    return DeletedAccountState(
        name=acct.get("name") or "",
        location=acct.get("location") or location,
        resource_group=resource_group,
        custom_subdomain=p.get("customSubDomainName"),
        deletion_date=p.get("deletionDate"),
        scheduled_purge_date=p.get("scheduledPurgeDate"),
    )


def deployment_state(dep: Wire) -> DeploymentState:
    p = _obj(dep, "properties")
    model, sku = _obj(p, "model"), _obj(dep, "sku")
    return DeploymentState(
        name=dep.get("name") or "",
        model=model.get("name") or "",
        version=model.get("version") or "",
        sku=sku.get("name") or "",
        capacity=int(sku.get("capacity") or 0),
        version_upgrade_option=p.get("versionUpgradeOption"),
        rai_policy=p.get("raiPolicyName"),
        model_format=model.get("format") or "OpenAI",
        tags=dict(dep.get("tags") or {}),
        provisioning_state=p.get("provisioningState") or "Succeeded",
    )


def role_assignment_state(ra: Wire) -> RoleAssignmentState:
    p = _obj(ra, "properties")
    return RoleAssignmentState(
        name=ra.get("name") or "",
        scope=p.get("scope") or "",
        principal_id=p.get("principalId") or "",
        principal_type=p.get("principalType"),
        role_definition_guid=role_guid(p.get("roleDefinitionId") or ""),
        description=p.get("description"),
    )


def usage(u: Wire) -> Usage | None:
    name = _obj(u, "name").get("value")
    if not name:
        return None
    return Usage(name, float(u.get("currentValue") or 0), float(u.get("limit") or 0))


def catalog_model(m: Wire) -> CatalogModel | None:
    model = _obj(m, "model")
    if not model:
        return None
    skus = tuple(
        CatalogSku(
            s.get("name") or "",
            s.get("usageName"),
            int(_obj(s, "capacity")["maximum"]) if _obj(s, "capacity").get("maximum") else None,
            _date_text(s.get("deprecationDate")),
        )
        for s in (model.get("skus") or [])
    )
    deprecation = _obj(model, "deprecation")
    replacement = _obj(model, "replacementConfig")
    capabilities = model.get("capabilities") or {}
    return CatalogModel(
        kind=m.get("kind") or "",
        name=model.get("name") or "",
        version=model.get("version") or "",
        skus=skus,
        lifecycle_status=model.get("lifecycleStatus"),
        deprecation_inference=_date_text(deprecation.get("inference")),
        is_default_version=bool(model.get("isDefaultVersion")),
        realtime=str(capabilities.get("realtime", "")).lower() == "true",
        deprecation_status=deprecation.get("deprecationStatus"),
        replacement_name=replacement.get("targetModelName"),
        replacement_version=replacement.get("targetModelVersion"),
    )


def resource_sku(s: Wire) -> ResourceSku:
    restricted: list[str] = []
    for r in s.get("restrictions") or []:
        if r.get("type") == "Location":
            restricted += list(r.get("values") or [])
    return ResourceSku(
        resource_type=s.get("resourceType") or "",
        name=s.get("name") or "",
        kind=s.get("kind") or "",
        locations=tuple(s.get("locations") or ()),
        restricted=tuple(restricted),
    )


def _date_text(value: Any) -> str | None:
    return str(value) if value else None
