"""Pure pre-flight checks: quota, region/model/version/SKU, capacity, subdomain."""

from __future__ import annotations

from prov_helpers import make_desired

from provision.facts import Discovery, needs
from provision.model import (
    ActualState,
    CatalogModel,
    CatalogSku,
    DeploymentState,
    DomainAvailability,
    Usage,
    ownership_tags,
)
from provision.plan import diff
from provision.preflight import check

CATALOG = (
    CatalogModel(
        "OpenAI",
        "gpt-realtime",
        "2025-08-28",
        (CatalogSku("GlobalStandard", "OpenAI.GlobalStandard.gpt-realtime", 10),),
    ),
    CatalogModel(
        "OpenAI",
        "gpt-4o-realtime-preview",
        "2024-12-17",
        (CatalogSku("GlobalStandard", "OpenAI.GlobalStandard.gpt-4o-realtime-preview", 10),),
    ),
)
ROOM = (
    Usage("OpenAI.GlobalStandard.gpt-realtime", 0, 10),
    Usage("OpenAI.GlobalStandard.gpt-4o-realtime-preview", 0, 10),
)


def _check(patch=None, actual=None, usages=ROOM, models=CATALOG, domain=None):
    desired = make_desired(patch)
    plan = diff(desired, actual or ActualState())
    return check(desired, plan, Discovery(usages=usages, models=models, domain=domain))


def test_all_good() -> None:
    assert _check(domain=DomainAvailability("aoai-dev", True)) == []


def test_quota_counts_existing_usage() -> None:
    usages = (Usage("OpenAI.GlobalStandard.gpt-realtime", 10, 10), ROOM[1])
    (failure,) = _check(usages=usages)
    assert failure.check == "quota"
    assert "needs 1 more but only 0 of 10 are free (10 in use)" in failure.why
    assert "lower capacity" in failure.fix


def test_quota_sums_deployments_of_the_same_model() -> None:
    deps = [
        {"name": "a", "model": "gpt-realtime", "version": "2025-08-28", "capacity": 4},
        {"name": "b", "model": "gpt-realtime", "version": "2025-08-28", "capacity": 4},
    ]
    usages = (Usage("OpenAI.GlobalStandard.gpt-realtime", 3, 10),)
    (failure,) = _check({"deployments": deps}, usages=usages)
    assert "a=4, b=4" in failure.what and "needs 8 more but only 7" in failure.why


def test_capacity_increase_counts_only_the_delta() -> None:
    desired = make_desired()
    from prov_helpers import actual_from_dict

    actual = actual_from_dict(
        {
            "resource_group": {"name": "rg-dev", "location": "swedencentral", "tags": "owned"},
            "account": {"tags": "owned"},
        },
        desired,
    )
    dep = DeploymentState(
        "gpt-realtime",
        "gpt-realtime",
        "2025-08-28",
        "GlobalStandard",
        1,
        "NoAutoUpgrade",
        tags=ownership_tags("dev"),
    )
    actual = ActualState(actual.resource_group, actual.account, (dep,))
    usages = (Usage("OpenAI.GlobalStandard.gpt-realtime", 1, 3), ROOM[1])
    patch = {
        "deployments": [
            {
                "name": "gpt-realtime",
                "model": "gpt-realtime",
                "version": "2025-08-28",
                "capacity": 3,
            }
        ]
    }
    assert _check(patch, actual=actual, usages=usages) == []  # +2 fits in 2 free
    usages = (Usage("OpenAI.GlobalStandard.gpt-realtime", 2, 3),)
    assert _check(patch, actual=actual, usages=usages)[0].check == "quota"


def test_model_not_in_region() -> None:
    failures = _check(models=CATALOG[:1])
    assert [f.check for f in failures] == ["region"]
    assert (
        "gpt-4o-realtime-preview is not offered for kind OpenAI in swedencentral" in failures[0].why
    )


def test_wrong_version_lists_available() -> None:
    patch = {
        "deployments": [
            {"name": "x", "model": "gpt-realtime", "version": "2024-01-01", "capacity": 1}
        ]
    }
    (failure,) = _check(patch)
    assert "2025-08-28" in failure.fix


def test_sku_not_supported() -> None:
    patch = {
        "deployments": [
            {
                "name": "x",
                "model": "gpt-realtime",
                "version": "2025-08-28",
                "sku": "DataZoneStandard",
                "capacity": 1,
            }
        ]
    }
    (failure,) = _check(patch)
    assert (
        "SKU DataZoneStandard is not supported" in failure.why and "GlobalStandard" in failure.fix
    )


def test_capacity_above_catalog_maximum() -> None:
    patch = {
        "deployments": [
            {"name": "x", "model": "gpt-realtime", "version": "2025-08-28", "capacity": 11}
        ]
    }
    failures = _check(patch)
    assert [f.check for f in failures] == ["capacity", "quota"]  # 11 > max 10 and > 10 free
    assert "<= 10" in failures[0].fix


def test_subdomain_taken() -> None:
    (failure,) = _check(domain=DomainAvailability("aoai-dev", False, "already used"))
    assert failure.check == "subdomain" and "purge" in failure.fix


def test_discovery_only_when_needed() -> None:
    desired = make_desired({"deployments": [], "role_assignments": []})
    assert needs(diff(desired, ActualState())) == (False, True)
