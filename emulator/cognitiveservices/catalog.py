"""The regional model catalog and quota limits the emulated subscription sees.

Realtime models are offered (GlobalStandard only) in ``eastus2`` and ``swedencentral``, as in
the references; every known region offers the non-realtime models. Quota limits default per
usage name and can be overridden per (subscription, location, usage name) through
``PATCH /_admin/quota`` (stored as kind ``quotaLimit``, key ``{sub}/{location}/{usageName}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.store import Store

QUOTA_KIND = "quotaLimit"
ACCOUNT_KINDS_WITH_MODELS = ("OpenAI", "AIServices")
REALTIME_REGIONS = frozenset({"eastus2", "swedencentral"})
REGIONS = frozenset(
    {
        "eastus",
        "eastus2",
        "westus",
        "westus2",
        "westus3",
        "centralus",
        "northcentralus",
        "southcentralus",
        "canadacentral",
        "canadaeast",
        "brazilsouth",
        "swedencentral",
        "francecentral",
        "germanywestcentral",
        "norwayeast",
        "polandcentral",
        "switzerlandnorth",
        "uksouth",
        "westeurope",
        "northeurope",
        "italynorth",
        "spaincentral",
        "australiaeast",
        "japaneast",
        "koreacentral",
        "southindia",
        "centralindia",
        "southeastasia",
        "eastasia",
        "southafricanorth",
        "uaenorth",
    }
)
ACCOUNT_COUNT = "AccountCount"
ACCOUNT_COUNT_LIMIT = 200


@dataclass(frozen=True)
class SkuSpec:
    """One deployment SKU of a model version."""

    name: str
    usage_name: str
    default_capacity: int
    max_capacity: int
    default_limit: int


@dataclass(frozen=True)
class ModelSpec:
    """One model version of the catalog."""

    name: str
    version: str
    skus: tuple[SkuSpec, ...]
    realtime: bool = False
    is_default: bool = True
    lifecycle: str = "GenerallyAvailable"
    fmt: str = "OpenAI"
    deprecation: str = "2027-04-06T00:00:00Z"

    def sku(self, name: str) -> SkuSpec | None:
        """The SKU called ``name`` (case-insensitive), if the model offers it."""
        return next((s for s in self.skus if s.name.lower() == name.lower()), None)

    def capabilities(self) -> dict[str, str]:
        """Catalog capability flags (strings, as Azure sends them)."""
        if self.realtime:
            return {
                "realtime": "true",
                "chatCompletion": "false",
                "completion": "false",
                "assistants": "false",
            }
        if self.name == "whisper":
            return {"audio": "true", "chatCompletion": "false"}
        return {"chatCompletion": "true", "assistants": "true", "realtime": "false"}


def _global(
    model: str,
    usage: str | None = None,
    *,
    maximum: int = 1000,
    limit: int = 100,
    default: int = 10,
) -> SkuSpec:
    return SkuSpec(
        "GlobalStandard", usage or f"OpenAI.GlobalStandard.{model}", default, maximum, limit
    )


def _rt(
    name: str, version: str, *, default: bool = True, lifecycle: str = "GenerallyAvailable"
) -> ModelSpec:
    return ModelSpec(
        name, version, (_global(name),), realtime=True, is_default=default, lifecycle=lifecycle
    )


MODELS: tuple[ModelSpec, ...] = (
    _rt("gpt-realtime", "2025-08-28"),
    _rt("gpt-realtime-mini", "2025-10-06"),
    _rt("gpt-realtime-mini", "2025-12-15", default=False),
    _rt("gpt-realtime-1.5", "2026-02-23"),
    _rt("gpt-4o-realtime-preview", "2024-12-17", lifecycle="Preview"),
    _rt("gpt-4o-mini-realtime-preview", "2024-12-17", lifecycle="Preview"),
    ModelSpec(
        "gpt-4o",
        "2024-11-20",
        (
            _global("gpt-4o", maximum=30000, limit=450),
            SkuSpec("Standard", "OpenAI.Standard.gpt-4o", 10, 1000, 150),
            SkuSpec("DataZoneStandard", "OpenAI.DataZoneStandard.gpt-4o", 10, 1000, 300),
        ),
    ),
    ModelSpec(
        "gpt-4.1-mini",
        "2025-04-14",
        (_global("gpt-4.1-mini", "OpenAI.GlobalStandard.gpt4.1-mini", maximum=30000, limit=1000),),
    ),
    ModelSpec("whisper", "001", (SkuSpec("Standard", "OpenAI.Standard.whisper", 1, 3, 3),)),
)


def models_for(location: str, kind: str) -> list[ModelSpec]:
    """Model versions deployable in ``location`` on an account of ``kind``."""
    if location.lower() not in REGIONS or kind not in ACCOUNT_KINDS_WITH_MODELS:
        return []
    realtime_ok = location.lower() in REALTIME_REGIONS
    return [m for m in MODELS if realtime_ok or not m.realtime]


def usage_label(model: str, sku: str) -> str:
    """Human name of a quota, as quoted in ``InsufficientQuota`` messages."""
    return f"Tokens Per Minute (thousands) - {model} - {sku}"


def usages_for(location: str) -> dict[str, tuple[str, int]]:
    """Usage names of a region -> (localized name, default limit)."""
    found: dict[str, tuple[str, int]] = {}
    for kind in ACCOUNT_KINDS_WITH_MODELS:
        for model in models_for(location, kind):
            for sku in model.skus:
                found.setdefault(
                    sku.usage_name, (usage_label(model.name, sku.name), sku.default_limit)
                )
    return found


def quota_limit(store: Store, sub: str, location: str, usage_name: str) -> int:
    """The limit of a usage in a region: an admin override, else the catalog default."""
    override = store.get(QUOTA_KIND, f"{sub}/{location}/{usage_name}")
    if override is not None:
        return int(override["limit"])
    if usage_name == ACCOUNT_COUNT:
        return ACCOUNT_COUNT_LIMIT
    return usages_for(location).get(usage_name, ("", 0))[1]


def set_quota_limit(store: Store, sub: str, location: str, usage_name: str, limit: int) -> None:
    """Override a limit (test hook)."""
    store.put(QUOTA_KIND, f"{sub}/{location}/{usage_name}", {"limit": limit})


def model_json(model: ModelSpec) -> dict[str, Any]:
    """A model in the wire shape of ``locations/{loc}/models`` and ``accounts/{a}/models``."""
    return {
        "format": model.fmt,
        "name": model.name,
        "version": model.version,
        "isDefaultVersion": model.is_default,
        "lifecycleStatus": model.lifecycle,
        "maxCapacity": max(s.max_capacity for s in model.skus),
        "capabilities": model.capabilities(),
        "deprecation": {"inference": model.deprecation},
        "skus": [_sku_json(s, model.deprecation) for s in model.skus],
    }


def _sku_json(sku: SkuSpec, deprecation: str) -> dict[str, Any]:
    return {
        "name": sku.name,
        "usageName": sku.usage_name,
        "capacity": {
            "minimum": 1,
            "maximum": sku.max_capacity,
            "step": 1,
            "default": sku.default_capacity,
        },
        "deprecationDate": deprecation,
        "rateLimits": [
            {"key": "request", "renewalPeriod": 60, "count": sku.default_capacity},
            {"key": "token", "renewalPeriod": 60, "count": sku.default_capacity * 1000},
        ],
    }
