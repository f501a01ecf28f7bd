"""Request bodies read as Azure's deserializer reads them: one test per typed field (issue 9).

The field tables come from the REST spec (emulator/*/fields.py); every integer, boolean and
enum field is sent in the lenient form Azure accepts (numeric strings, any-case enum names,
``"false"``) and in a form Azure refuses, over HTTPS against a running emulator.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Raw

from emulator.api import Emulator, EmulatorConfig
from emulator.arm.deserialize import TypedField, coerce
from emulator.authorization.fields import ROLE_ASSIGNMENT_FIELDS
from emulator.cognitiveservices.accounts.fields import ACCOUNT_FIELDS
from emulator.cognitiveservices.deployments.fields import DEPLOYMENT_FIELDS
from emulator.errors import ServiceError

API = "2025-06-01"
RG = "coerce"
CS_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    state: Path = tmp_path_factory.mktemp("coerce") / "emu"
    with Emulator(state_dir=state, config=EmulatorConfig(timing="instant")) as running:
        yield running


@pytest.fixture(scope="module")
def http(emu: Emulator) -> Raw:
    client = Raw(emu)
    sub = emu.connection.subscription_id
    assert client(
        "PUT",
        f"/subscriptions/{sub}/resourcegroups/{RG}",
        {"location": "eastus2"},
        api_version="2021-04-01",
    ).status in (200, 201)
    return client


def _account_body(name: str) -> dict[str, Any]:
    return {
        "kind": "OpenAI",
        "location": "eastus2",
        "sku": {"name": "S0"},
        "properties": {"customSubDomainName": name},
    }


def _account_path(emu: Emulator, name: str) -> str:
    sub = emu.connection.subscription_id
    provider = "providers/Microsoft.CognitiveServices"
    return f"/subscriptions/{sub}/resourceGroups/{RG}/{provider}/accounts/{name}"


def _deployment_body() -> dict[str, Any]:
    return {
        "sku": {"name": "GlobalStandard", "capacity": 1},
        "properties": {
            "model": {"format": "OpenAI", "name": "gpt-realtime", "version": "2025-08-28"}
        },
    }


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at ``path``, creating objects and one-item arrays on the way."""
    node = body
    steps = path.split(".")
    for step in steps[:-1]:
        name = step.removesuffix("[]")
        node = node.setdefault(name, [{}])[0] if step.endswith("[]") else node.setdefault(name, {})
    last = steps[-1]
    if last.endswith("[]"):
        node[last.removesuffix("[]")] = [value]
    else:
        node[last] = value


def _get(body: Any, path: str) -> Any:
    node = body
    for step in path.split("."):
        if not isinstance(node, dict) or step.removesuffix("[]") not in node:
            return None
        node = node[step.removesuffix("[]")]
        if step.endswith("[]"):
            node = node[0] if node else None
    return node


def lenient(field: TypedField) -> tuple[Any, Any]:
    """A form Azure accepts for the field, and what it means."""
    if field.kind == "int32":
        low = field.minimum if field.minimum is not None else 1
        return f" {low + 1} ", low + 1
    if field.kind == "bool":
        return "False", False
    canonical = field.values[-1]
    return canonical.upper() if canonical.upper() != canonical else canonical.lower(), canonical


def refused(field: TypedField) -> tuple[Any, str]:
    """A form Azure refuses, and a fragment of its message."""
    if field.kind == "int32":
        return "two", "Could not convert string to integer: two"
    if field.kind == "bool":
        return "maybe", "Could not convert string to boolean: maybe"
    return "NotAValue", "Requested value 'NotAValue' was not found"


def _ids(fields: tuple[TypedField, ...]) -> list[str]:
    return [f.path for f in fields]


# -- the deserializer itself ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), (" -3 ", -3), (2.0, 2), (7, 7), ("", None), (None, None), ("2147483647", 2**31 - 1)],
)
def test_int32_forms_azure_accepts(value: Any, expected: Any) -> None:
    body = coerce({"sku": {"capacity": value}}, DEPLOYMENT_FIELDS)
    assert body["sku"]["capacity"] == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1.5", "Could not convert string to integer: 1.5"),
        (1.5, "Input string '1.5' is not a valid integer"),
        (True, "Unexpected token: Boolean"),
        ({"a": 1}, "Unexpected token: StartObject"),
        (2**31, "too large or small for an Int32"),
        ("-2147483649", "too large or small for an Int32"),
    ],
)
def test_int32_forms_azure_refuses(value: Any, fragment: str) -> None:
    with pytest.raises(ServiceError) as caught:
        coerce({"sku": {"capacity": value}}, DEPLOYMENT_FIELDS)
    assert caught.value.status == 400 and caught.value.code == "InvalidRequestContent"
    assert fragment in caught.value.message and "Path 'sku.capacity'" in caught.value.message


@pytest.mark.parametrize(
    ("value", "expected"), [("TRUE", True), (" false ", False), (1, True), (0, False)]
)
def test_bool_forms(value: Any, expected: bool) -> None:
    body = coerce({"properties": {"disableLocalAuth": value}}, ACCOUNT_FIELDS)
    assert body["properties"]["disableLocalAuth"] is expected


