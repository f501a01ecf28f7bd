"""The regional model catalog and quota limits the emulated subscription sees.

Realtime models are offered (GlobalStandard only) in ``eastus2`` and ``swedencentral``, as in
the references; every known region offers the non-realtime models. Quota limits default per
usage name and can be overridden per (subscription, location, usage name) through
``PATCH /_admin/quota`` (stored as kind ``quotaLimit``, key ``{sub}/{location}/{usageName}``).
"""

from __future__ import annotations

import datetime as dt
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
class Replacement:
    """``replacementConfig``: the model version a deployment is moved to."""

    model: str
    version: str


@dataclass(frozen=True)
class ModelSpec:
    """One model version of the catalog, with its published lifecycle dates.

    ``deprecation_date`` is Microsoft's "deprecation (no new customers)" date and
    ``retirement_date`` its retirement date (``retirement_exact=False`` for a "no earlier than"
    date); both are ISO dates or None when Microsoft publishes none.
    """

    name: str
    version: str
    skus: tuple[SkuSpec, ...]
    realtime: bool = False
    is_default: bool = True
    lifecycle: str = "GenerallyAvailable"
    fmt: str = "OpenAI"
    deprecation_date: str | None = None
    retirement_date: str | None = None
    retirement_exact: bool = True
    replacement: Replacement | None = None

    def lifecycle_status(self, at: float) -> str:
        """``lifecycleStatus`` on the emulator clock: ``Deprecating`` once new customers are
        refused, ``Deprecated`` once retired (a published, exact date), else the base status."""
        if self.retirement_exact and _passed(self.retirement_date, at):
            return "Deprecated"
        if _passed(self.deprecation_date, at):
            return "Deprecating"
        return self.lifecycle

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
    name: str,
    version: str,
    *,
    default: bool = True,
    lifecycle: str = "GenerallyAvailable",
    deprecation: str | None = None,
    retirement: str | None = None,
    exact: bool = True,
    replacement: Replacement | None = None,
) -> ModelSpec:
    return ModelSpec(
        name,
        version,
        (_global(name),),
        realtime=True,
        is_default=default,
        lifecycle=lifecycle,
        deprecation_date=deprecation,
        retirement_date=retirement,
        retirement_exact=exact,
        replacement=replacement,
    )


CATALOG_SNAPSHOT = "2025-12-16"
"""Date of the Microsoft Learn page the realtime rows below follow: "Azure OpenAI in Microsoft
Foundry model deprecations and retirements" (include ``retirement/models.md``, ms.date
12/16/2025). ``gpt-realtime-mini 2025-10-06`` and ``gpt-realtime-1.5 2026-02-23`` are listed by the
``models`` API but not in that table; their dates follow the published GA policy (no new
customers 12 months after release, retirement 6 months later)."""

MODELS: tuple[ModelSpec, ...] = (
    _rt("gpt-realtime", "2025-08-28", deprecation="2026-08-28", retirement="2027-02-28"),
    _rt("gpt-realtime-mini", "2025-10-06", deprecation="2026-10-06", retirement="2027-04-06"),
    # "No earlier than December 15, 2026"; no deprecation date ("n/a")
    _rt("gpt-realtime-mini", "2025-12-15", default=False, retirement="2026-12-15", exact=False),
    _rt("gpt-realtime-1.5", "2026-02-23", deprecation="2027-02-23", retirement="2027-08-23"),
    _rt(
        "gpt-4o-realtime-preview",
        "2024-12-17",
        lifecycle="Preview",
        retirement="2026-02-02",
        replacement=Replacement("gpt-realtime", "2025-08-28"),
    ),
    # "No earlier than February 28, 2026", no replacement published
    _rt(
        "gpt-4o-mini-realtime-preview",
        "2024-12-17",
        lifecycle="Preview",
        retirement="2026-02-28",
        exact=False,
    ),
    ModelSpec(
        "gpt-4o",
        "2024-11-20",
        (
            _global("gpt-4o", maximum=30000, limit=450),
            SkuSpec("Standard", "OpenAI.Standard.gpt-4o", 10, 1000, 150),
            SkuSpec("DataZoneStandard", "OpenAI.DataZoneStandard.gpt-4o", 10, 1000, 300),
        ),
        deprecation_date="2025-11-20",
        retirement_date="2026-10-01",
        replacement=Replacement("gpt-5.1", "2025-11-13"),
    ),
    ModelSpec(
        "gpt-4.1-mini",
        "2025-04-14",
        (_global("gpt-4.1-mini", "OpenAI.GlobalStandard.gpt4.1-mini", maximum=30000, limit=1000),),
        deprecation_date="2026-04-14",
        retirement_date="2026-10-14",
        replacement=Replacement("gpt-5-mini", "2025-08-07"),
    ),
    ModelSpec(
        "whisper",
        "001",
        (SkuSpec("Standard", "OpenAI.Standard.whisper", 1, 3, 3),),
        deprecation_date="2026-06-18",  # "No earlier than June 18, 2026"
    ),
)


def models_for(location: str, kind: str) -> list[ModelSpec]:
    """Model versions deployable in ``location`` on an account of ``kind``."""
    if location.lower() not in REGIONS or kind not in ACCOUNT_KINDS_WITH_MODELS:
        return []
    realtime_ok = location.lower() in REALTIME_REGIONS
    return [m for m in MODELS if realtime_ok or not m.realtime]


def find_model(location: str, fmt: str, name: str, version: str) -> ModelSpec | None:
    """A model version deployable in ``location`` (any account kind), matched case-insensitively."""
    for kind in ACCOUNT_KINDS_WITH_MODELS:
        for model in models_for(location, kind):
            if (model.fmt.lower(), model.name.lower(), model.version) == (
                fmt.lower(),
                name.lower(),
                version,
            ):
                return model
    return None


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


def model_json(model: ModelSpec, at: float) -> dict[str, Any]:
    """A model in the wire shape of ``locations/{loc}/models`` and ``accounts/{a}/models``.

    ``deprecation.inference`` and ``skus[].deprecationDate`` carry the retirement date (when
    inference stops), as the real API does; ``replacementConfig`` names the successor.
    """
    body: dict[str, Any] = {
        "format": model.fmt,
        "name": model.name,
        "version": model.version,
        "isDefaultVersion": model.is_default,
        "lifecycleStatus": model.lifecycle_status(at),
        "maxCapacity": max(s.max_capacity for s in model.skus),
        "capabilities": model.capabilities(),
        "skus": [_sku_json(s, _timestamp(model.retirement_date)) for s in model.skus],
    }
    if model.retirement_date is not None:
        body["deprecation"] = {"inference": _timestamp(model.retirement_date)}
    if model.replacement is not None:
        body["replacementConfig"] = {
            "targetModelName": model.replacement.model,
            "targetModelVersion": model.replacement.version,
        }
    return body


def _timestamp(day: str | None) -> str | None:
    return None if day is None else f"{day}T00:00:00Z"


def _passed(day: str | None, at: float) -> bool:
    if day is None:
        return False
    moment = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
    return at >= moment.timestamp()


def _sku_json(sku: SkuSpec, deprecation: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": sku.name,
        "usageName": sku.usage_name,
        "capacity": {
            "minimum": 1,
            "maximum": sku.max_capacity,
            "step": 1,
            "default": sku.default_capacity,
        },
        "rateLimits": [
            {"key": "request", "renewalPeriod": 60, "count": sku.default_capacity},
            {"key": "token", "renewalPeriod": 60, "count": sku.default_capacity * 1000},
        ],
    }
    if deprecation is not None:
        body["deprecationDate"] = deprecation
    return body
