"""Which SKUs and how much model capacity a subscription can get, region by region.

* ``GET $S/providers/Microsoft.CognitiveServices/skus``: account SKUs per kind and region (what
  a pre-flight check reads before creating an account);
* ``POST $S/providers/Microsoft.CognitiveServices/locations/{loc}/checkSkuAvailability``;
* ``GET $S/providers/Microsoft.CognitiveServices/modelCapacities`` and its location-scoped form
  ``…/locations/{loc}/modelCapacities`` (``modelFormat``, ``modelName``, ``modelVersion``):
  per region and deployment SKU, the capacity still available = quota limit - deployed capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from emulator.arm import common as rc
from emulator.authorization import rbac
from emulator.cognitiveservices import catalog
from emulator.cognitiveservices.accounts import models as am
from emulator.cognitiveservices.deployments import models as dm
from emulator.errors import bad_request
from emulator.http import RequestContext, Route, json_response
from emulator.store import Store

NS = "Microsoft.CognitiveServices"
ACCOUNT_TYPE = f"{NS}/accounts"
# Account SKUs by kind: Azure OpenAI is S0 only; the multi-service kinds also have a free tier.
ACCOUNT_SKUS: dict[str, tuple[str, ...]] = {
    "OpenAI": ("S0",),
    "AIServices": ("S0",),
    "CognitiveServices": ("S0", "F0"),
}
_TIERS = {"S0": "Standard", "F0": "Free"}


@dataclass(frozen=True)
class SkuOffer:
    """One account SKU of one kind in one region."""

    kind: str
    name: str
    location: str

    def to_json(self) -> dict[str, Any]:
        """``ResourceSku`` wire shape."""
        return {
            "resourceType": "accounts",
            "name": self.name,
            "tier": _TIERS[self.name],
            "kind": self.kind,
            "locations": [self.location.upper()],
            "restrictions": [],
        }


def sku_offers() -> list[SkuOffer]:
    """Every (kind, SKU, region) an account can be created with."""
    return [
        SkuOffer(kind, sku, loc)
        for kind in am.ACCOUNT_KINDS
        for sku in ACCOUNT_SKUS[kind]
        for loc in sorted(catalog.REGIONS)
    ]


def sku_available(kind: str, sku: str, location: str) -> bool:
    """Whether an account of ``kind`` can use ``sku`` in ``location``."""
    kinds = {k.lower(): k for k in ACCOUNT_SKUS}
    canonical = kinds.get(kind.lower())
    return (
        canonical is not None
        and sku.upper() in ACCOUNT_SKUS[canonical]
        and rc.normalize_location(location) in catalog.REGIONS
    )


async def resource_skus(ctx: RequestContext) -> web.Response:
    """``GET $S/providers/Microsoft.CognitiveServices/skus``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{NS}/skus/read", f"/subscriptions/{sub}")
    return json_response({"value": [offer.to_json() for offer in sku_offers()]})


def _string_list(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise bad_request(
            "InvalidRequestContent", f"The '{key}' property must be a list of SKU names."
        )
    return list(value)


def _required_str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise bad_request("InvalidRequestContent", f"The '{key}' property is required.")
    return value


async def check_sku_availability(ctx: RequestContext) -> web.Response:
    """``POST …/locations/{loc}/checkSkuAvailability`` ``{skus, kind, type}``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{NS}/locations/checkSkuAvailability/action", f"/subscriptions/{sub}")
    body = await ctx.json_object()
    skus, kind, kind_type = (
        _string_list(body, "skus"),
        _required_str(body, "kind"),
        _required_str(body, "type"),
    )
    location = rc.normalize_location(ctx.params["loc"])
    return json_response({"value": [_availability(s, kind, kind_type, location) for s in skus]})


def _availability(sku: str, kind: str, kind_type: str, location: str) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": kind, "type": kind_type, "skuName": sku}
    if kind_type.lower() != ACCOUNT_TYPE.lower():
        item.update(skuAvailable=False, reason="InvalidResourceType")
        item["message"] = f"The resource type '{kind_type}' has no SKUs."
    elif sku_available(kind, sku, location):
        item["skuAvailable"] = True
    else:
        item.update(skuAvailable=False, reason="SkuNotAvailable")
        item["message"] = f"The SKU '{sku}' is not available for kind '{kind}' in '{location}'."
    return item


def _model_query(ctx: RequestContext) -> tuple[str, str, str]:
    values = [ctx.query(name) for name in ("modelFormat", "modelName", "modelVersion")]
    if not all(values):
        raise bad_request(
            "InvalidRequestParameter",
            "The query parameters 'modelFormat', 'modelName' and 'modelVersion' are required.",
        )
    fmt, name, version = (str(v) for v in values)
    return fmt, name, version


def capacities(
    store: Store, sub: str, fmt: str, name: str, version: str, locations: list[str]
) -> list[dict[str, Any]]:
    """``ModelCapacityListResultValueItem``s: per region and SKU, the capacity left."""
    at = rc.now()
    items = []
    for location in locations:
        model = catalog.find_model(location, fmt, name, version)
        if model is None:
            continue
        used = dm.usage_totals(store, sub, location, at)
        for sku in model.skus:
            limit = catalog.quota_limit(store, sub, location, sku.usage_name)
            left = max(min(limit - used.get(sku.usage_name, 0), sku.max_capacity), 0)
            items.append(_capacity_item(sub, location, model, sku.name, left))
    return items


def _capacity_item(
    sub: str, location: str, model: catalog.ModelSpec, sku_name: str, available: int
) -> dict[str, Any]:
    name = f"{location}-{sku_name}-{model.name}-{model.version}"
    return {
        "id": f"/subscriptions/{sub}/providers/{NS}/locations/{location}/modelCapacities/{name}",
        "name": name,
        "type": f"{NS}/locations/modelCapacities",
        "location": location,
        "properties": {
            "model": {"format": model.fmt, "name": model.name, "version": model.version},
            "skuName": sku_name,
            "availableCapacity": float(available),
            "availableFinetuneCapacity": 0.0,
        },
    }


async def model_capacities(ctx: RequestContext) -> web.Response:
    """``GET $S/providers/Microsoft.CognitiveServices/modelCapacities``: every region."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{NS}/modelCapacities/read", f"/subscriptions/{sub}")
    fmt, name, version = _model_query(ctx)
    regions = sorted(catalog.REGIONS)
    return json_response({"value": capacities(ctx.store, sub, fmt, name, version, regions)})


async def location_model_capacities(ctx: RequestContext) -> web.Response:
    """``GET …/locations/{loc}/modelCapacities``: one region."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, f"{NS}/locations/modelCapacities/read", f"/subscriptions/{sub}")
    fmt, name, version = _model_query(ctx)
    location = rc.normalize_location(ctx.params["loc"])
    return json_response({"value": capacities(ctx.store, sub, fmt, name, version, [location])})


_S = r"/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.CognitiveServices"
_LOC = _S + r"/locations/(?P<loc>[^/]+)"
ROUTES = [
    Route("GET", _S + r"/skus", resource_skus),
    Route("POST", _LOC + r"/checkSkuAvailability", check_sku_availability),
    Route("GET", _S + r"/modelCapacities", model_capacities),
    Route("GET", _LOC + r"/modelCapacities", location_model_capacities),
]
