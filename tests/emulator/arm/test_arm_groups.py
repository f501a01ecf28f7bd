"""Resource groups through azure-mgmt-resource (sync and async) and raw HTTPS."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from emulator import Emulator


def test_create_get_update_list(rmc, raw, sub) -> None:
    created = rmc.resource_groups.create_or_update(
        "Rg-One", {"location": "East US 2", "tags": {"env": "dev"}}
    )
    assert created.id == f"/subscriptions/{sub}/resourceGroups/Rg-One"
    assert created.location == "eastus2" and created.tags == {"env": "dev"}
    assert created.properties.provisioning_state == "Succeeded"
    got = rmc.resource_groups.get("rg-one")
    assert got.name == "Rg-One" and got.type == "Microsoft.Resources/resourceGroups"
    patched = rmc.resource_groups.update("rg-one", {"tags": {"env": "prod"}})
    assert patched.tags == {"env": "prod"}
    assert [g.name for g in rmc.resource_groups.list()] == ["Rg-One"]
    again = raw("PUT", f"/subscriptions/{sub}/resourcegroups/rg-one", {"location": "eastus2"})
    assert again.status == 200
    fresh = raw("PUT", f"/subscriptions/{sub}/resourcegroups/rg-two", {"location": "eastus2"})
    assert fresh.status == 201 and fresh.body["name"] == "rg-two"


def test_head_is_204_or_404_without_body(rmc, raw, sub) -> None:
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus"})
    assert rmc.resource_groups.check_existence("rg1") is True
    assert rmc.resource_groups.check_existence("absent") is False
    present = raw("HEAD", f"/subscriptions/{sub}/resourcegroups/RG1")
    assert present.status == 204 and present.body is None
    absent = raw("HEAD", f"/subscriptions/{sub}/resourcegroups/absent")
    assert absent.status == 404 and absent.body is None


def test_get_absent_is_resource_group_not_found(rmc) -> None:
    with pytest.raises(ResourceNotFoundError) as info:
        rmc.resource_groups.get("missing")
    assert info.value.error.code == "ResourceGroupNotFound"
    assert "Resource group 'missing' could not be found." in info.value.error.message


def test_location_required_and_immutable(rmc, raw, sub) -> None:
    missing = raw("PUT", f"/subscriptions/{sub}/resourcegroups/rg1", {"tags": {}})
    assert missing.status == 400 and missing.body["error"]["code"] == "LocationRequired"
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus"})
    with pytest.raises(HttpResponseError) as info:
        rmc.resource_groups.create_or_update("rg1", {"location": "westus"})
    assert info.value.status_code == 400
    assert info.value.error.code == "InvalidResourceGroupLocation"


def test_delete_lro_location_202_then_200(emulator: Emulator, rmc, raw, sub) -> None:
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus"})
    emulator.config.lro_seconds = 30
    reply = raw("DELETE", f"/subscriptions/{sub}/resourcegroups/rg1")
    assert reply.status == 202 and reply.body is None
    location = reply.headers["location"]
    assert location.startswith(emulator.url + f"/subscriptions/{sub}/operationresults/")
    assert reply.headers["retry-after"] == "1"
    path = location[len(emulator.url) :]
    first = raw("GET", path, api_version=None)
    assert first.status == 202 and first.headers["location"] == location
    assert rmc.resource_groups.get("rg1").properties.provisioning_state == "Deleting"
    busy = raw("PUT", f"/subscriptions/{sub}/resourcegroups/rg1", {"location": "eastus"})
    assert busy.status == 409 and busy.body["error"]["code"] == "ResourceGroupBeingDeleted"
    emulator.advance_clock(30)
    done = raw("GET", path, api_version=None)
    assert done.status == 200 and done.body is None
    assert rmc.resource_groups.check_existence("rg1") is False


def test_sdk_delete_and_recreate(rmc) -> None:
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus"})
    rmc.resource_groups.begin_delete("rg1").result()
    assert rmc.resource_groups.check_existence("rg1") is False
    assert list(rmc.resource_groups.list()) == []
    recreated = rmc.resource_groups.create_or_update("rg1", {"location": "westus"})
    assert recreated.location == "westus"


def test_delete_absent_group_is_404(rmc) -> None:
    with pytest.raises(ResourceNotFoundError) as info:
        rmc.resource_groups.begin_delete("nope").result()
    assert info.value.error.code == "ResourceGroupNotFound"


def test_group_delete_soft_deletes_accounts_and_deployments(
    rmc, cs, make_account, make_deployment
) -> None:
    make_account("rg1", "acct1")
    make_deployment("rg1", "acct1", "rt")
    rmc.resource_groups.begin_delete("rg1").result()
    deleted = list(cs.deleted_accounts.list())
    assert [d.name for d in deleted] == ["acct1"]
    rmc.resource_groups.create_or_update("rg1", {"location": "eastus2"})
    with pytest.raises(ResourceNotFoundError):
        cs.accounts.get("rg1", "acct1")
    usage = {u.name.value: u.current_value for u in cs.usages.list("eastus2")}
    assert usage["OpenAI.GlobalStandard.gpt-realtime"] == 0


async def test_async_group_lifecycle(aclients) -> None:
    rmc = aclients.rmc
    created = await rmc.resource_groups.create_or_update("arg", {"location": "swedencentral"})
    assert created.location == "swedencentral"
    assert await rmc.resource_groups.check_existence("arg") is True
    updated = await rmc.resource_groups.update("arg", {"tags": {"a": "b"}})
    assert updated.tags == {"a": "b"}
    names = [g.name async for g in rmc.resource_groups.list()]
    assert names == ["arg"]
    poller = await rmc.resource_groups.begin_delete("arg")
    await poller.result()
    assert await rmc.resource_groups.check_existence("arg") is False
