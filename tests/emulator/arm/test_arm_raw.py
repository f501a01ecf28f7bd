"""Malformed and edge-case requests over raw HTTPS: always ARM-shaped 4xx, never 500."""

from __future__ import annotations

import pytest

from emulator import Emulator


def _acct(sub: str, name: str = "acct1") -> str:
    return (
        f"/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.CognitiveServices/"
        f"accounts/{name}"
    )


@pytest.fixture
def group(raw, sub) -> None:
    reply = raw("PUT", f"/subscriptions/{sub}/resourcegroups/rg1", {"location": "eastus2"})
    assert reply.status == 201


def _error(reply, status: int, code: str) -> None:
    assert reply.status == status, reply.body
    assert reply.body["error"]["code"] == code
    assert reply.body["error"]["message"]
    assert reply.headers["content-type"].startswith("application/json")


def test_missing_api_version(raw, sub) -> None:
    _error(
        raw("GET", f"/subscriptions/{sub}/resourcegroups", api_version=None),
        400,
        "MissingApiVersionParameter",
    )


def test_any_api_version_is_accepted(raw, sub) -> None:
    assert (
        raw("GET", f"/subscriptions/{sub}/resourcegroups", api_version="2024-11-01").status == 200
    )
    assert (
        raw("GET", f"/subscriptions/{sub}/resourcegroups", api_version="2026-05-15-preview").status
        == 200
    )


def test_subscription_checks(raw, sub) -> None:
    _error(raw("GET", "/subscriptions/not-a-guid/resourcegroups"), 400, "InvalidSubscriptionId")
    other = "00000000-0000-0000-0000-000000000000"
    _error(raw("GET", f"/subscriptions/{other}/resourcegroups"), 404, "SubscriptionNotFound")
    _error(
        raw(
            "GET",
            f"/subscriptions/{other}/providers/Microsoft.CognitiveServices/"
            "locations/eastus2/models",
        ),
        404,
        "SubscriptionNotFound",
    )
    upper = raw("GET", f"/subscriptions/{sub.upper()}/resourcegroups")
    assert upper.status == 200


@pytest.mark.usefixtures("group")
def test_malformed_bodies(raw, sub) -> None:
    _error(raw("PUT", _acct(sub), raw=b"{not json"), 400, "InvalidRequestContent")
    _error(raw("PUT", _acct(sub), raw=b"[1, 2]"), 400, "InvalidRequestContent")
    _error(raw("PUT", _acct(sub), raw=b""), 400, "InvalidRequestContent")
    _error(
        raw("PUT", f"/subscriptions/{sub}/resourcegroups/rg2", {"location": 5}),
        400,
        "InvalidRequestContent",
    )
    _error(
        raw(
            "PUT", f"/subscriptions/{sub}/resourcegroups/rg2", {"location": "eastus", "tags": ["a"]}
        ),
        400,
        "InvalidRequestContent",
    )
    _error(
        raw(
            "PUT",
            f"/subscriptions/{sub}/resourcegroups/rg2",
            {"location": "eastus", "tags": {"a": 1}},
        ),
        400,
        "InvalidRequestContent",
    )
    _error(
        raw("PUT", _acct(sub), {"location": "eastus2", "kind": "OpenAI", "sku": "S0"}),
        400,
        "InvalidRequestContent",
    )
    _error(
        raw("PUT", _acct(sub), {"location": "eastus2", "kind": 3, "sku": {"name": "S0"}}),
        400,
        "InvalidRequestContent",
    )
    _error(
        raw(
            "PUT",
            _acct(sub),
            {"location": "eastus2", "kind": "OpenAI", "sku": {"name": "S0"}, "properties": "x"},
        ),
        400,
        "InvalidRequestContent",
    )