def test_coerce_leaves_the_input_alone_and_visits_array_items() -> None:
    path = "properties.networkAcls.virtualNetworkRules"
    body = {
        "properties": {
            "networkAcls": {
                "virtualNetworkRules": [
                    {"id": "a", "ignoreMissingVnetServiceEndpoint": "true"},
                    {"id": "b", "ignoreMissingVnetServiceEndpoint": "false"},
                ]
            }
        }
    }
    original = copy.deepcopy(body)
    result = coerce(body, ACCOUNT_FIELDS)
    assert body == original
    assert [r["ignoreMissingVnetServiceEndpoint"] for r in _get(result, path)] == [True, False]


def test_minimum_is_enforced() -> None:
    with pytest.raises(ServiceError) as caught:
        coerce({"properties": {"capacitySettings": {"priority": "-1"}}}, DEPLOYMENT_FIELDS)
    assert "properties.capacitySettings.priority" in caught.value.message


# -- every field, over HTTPS ---------------------------------------------------------------
@pytest.mark.parametrize("field", ACCOUNT_FIELDS, ids=_ids(ACCOUNT_FIELDS))
def test_account_field_accepts_lenient_form(emu: Emulator, http: Raw, field: TypedField) -> None:
    name = f"acct{uuid.uuid4().hex[:10]}"
    sent, meaning = lenient(field)
    body = _account_body(name)
    _set(body, field.path, sent)
    path = _account_path(emu, name)
    reply = http("PUT", path, body, api_version=API)
    assert reply.status in (200, 201), reply.body
    shown = _get(http("GET", path, api_version=API).body, field.path)
    if shown is not None:  # echoed fields come back in Azure's form
        assert shown == meaning


@pytest.mark.parametrize("field", ACCOUNT_FIELDS, ids=_ids(ACCOUNT_FIELDS))
def test_account_field_refuses_bad_form(emu: Emulator, http: Raw, field: TypedField) -> None:
    name = f"acct{uuid.uuid4().hex[:10]}"
    sent, fragment = refused(field)
    body = _account_body(name)
    _set(body, field.path, sent)
    path = _account_path(emu, name)
    reply = http("PUT", path, body, api_version=API)
    assert reply.status == 400
    error = reply.body["error"]
    assert error["code"] == "InvalidRequestContent" and fragment in error["message"]
    assert field.path.replace("[]", "[0]") in error["message"]
    assert http("GET", path, api_version=API).status == 404


@pytest.fixture(scope="module")
def account_path(emu: Emulator, http: Raw) -> str:
    path = _account_path(emu, "deployhost")
    assert http("PUT", path, _account_body("deployhost"), api_version=API).status in (200, 201)
    return path


@pytest.mark.parametrize("field", DEPLOYMENT_FIELDS, ids=_ids(DEPLOYMENT_FIELDS))
def test_deployment_field_accepts_lenient_form(
    http: Raw, account_path: str, field: TypedField
) -> None:
    sent, meaning = lenient(field)
    body = _deployment_body()
    _set(body, field.path, sent)
    path = f"{account_path}/deployments/d{uuid.uuid4().hex[:8]}"
    reply = http("PUT", path, body, api_version=API)
    assert reply.status in (200, 201), reply.body
    shown = _get(http("GET", path, api_version=API).body, field.path)
    if shown is not None and field.path != "properties.currentCapacity":  # read-only echo
        assert shown == meaning
    assert http("DELETE", path, api_version=API).status in (200, 202, 204)


@pytest.mark.parametrize("field", DEPLOYMENT_FIELDS, ids=_ids(DEPLOYMENT_FIELDS))
def test_deployment_field_refuses_bad_form(http: Raw, account_path: str, field: TypedField) -> None:
    sent, fragment = refused(field)
    body = _deployment_body()
    _set(body, field.path, sent)
    reply = http("PUT", f"{account_path}/deployments/bad", body, api_version=API)
    assert reply.status == 400
    assert reply.body["error"]["code"] == "InvalidRequestContent"
    assert (
        fragment in reply.body["error"]["message"] and field.path in reply.body["error"]["message"]
    )


def test_cli_style_string_capacity_is_capacity(http: Raw, account_path: str) -> None:
    body = _deployment_body()
    body["sku"]["capacity"] = "3"  # what `az ... deployment create --sku-capacity 3` sends
    reply = http("PUT", f"{account_path}/deployments/clistyle", body, api_version=API)
    assert reply.status in (200, 201), reply.body
    assert reply.body["sku"]["capacity"] == 3


@pytest.mark.parametrize("field", ROLE_ASSIGNMENT_FIELDS, ids=_ids(ROLE_ASSIGNMENT_FIELDS))
def test_role_assignment_field(emu: Emulator, http: Raw, field: TypedField) -> None:
    conn = emu.connection
    scope = f"/subscriptions/{conn.subscription_id}/resourceGroups/{RG}"
    role = f"/subscriptions/{conn.subscription_id}/providers/Microsoft.Authorization"
    body: dict[str, Any] = {
        "properties": {
            "roleDefinitionId": f"{role}/roleDefinitions/{CS_USER}",
            "principalId": conn.principals["app"].object_id,
        }
    }
    _set(body, field.path, "servicePRINCIPAL")  # the app is a service principal
    base = f"{scope}/providers/Microsoft.Authorization/roleAssignments"
    reply = http("PUT", f"{base}/{uuid.uuid4()}", body, api_version="2022-04-01")
    assert reply.status == 201, reply.body
    assert reply.body["properties"]["principalType"] == "ServicePrincipal"
    bad, fragment = refused(field)
    _set(body, field.path, bad)
    reply = http("PUT", f"{base}/{uuid.uuid4()}", body, api_version="2022-04-01")
    assert reply.status == 400 and fragment in reply.body["error"]["message"]
