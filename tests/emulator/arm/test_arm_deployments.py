"""Model deployments: LRO, catalog and quota validation, conflicts, data-plane views."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    PatchResourceTagsAndSku,
    Sku,
)

from emulator import Emulator, FaultRule
from emulator.cognitiveservices.deployments.handlers import get_deployment


def _acct_id(sub: str, rg: str = "rg1", name: str = "acct1") -> str:
    return (
        f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/"
        f"accounts/{name}"
    )


def test_create_get_list_delete(make_account, make_deployment, cs, sub) -> None:
    make_account()
    dep = make_deployment("rg1", "acct1", "rt", capacity=2)
    assert dep.id == _acct_id(sub) + "/deployments/rt"
    assert dep.sku.name == "GlobalStandard" and dep.sku.capacity == 2
    props = dep.properties
    assert props.provisioning_state == "Succeeded"
    assert props.model.name == "gpt-realtime" and props.model.version == "2025-08-28"
    assert props.capabilities["realtime"] == "true"
    assert props.version_upgrade_option == "NoAutoUpgrade"
    assert props.rai_policy_name == "Microsoft.DefaultV2"
    assert {r.key for r in props.rate_limits} == {"request", "token"}
    assert cs.deployments.get("RG1", "ACCT1", "RT").name == "rt"
    make_deployment("rg1", "acct1", "mini", model="gpt-realtime-mini", version="2025-10-06")
    assert sorted(d.name for d in cs.deployments.list("rg1", "acct1")) == ["mini", "rt"]
    cs.deployments.begin_delete("rg1", "acct1", "rt").result()
    with pytest.raises(ResourceNotFoundError):
        cs.deployments.get("rg1", "acct1", "rt")
    assert [d.name for d in cs.deployments.list("rg1", "acct1")] == ["mini"]


def test_put_201_then_update_200(emulator: Emulator, make_account, raw, sub) -> None:
    make_account()
    path = _acct_id(sub) + "/deployments/rt"
    body = {
        "sku": {"name": "GlobalStandard", "capacity": 1},
        "properties": {
            "model": {"format": "OpenAI", "name": "gpt-realtime", "version": "2025-08-28"}
        },
    }
    created = raw("PUT", path, body)
    assert created.status == 201
    assert created.body["properties"]["provisioningState"] == "Creating"
    assert created.headers["azure-asyncoperation"].startswith(emulator.url + "/subscriptions/")
    assert created.headers["retry-after"] == "1"
    updated = raw("PUT", path, {**body, "sku": {"name": "GlobalStandard", "capacity": 3}})
    assert updated.status == 200 and updated.body["sku"]["capacity"] == 3
    gone = raw("DELETE", path)
    assert gone.status == 202 and gone.headers["location"].startswith(emulator.url)
    assert raw("DELETE", path).status == 204


def test_time_based_progress_without_polling(
    emulator: Emulator, make_account, make_deployment, cs
) -> None:
    make_account()
    emulator.config.lro_seconds = 30
    first = make_deployment("rg1", "acct1", "rt", wait=False).result()
    assert first.properties.provisioning_state == "Creating"
    emulator.advance_clock(29)
    assert cs.deployments.get("rg1", "acct1", "rt").properties.provisioning_state == "Creating"
    emulator.advance_clock(1)
    assert cs.deployments.get("rg1", "acct1", "rt").properties.provisioning_state == "Succeeded"


def test_request_conflict_while_deployment_in_flight(
    emulator: Emulator, make_account, make_deployment, cs, sub
) -> None:
    make_account()
    emulator.config.lro_seconds = 30
    make_deployment("rg1", "acct1", "rt", wait=False)
    for attempt in (
        lambda: make_deployment("rg1", "acct1", "rt"),
        lambda: make_deployment("rg1", "acct1", "other"),
        lambda: cs.deployments.begin_delete("rg1", "acct1", "rt").result(),
        lambda: cs.accounts.begin_delete("rg1", "acct1").result(),
    ):
        with pytest.raises(ResourceExistsError) as info:
            attempt()
        assert info.value.status_code == 409
        assert info.value.error.code == "RequestConflict"
        assert info.value.error.message == (
            f"Another operation is being performed on the parent resource '{_acct_id(sub)}'. "
            "Please try again later."
        )


def test_account_must_be_succeeded(emulator: Emulator, rmc, cs, make_deployment) -> None:
    from azure.mgmt.cognitiveservices.models import Account, AccountProperties

    rmc.resource_groups.create_or_update("rg1", {"location": "eastus2"})
    emulator.config.lro_seconds = 30
    cs.accounts.begin_create(
        "rg1",
        "acct1",
        Account(
            kind="OpenAI",
            sku=Sku(name="S0"),
            location="eastus2",
            properties=AccountProperties(custom_sub_domain_name="acct1"),
        ),
        polling=False,
    ).result()
    with pytest.raises(ResourceExistsError) as info:
        make_deployment("rg1", "acct1", "rt")
    assert info.value.error.code == "AccountProvisioningStateInvalid"


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        (
            {"model": "gpt-realtime-mini", "version": "2025-10-06", "sku": "DataZoneStandard"},
            "InvalidResourceProperties",
            "The specified SKU 'DataZoneStandard' of account deployment is not supported by the "
            "model 'gpt-realtime-mini' version: '2025-10-06'.",
        ),
        (
            {"model": "text-davinci-002", "version": "1"},
            "DeploymentModelNotSupported",
            "Creating account deployment is not supported by the model 'text-davinci-002'. This is "
            "usually because there are better models available for the similar functionality.",
        ),
        ({"model": "gpt-realtime", "version": "1999-01-01"}, "DeploymentModelNotSupported", None),
        (
            {"capacity": 0},
            "InvalidCapacity",
            "The specified capacity '0' of account deployment should be greater than 0 and no more "
            "than 1000.",
        ),
        ({"capacity": 1001}, "InvalidCapacity", None),
    ],
)
def test_catalog_validation(make_account, make_deployment, kwargs, code, message) -> None:
    make_account()
    with pytest.raises(HttpResponseError) as info:
        make_deployment("rg1", "acct1", "d1", **kwargs)
    assert info.value.status_code == 400
    assert info.value.error.code == code
    if message:
        assert info.value.error.message == message


def test_realtime_not_offered_outside_realtime_regions(make_account, make_deployment) -> None:
    make_account(location="westeurope")
    with pytest.raises(HttpResponseError) as info:
        make_deployment("rg1", "acct1", "rt")
    assert info.value.error.code == "DeploymentModelNotSupported"
    assert make_deployment("rg1", "acct1", "chat", model="gpt-4o", version="2024-11-20")


def test_insufficient_quota_and_usages(make_account, make_deployment, cs, raw) -> None:
    make_account()
    make_account("rg2", "acct2")
    usage = "OpenAI.GlobalStandard.gpt-realtime"
    set_limit = raw.admin(
        "PATCH", "/_admin/quota", {"location": "eastus2", "usageName": usage, "limit": 10}
    )
    assert set_limit.status == 200
    make_deployment("rg1", "acct1", "rt", capacity=6)
    with pytest.raises(HttpResponseError) as info:
        make_deployment("rg2", "acct2", "rt", capacity=5)
    assert info.value.status_code == 400 and info.value.error.code == "InsufficientQuota"
    label = "Tokens Per Minute (thousands) - gpt-realtime - GlobalStandard"
    assert info.value.error.message == (
        f"This operation require 5 new capacity in quota {label}, which is bigger than the "
        f"current available capacity 4. The current quota usage is 6 and the quota limit is 10 "
        f"for quota {label}."
    )
    make_deployment("rg2", "acct2", "rt", capacity=4)
    usages = {u.name.value: u for u in cs.usages.list("eastus2")}
    assert usages[usage].current_value == 10 and usages[usage].limit == 10
    # re-PUT of the same deployment does not count its own capacity twice
    assert make_deployment("rg1", "acct1", "rt", capacity=6).sku.capacity == 6
    account_usages = {u.name.value: u for u in cs.accounts.list_usages("rg1", "acct1").value}
    assert account_usages[usage].current_value == 10


def test_lro_fault_on_deployment_then_convergence(
    emulator: Emulator, make_account, make_deployment, cs
) -> None:
    make_account()
    emulator.config.faults = [
        FaultRule(
            match="/deployments/rt",
            method="PUT",
            kind="lro",
            code="InsufficientQuota",
            message="Scripted failure.",
        )
    ]
    with pytest.raises(HttpResponseError) as info:
        make_deployment("rg1", "acct1", "rt")
    assert "InsufficientQuota" in str(info.value)
    assert cs.deployments.get("rg1", "acct1", "rt").properties.provisioning_state == "Failed"
    assert make_deployment("rg1", "acct1", "rt").properties.provisioning_state == "Succeeded"


def test_patch_deployment_capacity(make_account, make_deployment, cs) -> None:
    make_account()
    make_deployment("rg1", "acct1", "rt", capacity=1)
    patched = cs.deployments.begin_update(
        "rg1",
        "acct1",
        "rt",
        PatchResourceTagsAndSku(sku=Sku(name="GlobalStandard", capacity=5), tags={"a": "b"}),
    ).result()
    assert patched.sku.capacity == 5 and patched.tags == {"a": "b"}


def test_data_plane_view_and_admin_disable(
    emulator: Emulator, make_account, make_deployment, raw, sub
) -> None:
    make_account()
    make_deployment("rg1", "acct1", "rt", capacity=3)
    store = emulator.app.store
    view = get_deployment(
        store, _acct_id(sub).upper().replace("SUBSCRIPTIONS", "subscriptions"), "RT"
    )
    assert view is not None
    assert (
        view.name,
        view.model_name,
        view.model_version,
        view.model_format,
        view.sku_name,
        view.capacity,
    ) == ("rt", "gpt-realtime", "2025-08-28", "OpenAI", "GlobalStandard", 3)
    assert view.provisioning_state() == "Succeeded"
    assert get_deployment(store, _acct_id(sub), "absent") is None
    reply = raw.admin(
        "PATCH", "/_admin/deployments", {"id": view.id, "provisioningState": "Disabled"}
    )
    assert reply.status == 200 and reply.body["properties"]["provisioningState"] == "Disabled"
    disabled = get_deployment(store, _acct_id(sub), "rt")
    assert disabled is not None and disabled.provisioning_state() == "Disabled"
    raw.admin("PATCH", "/_admin/deployments", {"id": view.id, "provisioningState": None})
    assert get_deployment(store, _acct_id(sub), "rt").provisioning_state() == "Succeeded"
    bad = raw.admin("PATCH", "/_admin/deployments", {"id": view.id, "provisioningState": "x"})
    assert bad.status == 400


def test_deployment_hidden_while_account_soft_deleted(
    emulator: Emulator, make_account, make_deployment, cs, sub
) -> None:
    make_account()
    make_deployment("rg1", "acct1", "rt")
    cs.accounts.begin_delete("rg1", "acct1").result()
    assert get_deployment(emulator.app.store, _acct_id(sub), "rt") is None


async def test_async_deployment(aclients, make_account) -> None:
    make_account()
    cs = aclients.cs
    poller = await cs.deployments.begin_create_or_update(
        "rg1",
        "acct1",
        "mini",
        Deployment(
            sku=Sku(name="GlobalStandard", capacity=1),
            properties=DeploymentProperties(
                model=DeploymentModel(
                    format="OpenAI", name="gpt-4o-mini-realtime-preview", version="2024-12-17"
                )
            ),
        ),
    )
    dep = await poller.result()
    assert dep.properties.provisioning_state == "Succeeded"
    assert [d.name async for d in cs.deployments.list("rg1", "acct1")] == ["mini"]
    await (await cs.deployments.begin_delete("rg1", "acct1", "mini")).result()
    assert [d.name async for d in cs.deployments.list("rg1", "acct1")] == []
