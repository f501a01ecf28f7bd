"""Model lifecycle warnings: a deployed (or planned) model version is deprecated, retires soon,
or has a newer generally available version in the region's catalog.

Pure rules over catalog entries (``provision.model.CatalogModel``, read with
``Backend.list_models``): nothing here does I/O except ``check_session``. The retirement date is
the catalog's ``deprecation.inference`` (the day the version stops answering); a version is
*deprecated* when its ``lifecycleStatus`` is ``Deprecating``, ``Deprecated`` or ``Legacy``.
``plan`` and ``status`` show the warnings; ``--strict-lifecycle`` turns them into exit 6.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from provision.errors import EXIT_LIFECYCLE, ProvisionError

DEFAULT_WARN_DAYS = 90
DEPRECATED_STATES = frozenset({"deprecating", "deprecated", "legacy"})
GA_STATES = frozenset({"generallyavailable", "stable"})

WarningKind = Literal[
    "deprecated", "retiring", "newer-version", "not-in-catalog", "preview-protocol"
]


@dataclass(frozen=True)
class DeployedModel:
    """A deployment's model as plan or status sees it."""

    deployment: str
    model: str
    version: str


@dataclass(frozen=True)
class LifecycleWarning:
    """One lifecycle finding for one deployment (``deployment`` is "" for the protocol)."""

    kind: WarningKind
    deployment: str
    model: str
    version: str
    message: str
    retires_on: str | None = None
    days_left: int | None = None
    newer_version: str | None = None

    def line(self) -> str:
        """One human line: ``warning: <deployment> (<model> <version>): <message>``."""
        if not self.deployment:
            return f"warning: {self.message}"
        return f"warning: {self.deployment} ({self.model} {self.version}): {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "deployment": self.deployment,
            "model": self.model,
            "version": self.version,
            "message": self.message,
            "retires_on": self.retires_on,
            "days_left": self.days_left,
            "newer_version": self.newer_version,
        }


class LifecycleError(ProvisionError):
    """``--strict-lifecycle`` and at least one lifecycle warning (exit 6)."""

    exit_code = EXIT_LIFECYCLE

    def __init__(self, warnings: Sequence[LifecycleWarning]) -> None:
        self.warnings = tuple(warnings)
        lines = summary_lines(self.warnings)
        first = lines[0].removeprefix("warning: ")
        more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        super().__init__(
            f"lifecycle: {first}{more}; pin a supported version or drop --strict-lifecycle"
        )


def summary_lines(warnings: Sequence[LifecycleWarning]) -> list[str]:
    """One ``warning:`` line per deployment (and one for the protocol), its findings joined:
    ``warning: rt (gpt-realtime 2025-08-28): lifecycle status Deprecating; retires on
    2027-02-28 (in 89 day(s)); move to 2026-02-23``."""
    grouped: dict[tuple[str, str, str], list[LifecycleWarning]] = {}
    for w in warnings:
        grouped.setdefault((w.deployment, w.model, w.version), []).append(w)
    lines = []
    for (deployment, model, version), found in grouped.items():
        said = [w.message for w in found if w.kind != "newer-version"]
        newer = next((w.newer_version for w in found if w.newer_version), None)
        if newer:
            said.append(f"move to {newer}" if said else f"newer GA version {newer} available")
        text = "; ".join(said)
        lines.append(
            f"warning: {deployment} ({model} {version}): {text}"
            if deployment
            else f"warning: {text}"
        )
    return lines


def parse_day(value: str | None) -> date | None:
    """The calendar day of an ARM timestamp (``2026-10-01T00:00:00Z``); None if unparsable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def today_utc() -> date:
    """Today in UTC (retirement dates are calendar days in UTC)."""
    return datetime.now(UTC).date()


def check(
    deployed: Iterable[DeployedModel],
    catalog: Sequence[Any],
    *,
    warn_days: int = DEFAULT_WARN_DAYS,
    today: date | None = None,
) -> list[LifecycleWarning]:
    """Every lifecycle warning for ``deployed`` against the region's ``catalog`` entries."""
    day = today or today_utc()
    found: list[LifecycleWarning] = []
    for item in deployed:
        entry = _entry(catalog, item.model, item.version)
        if entry is None:
            found.append(
                _warn(item, "not-in-catalog", "version not offered in the region's catalog")
            )
            continue
        found += _entry_warnings(item, entry, catalog, warn_days, day)
    return found