@pytest.mark.usefixtures("group")
def test_malformed_deployment_bodies(raw, sub) -> None:
    body = {
        "location": "eastus2",
        "kind": "OpenAI",
        "sku": {"name": "S0"},
        "properties": {"customSubDomainName": "acct1"},
    }
    assert raw("PUT", _acct(sub), body).status == 201
    dep = _acct(sub) + "/deployments/d1"
    model = {"format": "OpenAI", "name": "gpt-realtime", "version": "2025-08-28"}
    _error(
        raw(
            "PUT",
            dep,
            {"sku": {"name": "GlobalStandard", "capacity": "ten"}, "properties": {"model": model}},
        ),
        400,
        "InvalidRequestContent",
    )
    _error(
        raw(
            "PUT",
            dep,
            {"sku": {"name": "GlobalStandard", "capacity": 1.5}, "properties": {"model": model}},
        ),
        400,
        "InvalidRequestContent",
    )
    _error(
        raw("PUT", dep, {"sku": {"name": "GlobalStandard", "capacity": 1}}),
        400,
        "InvalidResourceProperties",
    )
    _error(
        raw(
            "PUT",
            dep,
            {
                "sku": {"name": "GlobalStandard", "capacity": 1},
                "properties": {"model": {"name": "gpt-realtime"}},
            },
        ),
        400,
        "InvalidResourceProperties",
    )
    _error(
        raw(
            "PUT",
            dep,
            {
                "sku": {"name": "GlobalStandard", "capacity": 1},
                "properties": {"model": model, "versionUpgradeOption": "Sometimes"},
            },
        ),
        400,
        "InvalidRequestContent",
    )
    # sku inside properties is ignored: the deployment defaults to Standard (bicep#16642)
    _error(
        raw(
            "PUT",
            dep,
            {"properties": {"model": model, "sku": {"name": "GlobalStandard", "capacity": 1}}},
        ),
        400,
        "InvalidResourceProperties",
    )
    _error(raw("POST", _acct(sub) + "/regenerateKey", {"keyName": "Key3"}), 400, "InvalidKeyName")


@pytest.mark.usefixtures("group")
def test_case_insensitive_paths_and_canonical_ids(raw, sub) -> None:
    body = {
        "location": "EastUS2",
        "kind": "openai",
        "sku": {"name": "s0"},
        "properties": {"customSubDomainName": "casesub"},
    }
    path = (
        f"/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/RG1/PROVIDERS/microsoft.cognitiveservices/"
        "ACCOUNTS/Acct1"
    )
    created = raw("PUT", path, body)
    assert created.status == 201
    assert (
        created.body["id"] == f"/subscriptions/{sub}/resourceGroups/rg1/providers/"
        "Microsoft.CognitiveServices/accounts/Acct1"
    )
    assert created.body["kind"] == "OpenAI" and created.body["location"] == "eastus2"
    got = raw("GET", _acct(sub, "ACCT1").replace("/resourceGroups/", "//resourcegroups//"))
    assert got.status == 200 and got.body["name"] == "Acct1"


def test_unknown_operation_and_resource(raw, sub, emulator: Emulator) -> None:
    _error(
        raw(
            "GET",
            f"/subscriptions/{sub}/providers/Microsoft.CognitiveServices/locations/"
            "eastus2/operationStatuses/nope",
        ),
        404,
        "OperationNotFound",
    )
    _error(raw("GET", _acct(sub)), 404, "ResourceGroupNotFound")
    _error(raw("DELETE", f"/subscriptions/{sub}/resourcegroups/rg1"), 404, "ResourceGroupNotFound")
    assert all(r["status"] < 500 for r in emulator.stats()["requests"])


def test_unauthenticated_request_is_401(raw, sub) -> None:
    _error(
        raw("GET", f"/subscriptions/{sub}/resourcegroups", auth=False), 401, "AuthenticationFailed"
    )


def test_no_internal_errors_were_served(raw, sub, emulator: Emulator) -> None:
    raw("PUT", f"/subscriptions/{sub}/resourcegroups/rg1", {"location": "eastus2"})
    _error(
        raw("PUT", f"/subscriptions/{sub}/resourcegroups/rgx", {"location": "moon"}),
        400,
        "LocationNotAvailableForResourceGroup",
    )
    for body in (
        {"location": None},
        {"location": ""},
        {"location": "eastus", "managedBy": 3},
        {"location": "eastus2", "tags": None},
    ):
        reply = raw("PUT", f"/subscriptions/{sub}/resourcegroups/rgx", body)
        assert reply.status < 500, (body, reply.body)
    requests = emulator.stats()["requests"]
    assert requests and all(entry["status"] < 500 for entry in requests)
