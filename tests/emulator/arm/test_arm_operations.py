"""Operations of the Microsoft.CognitiveServices REST spec the SDK exposes, and provider
registration, driven through the official SDKs (issue 9)."""

from __future__ import annotations

import datetime as dt

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Sku

from emulator.api import Emulator

NS = "Microsoft.CognitiveServices"
ACCOUNT_TYPE = f"{NS}/accounts"


# -- provider registration -------------------------------------------------------------------
def test_provider_is_registered_by_default(rmc) -> None:
    provider = rmc.providers.get(NS)
    assert provider.namespace == NS and provider.registration_state == "Registered"
    types = {t.resource_type: t for t in provider.resource_types}
    assert "accounts" in types and "accounts/deployments" in types
    assert "swedencentral" in [loc.lower() for loc in types["accounts"].locations]
    assert "2025-06-01" in types["accounts"].api_versions
    assert NS in {p.namespace for p in rmc.providers.list()}


def test_unregistered_namespace_refuses_requests_until_registered(rmc, cs, raw, sub) -> None:
    # Raw requests: the SDK's own policy would register the provider by itself (after 10 s).
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus2"})
    assert rmc.providers.unregister(NS).registration_state == "NotRegistered"
    path = f"/subscriptions/{sub}/resourceGroups/rg1/providers/{NS}/accounts/unreg1"
    body = {
        "kind": "OpenAI",
        "sku": {"name": "S0"},
        "location": "eastus2",
        "properties": {"customSubDomainName": "unreg1"},
    }
    refused = raw("PUT", path, body, api_version="2025-06-01")
    assert refused.status == 409
    assert refused.body["error"]["code"] == "MissingSubscriptionRegistration"
    assert f"namespace '{NS}'" in refused.body["error"]["message"]
    listed = raw(
        "GET",
        f"/subscriptions/{sub}/providers/{NS}/locations/eastus2/models",
        api_version="2025-06-01",
    )
    assert listed.status == 409
    assert rmc.providers.get(NS).registration_state == "NotRegistered"  # readable meanwhile
    assert rmc.providers.register(NS).registration_state == "Registered"
    account = Account(
        kind="OpenAI",
        sku=Sku(name="S0"),
        location="eastus2",
        properties=AccountProperties(custom_sub_domain_name="unreg1"),
    )
    created = cs.accounts.begin_create("rg1", "unreg1", account).result()
    assert created.properties.provisioning_state == "Succeeded"


def test_unknown_namespace(rmc) -> None:
    with pytest.raises(HttpResponseError) as caught:
        rmc.providers.get("Microsoft.Nope")
    assert caught.value.status_code == 404


# -- SKUs --------------------------------------------------------------------------------------
def test_resource_skus_list_kinds_and_regions(cs) -> None:
    skus = list(cs.resource_skus.list())
    openai = {s.locations[0].lower() for s in skus if s.kind == "OpenAI" and s.name == "S0"}
    assert {"eastus2", "swedencentral", "westeurope"} <= openai
    assert not [s for s in skus if s.kind == "OpenAI" and s.name != "S0"]
    assert any(s.kind == "CognitiveServices" and s.name == "F0" for s in skus)
    assert all(s.resource_type == "accounts" and s.restrictions == [] for s in skus)


def test_check_sku_availability(cs) -> None:
    result = cs.check_sku_availability(
        "swedencentral", skus=["S0", "F0"], kind="OpenAI", type=ACCOUNT_TYPE
    )
    by_sku = {item.sku_name: item for item in result.value}
    assert by_sku["S0"].sku_available is True and by_sku["S0"].kind == "OpenAI"
    assert by_sku["F0"].sku_available is False and by_sku["F0"].reason
    nowhere = cs.check_sku_availability("marsnorth", skus=["S0"], kind="OpenAI", type=ACCOUNT_TYPE)
    assert nowhere.value[0].sku_available is False


def test_check_sku_availability_rejects_a_body_without_skus(raw, sub) -> None:
    path = f"/subscriptions/{sub}/providers/{NS}/locations/eastus2/checkSkuAvailability"
    reply = raw("POST", path, {"kind": "OpenAI", "type": ACCOUNT_TYPE}, api_version="2025-06-01")
    assert reply.status == 400 and reply.body["error"]["code"] == "InvalidRequestContent"