def _entry_warnings(
    item: DeployedModel, entry: Any, catalog: Sequence[Any], warn_days: int, day: date
) -> list[LifecycleWarning]:
    out: list[LifecycleWarning] = []
    status = str(getattr(entry, "lifecycle_status", "") or "")
    retires = parse_day(getattr(entry, "deprecation_inference", None))
    newer = newer_version(entry, catalog)
    if status.lower() in DEPRECATED_STATES:
        out.append(_warn(item, "deprecated", f"lifecycle status {status}", retires, day, newer))
    if retires is not None and (retires - day).days <= warn_days:
        left = (retires - day).days
        when = f"in {left} day(s)" if left >= 0 else f"{-left} day(s) ago"
        verb = "retires" if left >= 0 else "retired"
        message = f"{verb} on {retires.isoformat()} ({when})"
        out.append(_warn(item, "retiring", message, retires, day, newer))
    if newer is not None:
        out.append(
            _warn(item, "newer-version", f"newer GA version {newer} available", None, day, newer)
        )
    return out


def _warn(
    item: DeployedModel,
    kind: WarningKind,
    message: str,
    retires: date | None = None,
    day: date | None = None,
    newer: str | None = None,
) -> LifecycleWarning:
    return LifecycleWarning(
        kind=kind,
        deployment=item.deployment,
        model=item.model,
        version=item.version,
        message=message,
        retires_on=retires.isoformat() if retires else None,
        days_left=(retires - day).days if retires and day else None,
        newer_version=newer,
    )


def _entry(catalog: Sequence[Any], model: str, version: str) -> Any | None:
    for entry in catalog:
        if entry.name.lower() == model.lower() and entry.version == version:
            return entry
    return None


def newer_version(entry: Any, catalog: Sequence[Any]) -> str | None:
    """The replacement the catalog names, else the newest GA version of the same model that is
    newer than ``entry`` and does not retire before it (versions are ISO dates, so they sort
    as strings); None when there is nothing better to move to."""
    target_name = getattr(entry, "replacement_name", None)
    target_version = getattr(entry, "replacement_version", None)
    if target_version:
        same = not target_name or target_name.lower() == entry.name.lower()
        return target_version if same else f"{target_name} {target_version}"
    retires = parse_day(getattr(entry, "deprecation_inference", None))
    candidates = [
        other.version
        for other in catalog
        if other.name.lower() == entry.name.lower()
        and str(getattr(other, "lifecycle_status", "") or "").lower() in GA_STATES
        and other.version > entry.version
        and not _retires_before(other, retires)
    ]
    return max(candidates) if candidates else None


def _retires_before(entry: Any, day: date | None) -> bool:
    other = parse_day(getattr(entry, "deprecation_inference", None))
    return day is not None and other is not None and other < day


def preview_protocol_warning(dialect: str | None) -> list[LifecycleWarning]:
    """A warning when smoke is told to speak the deprecated preview realtime protocol (the
    text is smoke's own, ``smoke.realtime.dialects.PREVIEW_DEPRECATION``)."""
    if (dialect or "").lower() != "preview":
        return []
    from smoke.realtime.dialects import PREVIEW_DEPRECATION

    return [
        LifecycleWarning(
            kind="preview-protocol",
            deployment="",
            model="",
            version="",
            message=f"[smoke] dialect = preview: {PREVIEW_DEPRECATION}",
        )
    ]


def warn_days_of(config: Any) -> int:
    """``[lifecycle] warn_days`` of an environment config (90 when the table is absent)."""
    table = getattr(config, "lifecycle", None)
    return int(getattr(table, "warn_days", DEFAULT_WARN_DAYS))


def smoke_dialect_of(config: Any) -> str | None:
    """``[smoke] dialect`` of an environment config, if set."""
    smoke = getattr(config, "smoke", None)
    value = getattr(smoke, "dialect", None)
    if value is None and isinstance(smoke, dict):
        value = smoke.get("dialect")
    return str(value) if value is not None else None


def check_session(
    session: Any,
    deployed: Iterable[DeployedModel],
    *,
    catalog: Sequence[Any] | None = None,
    today: date | None = None,
) -> list[LifecycleWarning]:
    """Check ``deployed`` against the region's catalog (read through the session's backend
    unless the caller passes it: ``read_catalog`` run alongside other reads)."""
    items = list(deployed)
    config = session.loaded.config
    found = preview_protocol_warning(smoke_dialect_of(config))
    if not items:
        return found
    entries = read_catalog(session) if catalog is None else catalog
    return found + check(items, entries, warn_days=warn_days_of(config), today=today)


def read_catalog(session: Any) -> list[Any]:
    """The catalog entries for the environment's region and account kind (one GET)."""
    desired = session.desired
    return [
        m
        for m in session.backend.list_models(desired.account.location)
        if not getattr(m, "kind", "") or m.kind == desired.account.kind
    ]


def planned_models(desired: Any) -> list[DeployedModel]:
    """The versions the environment file asks for (what ``plan`` is about to keep or deploy)."""
    return [DeployedModel(d.name, d.model, d.version) for d in desired.deployments]


def deployed_models(actual: Any, desired: Any) -> list[DeployedModel]:
    """The versions actually deployed for this environment's declared deployments."""
    names = {d.name for d in desired.deployments}
    return [
        DeployedModel(d.name, d.model, d.version) for d in actual.deployments if d.name in names
    ]
