"""Cognitive Services accounts via azure-mgmt-cognitiveservices (sync, async) and raw HTTPS."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.cognitiveservices.models import (
    Account,
    AccountProperties,
    Sku,
)

from emulator import Emulator, FaultRule
from emulator.cognitiveservices.accounts.handlers import find_account_by_subdomain, get_account

OPENAI_BODY = {
    "location": "eastus2",
    "kind": "OpenAI",
    "sku": {"name": "S0"},
    "properties": {"customSubDomainName": "rawsub"},
}


def _acct_path(sub: str, rg: str = "rg1", name: str = "acct1") -> str:
    return (
        f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/"
        f"accounts/{name}"
    )


def test_create_openai_account_shape(emulator: Emulator, make_account, cs, sub) -> None:
    acct = make_account("rg1", "acct1", subdomain="MySub1")
    p = acct.properties
    assert acct.id == _acct_path(sub)
    assert acct.kind == "OpenAI" and acct.sku.name == "S0" and acct.location == "eastus2"
    assert p.provisioning_state == "Succeeded"
    assert p.endpoint == f"{emulator.url}/dataplane/MySub1/"
    assert p.endpoints["OpenAI Language Model Instance API"] == p.endpoint
    assert p.endpoints["OpenAI Realtime API"] == p.endpoint
    assert len(p.internal_id) == 32 and p.date_created.endswith("Z")
    assert p.network_acls.default_action == "Allow"
    assert p.call_rate_limit.rules[0].key == "openai"
    assert any(c.name == "VirtualNetworks" for c in p.capabilities)
    assert p.public_network_access == "Enabled"
    assert cs.accounts.get("RG1", "ACCT1").name == "acct1"


def test_create_aiservices_endpoints(make_account) -> None:
    acct = make_account("rg1", "foundry", kind="AIServices", location="swedencentral")
    endpoints = acct.properties.endpoints
    assert "AI Foundry API" in endpoints
    assert endpoints["OpenAI Language Model Instance API"] == acct.properties.endpoint


def test_put_is_201_creating_with_async_operation(emulator: Emulator, rmc, raw, sub) -> None:
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus2"})
    emulator.config.lro_seconds = 30
    reply = raw("PUT", _acct_path(sub), OPENAI_BODY)
    assert reply.status == 201
    assert reply.body["properties"]["provisioningState"] == "Creating"
    op_url = reply.headers["azure-asyncoperation"]
    assert op_url.startswith(
        f"{emulator.url}/subscriptions/{sub}/providers/"
        "Microsoft.CognitiveServices/locations/eastus2/operationStatuses/"
    )
    assert "api-version=2025-09-01" in op_url
    assert reply.headers["retry-after"] == "1"
    status = raw("GET", op_url[len(emulator.url) :], api_version=None)
    assert status.status == 200 and status.body["status"] == "InProgress"
    assert "endTime" not in status.body and status.body["startTime"]
    emulator.advance_clock(29)
    assert raw("GET", _acct_path(sub)).body["properties"]["provisioningState"] == "Creating"
    # a client that never polls still sees the account finish once the time has passed
    emulator.advance_clock(1)
    final = raw("GET", _acct_path(sub))
    assert final.body["properties"]["provisioningState"] == "Succeeded"
    assert final.body["properties"]["endpoint"].endswith("/dataplane/rawsub/")
    done = raw("GET", op_url[len(emulator.url) :], api_version=None)
    assert done.body["status"] == "Succeeded" and done.body["endTime"]
    emulator.config.lro_seconds = 0
    again = raw("PUT", _acct_path(sub), OPENAI_BODY)
    assert again.status == 200 and "azure-asyncoperation" in again.headers


def test_update_list_and_keys(make_account, cs, sub) -> None:
    make_account("rg1", "acct1")
    make_account("rg2", "acct2", location="swedencentral")
    updated = cs.accounts.begin_update(
        "rg1",
        "acct1",
        Account(
            tags={"team": "rt"}, properties=AccountProperties(public_network_access="Disabled")
        ),
    ).result()
    assert updated.tags == {"team": "rt"}
    assert updated.properties.public_network_access == "Disabled"
    assert updated.properties.custom_sub_domain_name == "acct1"
    assert [a.name for a in cs.accounts.list_by_resource_group("rg1")] == ["acct1"]
    assert sorted(a.name for a in cs.accounts.list()) == ["acct1", "acct2"]
    keys = cs.accounts.list_keys("rg1", "acct1")
    assert len(keys.key1) == 32 and keys.key1 != keys.key2
    rotated = cs.accounts.regenerate_key("rg1", "acct1", "Key2")
    assert rotated.key1 == keys.key1 and rotated.key2 != keys.key2


def test_list_keys_refused_when_local_auth_disabled(make_account, cs) -> None:
    make_account("rg1", "acct1", disable_local_auth=True)
    with pytest.raises(HttpResponseError) as info:
        cs.accounts.list_keys("rg1", "acct1")
    assert info.value.status_code == 400
    assert info.value.error.code == "BadRequest"
    assert info.value.error.message == "Failed to list key. disableLocalAuth is set to be true"


def test_account_view_for_data_plane(emulator: Emulator, make_account, sub) -> None:
    make_account("rg1", "acct1", subdomain="viewsub", disable_local_auth=True)
    store = emulator.app.store
    view = find_account_by_subdomain(store, "VIEWSUB")
    assert view is not None and view.id == _acct_path(sub)
    assert view.disable_local_auth is True and view.kind == "OpenAI"
    assert view.provisioning_state() == "Succeeded"
    assert "key1" not in repr(view) and view.key1 not in repr(view)
    assert get_account(store, _acct_path(sub).upper().replace("SUBSCRIPTIONS", "subscriptions"))
    assert find_account_by_subdomain(store, "other") is None


def test_validation_errors(rmc, raw, sub) -> None:
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus2"})
    cases = [
        ({**OPENAI_BODY, "kind": "Nonsense"}, "InvalidApiSetId"),
        ({k: v for k, v in OPENAI_BODY.items() if k != "sku"}, "SkuRequired"),
        ({k: v for k, v in OPENAI_BODY.items() if k != "location"}, "LocationRequired"),
        ({k: v for k, v in OPENAI_BODY.items() if k != "kind"}, "KindRequired"),
        ({**OPENAI_BODY, "location": "marsnorth"}, "LocationNotAvailableForResourceType"),
        (
            {**OPENAI_BODY, "properties": {"customSubDomainName": "-bad-"}},
            "CustomDomainInvalid",
        ),
        (
            {**OPENAI_BODY, "properties": {"customSubDomainName": "ai_foundry-resource"}},
            "CustomDomainInvalid",
        ),
        ({**OPENAI_BODY, "properties": {"disableLocalAuth": "yes"}}, "InvalidRequestContent"),
    ]
    for body, code in cases:
        reply = raw("PUT", _acct_path(sub), body)
        assert (reply.status, reply.body["error"]["code"]) == (400, code), body
    bad_name = raw("PUT", _acct_path(sub, name="-x"), OPENAI_BODY)
    assert bad_name.status == 400 and bad_name.body["error"]["code"] == "InvalidResourceName"
    no_group = raw("PUT", _acct_path(sub, rg="nogroup"), OPENAI_BODY)
    assert no_group.status == 404 and no_group.body["error"]["code"] == "ResourceGroupNotFound"


def test_kind_and_location_are_immutable(make_account, raw, sub) -> None:
    make_account("rg1", "acct1")
    moved = raw(
        "PUT",
        _acct_path(sub),
        {
            **OPENAI_BODY,
            "location": "swedencentral",
            "properties": {"customSubDomainName": "acct1"},
        },
    )
    assert moved.status == 409 and moved.body["error"]["code"] == "InvalidResourceLocation"
    rekind = raw(
        "PUT",
        _acct_path(sub),
        {**OPENAI_BODY, "kind": "AIServices", "properties": {"customSubDomainName": "acct1"}},
    )
    assert rekind.status == 409


def test_get_absent_account(make_account, cs) -> None:
    make_account("rg1", "acct1")
    with pytest.raises(ResourceNotFoundError) as info:
        cs.accounts.get("rg1", "nope")
    assert info.value.error.code == "ResourceNotFound"


def test_check_domain_availability(make_account, cs) -> None:
    make_account("rg1", "acct1", subdomain="takensub")
    taken = cs.check_domain_availability(
        "TakenSub", "Microsoft.CognitiveServices/accounts", kind="OpenAI"
    )
    assert taken.is_subdomain_available is False
    free = cs.check_domain_availability("freesub", "Microsoft.CognitiveServices/accounts")
    assert free.is_subdomain_available is True
    invalid = cs.check_domain_availability("-bad", "Microsoft.CognitiveServices/accounts")
    assert invalid.is_subdomain_available is False and "not valid" in invalid.reason


def test_custom_domain_in_use_live_and_soft_deleted(make_account, cs) -> None:
    make_account("rg1", "acct1", subdomain="shared")
    with pytest.raises(ResourceExistsError) as info:
        make_account("rg2", "acct2", subdomain="SHARED")
    assert info.value.error.code == "CustomDomainInUse"
    assert "The subdomain name 'SHARED' is not available" in info.value.error.message
    cs.accounts.begin_delete("rg1", "acct1").result()
    with pytest.raises(ResourceExistsError) as again:
        make_account("rg2", "acct2", subdomain="shared")
    assert again.value.error.code == "CustomDomainInUse"
    cs.deleted_accounts.begin_purge("eastus2", "rg1", "acct1").result()
    assert make_account("rg2", "acct2", subdomain="shared").name == "acct2"


def test_soft_delete_restore_and_purge(make_account, make_deployment, cs, sub) -> None:
    make_account("rg1", "acct1")
    make_deployment("rg1", "acct1", "rt")
    cs.accounts.begin_delete("rg1", "acct1").result()
    with pytest.raises(ResourceNotFoundError):
        cs.accounts.get("rg1", "acct1")
    deleted = cs.deleted_accounts.get("eastus2", "rg1", "acct1")
    assert deleted.id == (
        f"/subscriptions/{sub}/providers/Microsoft.CognitiveServices/"
        "locations/eastus2/resourceGroups/rg1/deletedAccounts/acct1"
    )
    assert deleted.properties.deletion_date and deleted.properties.scheduled_purge_date
    assert [d.name for d in cs.deleted_accounts.list()] == ["acct1"]
    with pytest.raises(ResourceExistsError) as info:
        make_account("rg1", "acct1")
    assert info.value.error.code == "FlagMustBeSetForRestore"
    assert info.value.error.message == (
        f"An existing resource with ID '{_acct_path(sub)}' has been soft-deleted. To restore the "
        "resource, you must specify 'restore' to be 'true' in the property. If you don't want "
        "to restore existing resource, please purge it first."
    )
    restored = make_account("rg1", "acct1", restore=True)
    assert restored.properties.provisioning_state == "Succeeded"
    assert [d.name for d in cs.deployments.list("rg1", "acct1")] == ["rt"]
    assert list(cs.deleted_accounts.list()) == []
    cs.accounts.begin_delete("rg1", "acct1").result()
    cs.deleted_accounts.begin_purge("eastus2", "rg1", "acct1").result()
    assert list(cs.deleted_accounts.list()) == []
    with pytest.raises(ResourceNotFoundError):
        cs.deleted_accounts.get("eastus2", "rg1", "acct1")
    fresh = make_account("rg1", "acct1")
    assert list(cs.deployments.list("rg1", "acct1")) == [] and fresh.name == "acct1"


def test_delete_returns_202_location_and_absent_204(
    emulator: Emulator, make_account, raw, sub
) -> None:
    make_account("rg1", "acct1")
    reply = raw("DELETE", _acct_path(sub))
    assert reply.status == 202 and reply.headers["location"].startswith(emulator.url)
    assert reply.headers["retry-after"] == "1"
    assert raw("DELETE", _acct_path(sub)).status == 204
    purge = raw(
        "DELETE",
        f"/subscriptions/{sub}/providers/Microsoft.CognitiveServices/"
        "locations/eastus2/resourceGroups/rg1/deletedAccounts/acct1",
    )
    assert purge.status == 202 and "location" in purge.headers


def test_lro_fault_fails_then_reput_converges(emulator: Emulator, rmc, cs) -> None:
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus2"})
    emulator.config.faults = [
        FaultRule(
            match=r"/accounts/acct1$",
            method="PUT",
            kind="lro",
            code="InternalError",
            message="Injected LRO failure.",
        )
    ]
    body = Account(
        kind="OpenAI",
        sku=Sku(name="S0"),
        location="eastus2",
        properties=AccountProperties(custom_sub_domain_name="acct1"),
    )
    with pytest.raises(HttpResponseError) as info:
        cs.accounts.begin_create("rg1", "acct1", body).result()
    assert "InternalError" in str(info.value) and "Injected LRO failure." in str(info.value)
    assert cs.accounts.get("rg1", "acct1").properties.provisioning_state == "Failed"
    converged = cs.accounts.begin_create("rg1", "acct1", body).result()
    assert converged.properties.provisioning_state == "Succeeded"


def test_concurrent_account_write_conflicts(emulator: Emulator, rmc, cs, sub) -> None:
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus2"})
    emulator.config.lro_seconds = 30
    body = Account(
        kind="OpenAI",
        sku=Sku(name="S0"),
        location="eastus2",
        properties=AccountProperties(custom_sub_domain_name="acct1"),
    )
    first = cs.accounts.begin_create("rg1", "acct1", body, polling=False).result()
    assert first.properties.provisioning_state == "Creating"
    with pytest.raises(ResourceExistsError) as info:
        cs.accounts.begin_create("rg1", "acct1", body).result()
    assert info.value.error.code == "RequestConflict"
    assert info.value.error.message == (
        f"Another operation is being performed on the parent resource '{_acct_path(sub)}'. "
        "Please try again later."
    )
    assert "Retry-After" not in info.value.response.headers


async def test_async_account_lifecycle(aclients) -> None:
    await aclients.rmc.resource_groups.create_or_update("rg1", {"location": "swedencentral"})
    cs = aclients.cs
    poller = await cs.accounts.begin_create(
        "rg1",
        "aacct",
        Account(
            kind="AIServices",
            sku=Sku(name="S0"),
            location="swedencentral",
            properties=AccountProperties(custom_sub_domain_name="aacct"),
        ),
    )
    acct = await poller.result()
    assert acct.properties.provisioning_state == "Succeeded"
    keys = await cs.accounts.list_keys("rg1", "aacct")
    assert keys.key1
    names = [a.name async for a in cs.accounts.list_by_resource_group("rg1")]
    assert names == ["aacct"]
    await (await cs.accounts.begin_delete("rg1", "aacct")).result()
    deleted = [d.name async for d in cs.deleted_accounts.list()]
    assert deleted == ["aacct"]
    await (await cs.deleted_accounts.begin_purge("swedencentral", "rg1", "aacct")).result()
    assert [d async for d in cs.deleted_accounts.list()] == []