# -- model capacities --------------------------------------------------------------------------
def test_model_capacities_across_regions_and_per_region(cs, make_account, make_deployment) -> None:
    query = {"model_format": "OpenAI", "model_name": "gpt-realtime", "model_version": "2025-08-28"}
    everywhere = list(cs.model_capacities.list(**query))
    regions = {item.location for item in everywhere}
    assert regions == {"eastus2", "swedencentral"}  # the realtime regions
    item = next(i for i in everywhere if i.location == "eastus2")
    assert item.properties.sku_name == "GlobalStandard"
    assert item.properties.model.name == "gpt-realtime"
    before = item.properties.available_capacity
    assert before > 0
    make_account()
    make_deployment("rg1", "acct1", "rt", capacity=2)
    local = list(cs.location_based_model_capacities.list("eastus2", **query))
    assert [i.location for i in local] == ["eastus2"]
    assert local[0].properties.available_capacity == before - 2
    assert list(cs.location_based_model_capacities.list("westeurope", **query)) == []


def test_model_capacities_need_the_model_query(raw, sub) -> None:
    reply = raw(
        "GET",
        f"/subscriptions/{sub}/providers/{NS}/modelCapacities?modelFormat=OpenAI",
        api_version="2025-06-01",
    )
    assert reply.status == 400


# -- catalog lifecycle -------------------------------------------------------------------------
def _model(cs, name: str, version: str):
    items = [i.model for i in cs.models.list("swedencentral") if i.kind == "OpenAI"]
    return next(m for m in items if (m.name, m.version) == (name, version))


def test_each_version_carries_its_published_dates(cs) -> None:
    realtime = _model(cs, "gpt-realtime", "2025-08-28")
    assert realtime.deprecation.inference == "2027-02-28T00:00:00Z"  # a string in the SDK model
    mini = _model(cs, "gpt-realtime-mini", "2025-10-06")
    assert mini.skus[0].deprecation_date == dt.datetime(2027, 4, 6, tzinfo=dt.UTC)
    dates = {
        m.deprecation.inference
        for m in (realtime, mini, _model(cs, "gpt-realtime-1.5", "2026-02-23"))
    }
    assert len(dates) == 3  # no shared invented date


def test_preview_version_names_its_replacement(cs) -> None:
    preview = _model(cs, "gpt-4o-realtime-preview", "2024-12-17")
    assert preview.replacement_config.target_model_name == "gpt-realtime"
    assert preview.replacement_config.target_model_version == "2025-08-28"
    assert _model(cs, "gpt-realtime", "2025-08-28").replacement_config is None


def test_lifecycle_status_follows_the_emulator_clock(tmp_path) -> None:
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

    from emulator.api import EmulatorConfig, sdk_client_options, sdk_credential

    with Emulator(tmp_path / "emu", config=EmulatorConfig(timing="instant")) as emu:
        conn = emu.connection
        client = CognitiveServicesManagementClient(
            sdk_credential(conn), conn.subscription_id, **sdk_client_options(conn)
        )
        now = dt.datetime.now(dt.UTC)
        deprecation = dt.datetime(2026, 8, 28, tzinfo=dt.UTC)
        retirement = dt.datetime(2027, 2, 28, tzinfo=dt.UTC)
        if now < deprecation:
            emu.advance_clock((deprecation - now).total_seconds() + 60)
        elif now >= retirement:  # pragma: no cover - only after 2027-02-28
            pytest.fail("update the catalog snapshot: gpt-realtime 2025-08-28 has retired")
        assert _model(client, "gpt-realtime", "2025-08-28").lifecycle_status == "Deprecating"
        emu.advance_clock((retirement - dt.datetime.now(dt.UTC)).total_seconds() + 60)
        assert _model(client, "gpt-realtime", "2025-08-28").lifecycle_status == "Deprecated"
        assert _model(client, "gpt-realtime-1.5", "2026-02-23").lifecycle_status in (
            "GenerallyAvailable",
            "Deprecating",
        )


