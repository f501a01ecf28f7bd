"""Pure conversions from Azure SDK model objects (duck-typed) to our frozen state objects.

Kept apart from ``azure.py`` so that module stays about the SDK calls; nothing here imports
``azure.*``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from provision.errors import AuthError
from provision.model import (
    AccountState,
    CatalogModel,
    CatalogSku,
    DeploymentState,
    Principal,
    ResourceGroupState,
    ResourceSku,
)


class _Empty:
    """Stands in for a missing SDK sub-object: every attribute is None."""

    def __getattr__(self, name: str) -> None:
        return None


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


def rg_state(rg: Any) -> ResourceGroupState:
    state = rg.properties.provisioning_state if rg.properties else None
    return ResourceGroupState(
        rg.name, rg.location, dict(rg.tags or {}), plain(state) or "Succeeded"
    )


def account_state(acct: Any) -> AccountState:
    p = acct.properties or _Empty()
    return AccountState(
        name=acct.name,
        location=acct.location,
        kind=plain(acct.kind),
        sku=plain(acct.sku.name) if acct.sku else "",
        custom_subdomain=p.custom_sub_domain_name,
        public_network_access=plain(p.public_network_access),
        disable_local_auth=p.disable_local_auth,
        tags=dict(acct.tags or {}),
        provisioning_state=plain(p.provisioning_state) or "Succeeded",
        endpoint=p.endpoint,
        endpoints=dict(p.endpoints or {}),
        id=acct.id or "",
    )


def deployment_state(dep: Any) -> DeploymentState:
    p = dep.properties or _Empty()
    model = p.model or _Empty()
    return DeploymentState(
        name=dep.name,
        model=model.name or "",
        version=model.version or "",
        sku=plain(dep.sku.name) if dep.sku else "",
        capacity=int(dep.sku.capacity or 0) if dep.sku else 0,
        version_upgrade_option=plain(p.version_upgrade_option),
        rai_policy=p.rai_policy_name,
        model_format=model.format or "OpenAI",
        tags=dict(dep.tags or {}),
        provisioning_state=plain(p.provisioning_state) or "Succeeded",
    )


def catalog_model(m: Any) -> CatalogModel:
    model = m.model
    skus = tuple(
        CatalogSku(
            plain(s.name),
            s.usage_name,
            int(s.capacity.maximum) if s.capacity and s.capacity.maximum else None,
            _date_text(s.deprecation_date),
        )
        for s in (model.skus or [])
    )
    deprecation = model.deprecation
    replacement = model.replacement_config
    capabilities = model.capabilities or {}
    return CatalogModel(
        kind=plain(m.kind) or "",
        name=model.name,
        version=model.version,
        skus=skus,
        lifecycle_status=plain(model.lifecycle_status),
        deprecation_inference=_date_text(deprecation.inference if deprecation else None),
        is_default_version=bool(model.is_default_version),
        realtime=str(capabilities.get("realtime", "")).lower() == "true",
        deprecation_status=plain(deprecation.deprecation_status) if deprecation else None,
        replacement_name=replacement.target_model_name if replacement else None,
        replacement_version=replacement.target_model_version if replacement else None,
    )


def resource_sku(s: Any) -> ResourceSku:
    restricted: list[str] = []
    for r in s.restrictions or []:
        if plain(r.type) == "Location":
            restricted += list(r.values or [])
    return ResourceSku(
        resource_type=s.resource_type or "",
        name=s.name or "",
        kind=s.kind or "",
        locations=tuple(s.locations or ()),
        restricted=tuple(restricted),
    )


def _date_text(value: Any) -> str | None:
    return str(value) if value else None
