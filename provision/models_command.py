"""``provision models``: the realtime model versions, SKUs and free quota in an environment's
region, for its account kind (like azd's quota-aware location prompt, but for realtime).

Two reads through the environment's backend: the regional catalog
(``locations/{loc}/models``) and the quota usages (``locations/{loc}/usages``); free quota is
``limit - current`` of the usage each SKU names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from provision.documents import FORMAT_VERSION
from provision.lifecycle import parse_day


def is_realtime(entry: Any) -> bool:
    """True for realtime models (catalog capability, else the name as a fallback)."""
    flag = getattr(entry, "realtime", None)
    if isinstance(flag, bool) and flag:
        return True
    return "realtime" in str(entry.name).lower()


def quota_of(usage_name: str | None, usages: Sequence[Any]) -> dict[str, Any] | None:
    """``{usage_name, limit, used, free}`` of the usage a SKU draws from (None if unknown)."""
    if not usage_name:
        return None
    for usage in usages:
        if usage.name.lower() == usage_name.lower():
            free = max(usage.limit - usage.current, 0.0)
            return {
                "usage_name": usage.name,
                "limit": usage.limit,
                "used": usage.current,
                "free": free,
            }
    return None


def model_row(entry: Any, usages: Sequence[Any], used_by: Sequence[str] = ()) -> dict[str, Any]:
    """One catalog entry as a ``models`` row, each SKU with its quota; ``used_by`` names the
    environment's deployments of this model version."""
    retires = parse_day(getattr(entry, "deprecation_inference", None))
    name = getattr(entry, "replacement_name", None)
    version = getattr(entry, "replacement_version", None)
    replacement = " ".join(p for p in (name, version) if p) or None
    return {
        "name": entry.name,
        "version": entry.version,
        "lifecycle_status": getattr(entry, "lifecycle_status", None),
        "is_default_version": bool(getattr(entry, "is_default_version", False)),
        "retires_on": retires.isoformat() if retires else None,
        "replacement": replacement,
        "used_by": list(used_by),
        "skus": [
            {
                "name": sku.name,
                "usage_name": sku.usage_name,
                "max_capacity": sku.max_capacity,
                "quota": quota_of(sku.usage_name, usages),
            }
            for sku in entry.skus
        ],
    }


def models_document(
    environment: str,
    location: str,
    kind: str,
    catalog: Sequence[Any],
    usages: Sequence[Any],
    deployments: Sequence[Any] = (),
) -> dict[str, Any]:
    """``provision models --json`` (docs/schemas/models.schema.json), sorted by name/version;
    ``deployments`` (the environment's specs) fill each row's ``used_by``."""

    def users(entry: Any) -> list[str]:
        return [
            d.name
            for d in deployments
            if d.model.lower() == entry.name.lower() and d.version == entry.version
        ]

    rows = [
        model_row(entry, usages, users(entry))
        for entry in catalog
        if is_realtime(entry) and (not getattr(entry, "kind", "") or entry.kind == kind)
    ]
    rows.sort(key=lambda r: (r["name"], r["version"]))
    return {
        "format_version": FORMAT_VERSION,
        "environment": environment,
        "location": location,
        "account_kind": kind,
        "models": rows,
    }


def read(session: Any) -> dict[str, Any]:
    """Read catalog and usages for the session's region (two GETs, concurrently)."""
    from concurrent.futures import ThreadPoolExecutor

    desired = session.desired
    location = desired.account.location
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="models") as pool:
        catalog = pool.submit(session.backend.list_models, location)
        usages = pool.submit(session.backend.list_usages, location)
        return models_document(
            desired.environment,
            location,
            desired.account.kind,
            catalog.result(),
            usages.result(),
            desired.deployments,
        )


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}"


def models_text(doc: dict[str, Any]) -> str:
    """A table: one line per model version and SKU, with free quota and retirement date."""
    head = (
        f"Realtime models in {doc['location']} for {doc['account_kind']} accounts "
        f"(environment {doc['environment']}):"
    )
    if not doc["models"]:
        return head + "\n  none offered in this region"
    header = ("model", "version", "status", "sku", "max", "free / limit", "retires", "used by")
    rows = [header]
    for m in doc["models"]:
        status = (m["lifecycle_status"] or "-") + (" (default)" if m["is_default_version"] else "")
        for sku in m["skus"] or [{"name": "-", "max_capacity": None, "quota": None}]:
            quota = sku["quota"]
            free = f"{_number(quota['free'])} / {_number(quota['limit'])}" if quota else "unknown"
            retires = m["retires_on"] or "-"
            if m["replacement"]:
                retires += f" -> {m['replacement']}"
            rows.append(
                (
                    m["name"],
                    m["version"],
                    status,
                    sku["name"],
                    _number(sku["max_capacity"]),
                    free,
                    retires,
                    ", ".join(m["used_by"]) or "-",
                )
            )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [head]
    lines += [
        "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    return "\n".join(lines)
