"""Discovery: the regional catalog, usages and SKUs as the SDK reads them."""

from __future__ import annotations

REALTIME = {
    "gpt-realtime",
    "gpt-realtime-mini",
    "gpt-realtime-1.5",
    "gpt-4o-realtime-preview",
    "gpt-4o-mini-realtime-preview",
}


def test_realtime_catalog_in_realtime_regions(cs) -> None:
    items = list(cs.models.list("swedencentral"))
    kinds = {i.kind for i in items}
    assert kinds == {"OpenAI", "AIServices"}
    openai = {(i.model.name, i.model.version): i for i in items if i.kind == "OpenAI"}
    assert {name for name, _ in openai} >= REALTIME
    assert ("gpt-realtime-mini", "2025-12-15") in openai
    mini = openai[("gpt-realtime-mini", "2025-10-06")].model
    assert mini.capabilities["realtime"] == "true"
    assert [s.name for s in mini.skus] == ["GlobalStandard"]
    assert mini.skus[0].usage_name == "OpenAI.GlobalStandard.gpt-realtime-mini"
    assert mini.skus[0].capacity.maximum >= mini.skus[0].capacity.default > 0
    assert ("whisper", "001") in openai


def test_other_regions_have_no_realtime_models(cs) -> None:
    names = {i.model.name for i in cs.models.list("westeurope")}
    assert "gpt-4o" in names and not names & REALTIME
    assert list(cs.models.list("nowhere")) == []


def test_usage_name_can_differ_from_model_name(cs) -> None:
    items = [i for i in cs.models.list("eastus2") if i.model.name == "gpt-4.1-mini"]
    assert items[0].model.skus[0].usage_name == "OpenAI.GlobalStandard.gpt4.1-mini"


def test_location_usages(cs, make_account) -> None:
    make_account()
    usages = {u.name.value: u for u in cs.usages.list("eastus2")}
    rt = usages["OpenAI.GlobalStandard.gpt-realtime"]
    assert rt.current_value == 0 and rt.limit > 0 and rt.unit == "Count"
    assert usages["AccountCount"].current_value == 1


def test_account_models_and_skus(cs, make_account, sub) -> None:
    make_account()
    names = {m.name for m in cs.accounts.list_models("rg1", "acct1")}
    assert "gpt-realtime" in names
    skus = cs.accounts.list_skus("rg1", "acct1")
    assert skus.value[0].sku.name == "S0"
    resource_skus = list(cs.resource_skus.list())
    assert any(s.name == "S0" and s.kind == "OpenAI" for s in resource_skus)


def test_admin_quota_rejects_bad_input(raw) -> None:
    reply = raw.admin(
        "PATCH", "/_admin/quota", {"location": "eastus2", "usageName": "x", "limit": "ten"}
    )
    assert reply.status == 400 and reply.body["error"]["code"] == "InvalidSetting"
