"""Account request bodies, validated into typed requests (what the rules take).

``parse_put`` reads a PUT body (after the typed-field coercion of ``fields.py``), ``parse_patch``
a PATCH body. Account ``properties`` stay a JSON object: Azure stores and echoes what it does not
interpret, so the emulator keeps them as given (checked where it interprets them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.arm import common as rc
from emulator.cognitiveservices import catalog
from emulator.cognitiveservices.accounts import models as am
from emulator.cognitiveservices.capacity import ACCOUNT_SKUS
from emulator.errors import bad_request


@dataclass(frozen=True)
class AccountRequest:
    """A validated account PUT."""

    kind: str
    location: str
    sku: str
    properties: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] | None = None
    identity: dict[str, Any] | None = None
    restore: bool = False


@dataclass(frozen=True)
class AccountPatch:
    """A validated account PATCH (every part optional)."""

    sku: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] | None = None
    identity: dict[str, Any] | None = None


def parse_put(body: dict[str, Any]) -> AccountRequest:
    """Validate a PUT body; raises Azure's 400s in Azure's order (location, kind, sku, ...)."""
    location, kind = _location(body), _kind(body)
    sku = _sku(body, kind, required=True)
    assert sku is not None
    props = _properties(body)
    return AccountRequest(
        kind=kind,
        location=location,
        sku=sku,
        properties={k: v for k, v in props.items() if k != "restore"},
        tags=rc.tags(body),
        identity=rc.opt_object(body, "identity"),
        restore=bool(props.get("restore")),
    )


def parse_patch(body: dict[str, Any], kind: str) -> AccountPatch:
    """Validate a PATCH body of an account of ``kind``."""
    props = _properties(body)
    return AccountPatch(
        sku=_sku(body, kind, required=False),
        properties={k: v for k, v in props.items() if k != "restore"},
        tags=rc.tags(body),
        identity=rc.opt_object(body, "identity"),
    )


_NETWORK_ACCESS = {"enabled": "Enabled", "disabled": "Disabled"}


def _kind(body: dict[str, Any]) -> str:
    kind = rc.opt_str(body, "kind")
    if not kind:
        raise bad_request("KindRequired", "The 'kind' property is required for an account.")
    match = next((k for k in am.ACCOUNT_KINDS if k.lower() == kind.lower()), None)
    if match is None:
        raise bad_request(
            "InvalidApiSetId",
            f"The account type '{kind}' is either invalid or unavailable in given region.",
        )
    return match


def _sku(body: dict[str, Any], kind: str, *, required: bool) -> str | None:
    sku = rc.opt_object(body, "sku")
    name = None if sku is None else rc.opt_str(sku, "name", "sku.name")
    if not name:
        if required or sku is not None:
            raise bad_request("SkuRequired", "The 'sku.name' property is required.")
        return None
    if name.upper() not in ACCOUNT_SKUS[kind]:
        raise bad_request("InvalidSkuName", f"The SKU '{name}' is not valid for kind '{kind}'.")
    return name.upper()


def _location(body: dict[str, Any]) -> str:
    loc = rc.location(body, "account")
    if loc not in catalog.REGIONS:
        raise bad_request(
            "LocationNotAvailableForResourceType",
            f"The provided location '{loc}' is not available for resource type '{am.TYPE}'. "
            f"List of available regions for the resource type is "
            f"'{','.join(sorted(catalog.REGIONS))}'.",
        )
    return loc


def _properties(body: dict[str, Any]) -> dict[str, Any]:
    props = dict(rc.opt_object(body, "properties") or {})
    sub = rc.opt_str(props, "customSubDomainName", "properties.customSubDomainName")
    if sub is not None and not am.SUBDOMAIN_RE.match(sub):
        # Azure's code and wording (seen in public reports, e.g. for 'ai_foundry-resource')
        raise bad_request("CustomDomainInvalid", f"Sub domain name '{sub}' is not valid.")
    access = rc.opt_str(props, "publicNetworkAccess", "properties.publicNetworkAccess")
    if access is not None:
        if access.lower() not in _NETWORK_ACCESS:
            raise rc.invalid_content(
                "properties.publicNetworkAccess", f"Requested value '{access}' was not found."
            )
        props["publicNetworkAccess"] = _NETWORK_ACCESS[access.lower()]
    for flag in ("disableLocalAuth", "restore", "allowProjectManagement"):
        rc.opt_bool(props, flag, f"properties.{flag}")
    acls = rc.opt_object(props, "networkAcls", "properties.networkAcls")
    if acls is not None:
        action = rc.opt_str(acls, "defaultAction", "properties.networkAcls.defaultAction")
        if action is not None and action not in ("Allow", "Deny"):
            raise rc.invalid_content(
                "properties.networkAcls.defaultAction", f"Requested value '{action}' was not found."
            )
    return props
