"""Pure pre-flight checks: account SKU/kind in the region, quota, region/model/version/SKU,
capacity, RAI policies, subdomain."""

from __future__ import annotations

from prov_helpers import make_desired

from provision.facts import Discovery, needs
from provision.model import (
    ActualState,
    CatalogModel,
    CatalogSku,
    DeploymentState,
    DomainAvailability,
    ResourceSku,
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


SKUS = (
    ResourceSku("accounts", "S0", "OpenAI", ("swedencentral", "eastus2")),
    ResourceSku("accounts", "S0", "AIServices", ("eastus2",)),
    ResourceSku("accounts", "F0", "OpenAI", ("swedencentral",), restricted=("swedencentral",)),
)


def _check(patch=None, actual=None, usages=ROOM, models=CATALOG, domain=None, **more):
    desired = make_desired(patch)
    plan = diff(desired, actual or ActualState())
    facts = Discovery(usages=usages, models=models, domain=domain, **more)
    return check(desired, plan, facts)


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


def test_account_sku_must_be_offered_for_the_kind_in_the_region() -> None:
    assert _check(account_skus=SKUS) == []
    (failure,) = _check({"account": {"sku": "4d"}}, account_skus=SKUS)
    assert failure.check == "account"
    assert failure.why == "SKU 4d is not offered for kind OpenAI in swedencentral"
    assert failure.fix == "set account.sku to one of: S0"
    (restricted,) = _check({"account": {"sku": "F0"}}, account_skus=SKUS)  # restricted here
    assert "not offered" in restricted.why


def test_account_kind_missing_from_the_region_names_regions_that_offer_it() -> None:
    failures = _check({"account": {"kind": "AIServices"}}, account_skus=SKUS)
    (failure,) = [f for f in failures if f.check == "account"]  # (the catalog has no AIServices)
    assert failure.why == "kind AIServices is not offered in swedencentral"
    assert failure.fix == "choose a region that offers it: eastus2"


def test_rai_policy_must_exist_on_the_account() -> None:
    deps = [
        {
            "name": "x",
            "model": "gpt-realtime",
            "version": "2025-08-28",
            "capacity": 1,
            "rai_policy": "Strict",
        },
        {
            "name": "y",
            "model": "gpt-realtime",
            "version": "2025-08-28",
            "capacity": 1,
            "rai_policy": "Microsoft.DefaultV2",
        },
    ]
    (failure,) = _check({"deployments": deps}, rai_policies=())
    assert failure.check == "rai_policy" and "deployment x" in failure.what
    assert "Microsoft.DefaultV2" in failure.fix
    assert _check({"deployments": deps}, rai_policies=("strict",)) == []


def test_rai_policies_are_read_only_for_custom_names() -> None:
    from provision.facts import custom_rai_policies

    desired = make_desired()
    assert custom_rai_policies(diff(desired, ActualState())) == set()
