"""Lifecycle rules: deprecated, retiring within the window, newer GA version, preview protocol."""

from __future__ import annotations

from datetime import date

import pytest

from provision.lifecycle import (
    DeployedModel,
    LifecycleError,
    check,
    newer_version,
    parse_day,
    preview_protocol_warning,
    summary_lines,
)
from provision.model import CatalogModel, CatalogSku

TODAY = date(2026, 12, 1)
SKU = (CatalogSku("GlobalStandard", "OpenAI.GlobalStandard.gpt-realtime", 1000),)


def entry(
    version: str, status: str = "GenerallyAvailable", retires: str | None = None
) -> CatalogModel:
    return CatalogModel(
        kind="OpenAI",
        name="gpt-realtime",
        version=version,
        skus=SKU,
        lifecycle_status=status,
        deprecation_inference=retires,
    )


CATALOG = [
    entry("2025-08-28", "Deprecating", "2027-01-15T00:00:00Z"),  # retires in 45 days
    entry("2026-02-23", retires="2028-02-23T00:00:00Z"),
    entry("2026-06-01", "Preview", "2027-06-01T00:00:00Z"),  # newer, but not GA
]


def kinds(found: list) -> list[str]:
    return [w.kind for w in found]


def test_retiring_deprecated_version_warns_three_ways() -> None:
    found = check([DeployedModel("rt", "gpt-realtime", "2025-08-28")], CATALOG, today=TODAY)
    assert kinds(found) == ["deprecated", "retiring", "newer-version"]
    retiring = found[1]
    assert retiring.retires_on == "2027-01-15"
    assert retiring.days_left == 45
    assert retiring.message == "retires on 2027-01-15 (in 45 day(s))"
    assert found[2].newer_version == "2026-02-23"  # the preview 2026-06-01 is not offered


def test_window_is_configurable() -> None:
    deployed = [DeployedModel("rt", "gpt-realtime", "2026-02-23")]
    assert check(deployed, CATALOG, today=TODAY) == []
    # 2028-02-23 is 449 days away: inside a 500-day window, outside the default 90
    found = check(deployed, CATALOG, warn_days=500, today=TODAY)
    assert kinds(found) == ["retiring"] and found[0].days_left == 449


def test_retired_date_in_the_past_says_so() -> None:
    found = check(
        [DeployedModel("rt", "gpt-realtime", "2025-08-28")],
        CATALOG,
        today=date(2027, 1, 20),
    )
    retiring = next(w for w in found if w.kind == "retiring")
    assert retiring.days_left == -5 and "retired on 2027-01-15 (5 day(s) ago" in retiring.message


def test_unknown_version_is_reported() -> None:
    found = check([DeployedModel("rt", "gpt-realtime", "2024-01-01")], CATALOG, today=TODAY)
    assert kinds(found) == ["not-in-catalog"]


def test_replacement_named_by_the_catalog_wins() -> None:
    class WithReplacement:
        name, version, lifecycle_status = "gpt-realtime", "2025-08-28", "Deprecating"
        replacement_name, replacement_version = "gpt-realtime-1.5", "2026-02-23"

    assert newer_version(WithReplacement(), CATALOG) == "gpt-realtime-1.5 2026-02-23"


def test_preview_protocol_warning_only_for_preview() -> None:
    assert preview_protocol_warning("ga") == [] and preview_protocol_warning(None) == []
    (warning,) = preview_protocol_warning("preview")
    assert warning.kind == "preview-protocol" and "2026-04-30" in warning.message


def test_strict_error_has_exit_6_and_names_the_deployment() -> None:
    found = check([DeployedModel("rt", "gpt-realtime", "2025-08-28")], CATALOG, today=TODAY)
    error = LifecycleError(found)
    assert error.exit_code == 6
    assert str(error) == (
        "lifecycle: rt (gpt-realtime 2025-08-28): lifecycle status Deprecating; retires on "
        "2027-01-15 (in 45 day(s)); move to 2026-02-23; pin a supported version or drop "
        "--strict-lifecycle"
    )
    two = check(
        [DeployedModel("a", "gpt-realtime", "2025-08-28"), DeployedModel("b", "x", "1")],
        CATALOG,
        today=TODAY,
    )
    assert "(and 1 more)" in str(LifecycleError(two))


def test_one_summary_line_per_deployment() -> None:
    found = check(
        [
            DeployedModel("rt", "gpt-realtime", "2025-08-28"),
            DeployedModel("new", "gpt-realtime", "2026-02-23"),
        ],
        CATALOG,
        warn_days=500,
        today=TODAY,
    )
    found += preview_protocol_warning("preview")
    lines = summary_lines(found)
    assert lines[0] == (
        "warning: rt (gpt-realtime 2025-08-28): lifecycle status Deprecating; retires on "
        "2027-01-15 (in 45 day(s)); move to 2026-02-23"
    )
    assert (
        lines[1] == "warning: new (gpt-realtime 2026-02-23): retires on 2028-02-23 (in 449 day(s))"
    )
    assert lines[2].startswith("warning: [smoke] dialect = preview: the preview realtime protocol")
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027-01-15T00:00:00Z", date(2027, 1, 15)),
        ("2027-01-15", date(2027, 1, 15)),
        ("2027-01-15T10:00:00.1234567Z", date(2027, 1, 15)),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_day(value: str | None, expected: date | None) -> None:
    assert parse_day(value) == expected


def test_a_newer_version_that_retires_sooner_is_not_advice() -> None:
    catalog = [
        entry("2025-10-06", "Deprecating", "2027-04-06T00:00:00Z"),
        entry("2025-12-15", retires="2026-12-15T00:00:00Z"),  # newer, but gone first
    ]
    found = check([DeployedModel("rt", "gpt-realtime", "2025-10-06")], catalog, today=TODAY)
    assert kinds(found) == ["deprecated"]
    assert found[0].newer_version is None and "move to" not in found[0].message