# -- custom subdomain --------------------------------------------------------------------------
def test_invalid_subdomain_is_custom_domain_invalid(rmc, cs) -> None:
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus2"})
    account = Account(
        kind="OpenAI",
        sku=Sku(name="S0"),
        location="eastus2",
        properties=AccountProperties(custom_sub_domain_name="ai_foundry-resource"),
    )
    with pytest.raises(HttpResponseError) as caught:
        cs.accounts.begin_create("rg1", "good-name", account).result()
    assert caught.value.error.code == "CustomDomainInvalid"
    assert caught.value.error.message == "Sub domain name 'ai_foundry-resource' is not valid."


# -- long-running operation headers, as the spec's lro options imply ------------------------------
def _deployment_path(sub: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/rg1/providers/{NS}/accounts/acct1/deployments/d1"


def test_deployment_writes_follow_final_state_via(make_account, raw, sub) -> None:
    make_account()
    body = {
        "sku": {"name": "GlobalStandard", "capacity": 1},
        "properties": {
            "model": {"format": "OpenAI", "name": "gpt-realtime", "version": "2025-08-28"}
        },
    }
    created = raw("PUT", _deployment_path(sub), body, api_version="2025-06-01")
    # create_or_update: final-state-via azure-async-operation
    assert created.status == 201 and "azure-asyncoperation" in created.headers
    updated = raw("PATCH", _deployment_path(sub), {"tags": {"a": "b"}}, api_version="2025-06-01")
    # update: final-state-via location -> Location is given and, once done, answers the resource
    assert updated.status == 202 and "location" in updated.headers
    location = updated.headers["location"].split("://", 1)[1].split("/", 1)[1]
    final = raw("GET", "/" + location, api_version=None)
    assert final.status == 200 and final.body["name"] == "d1" and final.body["tags"] == {"a": "b"}
    deleted = raw("DELETE", _deployment_path(sub), api_version="2025-06-01")
    assert deleted.status == 202 and "location" in deleted.headers
    gone = raw(
        "GET",
        "/" + deleted.headers["location"].split("://", 1)[1].split("/", 1)[1],
        api_version=None,
    )
    assert gone.status == 200 and gone.body is None


def test_account_create_and_delete_headers(rmc, raw, sub) -> None:
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus2"})
    path = f"/subscriptions/{sub}/resourceGroups/rg1/providers/{NS}/accounts/lro1"
    body = {
        "kind": "OpenAI",
        "sku": {"name": "S0"},
        "location": "eastus2",
        "properties": {"customSubDomainName": "lro1"},
    }
    created = raw("PUT", path, body, api_version="2025-06-01")
    # Accounts_Create: no lro options (final GET of the resource URL); Azure answers 201 +
    # Azure-AsyncOperation with provisioningState Creating
    assert created.status == 201 and "azure-asyncoperation" in created.headers
    assert created.body["properties"]["provisioningState"] == "Creating"
    deleted = raw("DELETE", path, api_version="2025-06-01")
    # Accounts_Delete: 202 + Location (default final state for DELETE)
    assert deleted.status == 202 and "location" in deleted.headers and deleted.body is None


# -- content-filter policies, throttle Retry-After ------------------------------------------------
def test_built_in_rai_policies(cs, make_account) -> None:
    make_account()
    names = {p.name for p in cs.rai_policies.list("rg1", "acct1")}
    assert names == {"Microsoft.Default", "Microsoft.DefaultV2"}
    v2 = cs.rai_policies.get("rg1", "acct1", "microsoft.defaultv2")
    assert v2.name == "Microsoft.DefaultV2" and v2.properties.type == "SystemManaged"
    assert any(f.name == "Jailbreak" for f in v2.properties.content_filters)
    with pytest.raises(HttpResponseError) as caught:
        cs.rai_policies.get("rg1", "acct1", "Custom.Policy")
    assert caught.value.status_code == 404


@pytest.mark.parametrize("seconds", [0, 3])
def test_random_throttle_retry_after_is_configurable(emulator: Emulator, raw, sub, seconds) -> None:
    emulator.admin.set_config(throttle_rate=1.0, throttle_retry_after=seconds)
    try:
        reply = raw("GET", f"/subscriptions/{sub}/resourcegroups", api_version="2021-04-01")
    finally:
        emulator.admin.set_config(throttle_rate=0.0)
    assert reply.status == 429 and reply.headers["retry-after"] == str(seconds)
    assert f"after '{seconds}' seconds" in reply.body["error"]["message"]
