"""Wrong-typed and malformed ARM bodies: always an ARM-shaped 4xx (or a success), never a 5xx.

Each valid body below is sent again with one field (at any depth) replaced by a value of
every other JSON type, plus bodies that are not JSON objects at all.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulator import Emulator

VALUES = (None, True, 7, "x", [1], {"k": 1})
NOT_OBJECTS = [b"", b"[]", b'"x"', b"1", b"null", b"\xff\xfe", b"{", b"[" * 50_000]
NOT_OBJECTS += [b'{"location": NaN}', b'{"sku": {"capacity": Infinity}}', b"9" * 5000]
OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
ACCOUNT = {
    "location": "eastus2",
    "kind": "OpenAI",
    "sku": {"name": "S0"},
    "tags": {"team": "rt"},
    "identity": {"type": "SystemAssigned"},
    "properties": {
        "customSubDomainName": "fuzz1",
        "publicNetworkAccess": "Enabled",
        "disableLocalAuth": False,
        "restore": False,
        "networkAcls": {"defaultAction": "Allow", "ipRules": [{"value": "1.2.3.4"}]},
    },
}
DEPLOYMENT = {
    "sku": {"name": "GlobalStandard", "capacity": 1},
    "properties": {
        "model": {"format": "OpenAI", "name": "gpt-realtime", "version": "2025-08-28"},
        "versionUpgradeOption": "NoAutoUpgrade",
        "raiPolicyName": "Microsoft.DefaultV2",
    },
}


def mutations(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``body`` with each field, at any depth, replaced by each of ``VALUES``."""

    def paths(value: Any, prefix: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            yield (*prefix, key)
            if isinstance(child, (dict, list)):
                yield from paths(child, (*prefix, key))

    for path in paths(body, ()):
        for value in VALUES:
            mutated = copy.deepcopy(body)
            target = mutated
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            yield mutated


class Arm:
    """One keep-alive HTTPS session to the emulator as the deployer."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.http = requests.Session()
        self.verify = str(emu.ca_path)  # per request: REQUESTS_CA_BUNDLE beats Session.verify
        token = emu.mint_token("deployer", "https://management.azure.com")
        self.http.headers.update(
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        )
        self.sub = f"/subscriptions/{emu.connection.subscription_id}"

    def call(self, method: str, path: str, data: bytes, api: str = "2025-09-01") -> int:
        reply = self.http.request(
            method,
            self.emu.url + self.sub + path,
            params={"api-version": api},
            data=data,
            verify=self.verify,
        )
        if reply.status_code >= 400:  # every refusal is an ARM error body
            assert reply.json()["error"]["code"], reply.text
        return reply.status_code

    def sweep(self, method: str, path: str, valid: dict[str, Any], api: str = "2025-09-01") -> int:
        """Send every mutation of ``valid`` and every non-object body; returns the count."""
        bodies = [json.dumps(m).encode() for m in mutations(valid)] + NOT_OBJECTS
        failures = []
        for body in bodies:
            status = self.call(method, path, body, api)
            if status >= 500:
                failures.append((status, body[:200]))
        assert failures == []
        return len(bodies)


@pytest.fixture
def arm(emulator: Emulator) -> Iterator[Arm]:
    client = Arm(emulator)
    yield client
    client.http.close()


def test_resource_group_and_account_bodies(arm: Arm) -> None:
    assert arm.sweep("PUT", "/resourcegroups/rg-fuzz", {"location": "eastus2", "tags": {}}) > 10
    assert arm.call("PUT", "/resourcegroups/rg1", b'{"location": "eastus2"}') == 201
    account = "/resourceGroups/rg1/providers/Microsoft.CognitiveServices/accounts/fuzz1"
    assert arm.sweep("PUT", account, ACCOUNT) > 100
    assert arm.call("PUT", account, json.dumps(ACCOUNT).encode()) in (200, 201)
    patch = {"tags": {"a": "b"}, "properties": {"disableLocalAuth": False}}
    assert arm.sweep("PATCH", account, patch)
    assert arm.sweep("POST", account + "/regenerateKey", {"keyName": "Key1"})
    check = "/providers/Microsoft.CognitiveServices/checkDomainAvailability"
    assert arm.sweep("POST", check, {"subdomainName": "x", "type": "t", "kind": "OpenAI"})


def test_deployment_and_role_assignment_bodies(arm: Arm) -> None:
    assert arm.call("PUT", "/resourcegroups/rg1", b'{"location": "eastus2"}') == 201
    account = "/resourceGroups/rg1/providers/Microsoft.CognitiveServices/accounts/fuzz1"
    assert arm.call("PUT", account, json.dumps(ACCOUNT).encode()) == 201
    assert arm.sweep("PUT", account + "/deployments/rt", DEPLOYMENT) > 60
    assert arm.sweep("PATCH", account + "/deployments/rt", {"sku": {"capacity": 2}, "tags": {}})
    assignment = {
        "properties": {
            "roleDefinitionId": f"{arm.sub}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{OPENAI_USER}",
            "principalId": arm.emu.connection.principals["app"].object_id,
            "principalType": "ServicePrincipal",
            "description": "fuzz",
            "condition": None,
        }
    }
    path = f"{account}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
    assert arm.sweep("PUT", path, assignment, api="2022-04-01") > 30
    config = {"faults": [{"match": "x", "times": 1}], "seed": 1, "page_size": 5}
    bodies = [json.dumps(m).encode() for m in mutations(config)] + NOT_OBJECTS
    url = arm.emu.url + "/_admin/config"
    headers = arm.emu.admin_headers
    statuses = {
        arm.http.patch(url, data=b, verify=arm.verify, headers=headers).status_code for b in bodies
    }
    assert max(statuses) < 500
