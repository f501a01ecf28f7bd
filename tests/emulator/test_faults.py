"""Fault injection: seeded throttling, errors and latency, targeted rules, the admin endpoint."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Sku
from azure.mgmt.resource.resources import ResourceManagementClient

from emulator import Emulator, EmulatorConfig, FaultRule
from emulator.sdk import credential as sdk_credential

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
TIMEOUT = 15


def _cred(emu: Emulator) -> ClientSecretCredential:
    return sdk_credential(emu.connection)


def _kw(emu: Emulator, **extra) -> dict:
    c = emu.connection
    return {
        "base_url": c.arm_url,
        "connection_verify": str(c.ca_bundle),
        "polling_interval": 0,
        "connection_timeout": TIMEOUT,
        "read_timeout": TIMEOUT,
        **extra,
    }


def _auth(emu: Emulator, **extra) -> AuthorizationManagementClient:
    return AuthorizationManagementClient(
        _cred(emu), emu.connection.subscription_id, **_kw(emu, **extra)
    )


def _sub(emu: Emulator) -> str:
    return f"/subscriptions/{emu.connection.subscription_id}"


def _arm_get(emu: Emulator, path: str) -> requests.Response:
    """One ARM GET as the deployer, without client retries."""
    token = emu.mint_token("deployer", "https://management.azure.com")
    return requests.get(
        emu.url + path,
        params={"api-version": "2022-04-01"},
        verify=str(emu.ca_path),
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )


def _statuses(emu: Emulator, service: str = "arm") -> list[int]:
    return [r["status"] for r in emu.stats()["requests"] if r["service"] == service]


def _raw_sequence(emu: Emulator, count: int = 24) -> list[int]:
    """Statuses of ``count`` plain ARM GETs without client retries."""
    path = f"{_sub(emu)}/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    return [_arm_get(emu, path).status_code for _ in range(count)]


@pytest.fixture
def make_emulator(tmp_path: Path) -> Iterator:
    """Start extra emulators (each with its own state) that are stopped after the test."""
    started: list[Emulator] = []

    def make(**settings) -> Emulator:
        emu = Emulator(tmp_path / f"emu{len(started)}", config=EmulatorConfig(**settings))
        emu.start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


def test_throttling_answers_429_with_retry_after_and_the_sdk_retries(make_emulator) -> None:
    # seed 10: one 429 among the first seven answers (seed 4 had five: 5 s of Retry-After waits)
    emu = make_emulator(throttle_rate=0.3, seed=10)
    auth = _auth(emu)
    started = time.monotonic()
    for _ in range(6):
        assert auth.role_definitions.get(_sub(emu), READER).role_name == "Reader"
    elapsed = time.monotonic() - started
    statuses = _statuses(emu)
    throttled = statuses.count(429)
    assert throttled >= 1, statuses
    assert statuses.count(200) == 6 and len(statuses) == 6 + throttled
    assert elapsed >= throttled * 1.0  # Retry-After: 1 was honoured each time


def test_a_throttled_response_carries_retry_after(make_emulator) -> None:
    emu = make_emulator(throttle_rate=1.0)
    response = _arm_get(emu, f"{_sub(emu)}/providers/Microsoft.Authorization/roleDefinitions")
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "TooManyRequests"
    assert response.headers["x-ms-request-id"]


def test_error_rate_fails_a_fraction_with_500(make_emulator) -> None:
    emu = make_emulator(error_rate=0.5, seed=11)
    auth = _auth(emu, retry_total=0)
    outcomes = []
    for _ in range(12):
        try:
            auth.role_definitions.get(_sub(emu), READER)
            outcomes.append("ok")
        except HttpResponseError as exc:
            assert exc.status_code == 500 and exc.error.code == "InternalServerError"
            outcomes.append("500")
    assert "ok" in outcomes and "500" in outcomes
    assert sorted(set(_statuses(emu))) == [200, 500]


def test_the_sdk_retries_injected_500s_on_reads(make_emulator) -> None:
    emu = make_emulator(error_rate=0.3, seed=5)
    auth = _auth(emu)
    for _ in range(5):
        assert auth.role_definitions.get(_sub(emu), READER).name == READER
    statuses = _statuses(emu)
    assert statuses.count(200) == 5 and statuses.count(500) == len(statuses) - 5


def test_latency_delays_every_arm_request(make_emulator) -> None:
    emu = make_emulator(latency_ms=400)
    auth = _auth(emu)
    auth.role_definitions.get(_sub(emu), READER)  # token fetch and connection set-up
    started = time.monotonic()
    auth.role_definitions.get(_sub(emu), READER)
    auth.role_definitions.get(_sub(emu), READER)
    assert time.monotonic() - started >= 0.8


def test_same_seed_same_faults(make_emulator) -> None:
    settings = {"throttle_rate": 0.3, "error_rate": 0.2, "seed": 42}
    first = _raw_sequence(make_emulator(**settings))
    second = _raw_sequence(make_emulator(**settings))
    other = _raw_sequence(make_emulator(**{**settings, "seed": 43}))
    assert first == second
    assert set(first) == {200, 429, 500}
    assert other != first
    # Reseeding a running emulator through /_admin/config restarts the same sequence.
    late = make_emulator()
    response = requests.patch(
        f"{late.url}/_admin/config",
        json=settings,
        verify=str(late.ca_path),
        headers=late.admin_headers,
        timeout=TIMEOUT,
    )
    assert response.status_code == 200 and response.json()["seed"] == 42
    assert _raw_sequence(late) == first


def test_targeted_http_rule_is_retried_by_the_sdk(emulator: Emulator) -> None:
    rule = FaultRule(
        match=r"/resourcegroups/rg-flaky$",
        method="PUT",
        status=503,
        code="ServiceUnavailable",
        times=1,
        retry_after=1,
    )
    emulator.config.update({"faults": [rule.__dict__]})
    rmc = ResourceManagementClient(
        _cred(emulator), emulator.connection.subscription_id, **_kw(emulator)
    )
    group = rmc.resource_groups.create_or_update("rg-flaky", {"location": "eastus"})
    assert group.name == "rg-flaky"
    puts = [r["status"] for r in emulator.stats()["requests"] if r["method"] == "PUT"]
    assert puts == [503, 201]
    assert emulator.config.faults[0].times == 0


def test_targeted_rule_without_retry_after_surfaces_once(emulator: Emulator) -> None:
    emulator.config.update(
        {
            "faults": [
                {
                    "match": "/resourcegroups/rg-once$",
                    "method": "PUT",
                    "status": 409,
                    "code": "Conflict",
                    "times": 1,
                }
            ]
        }
    )
    rmc = ResourceManagementClient(
        _cred(emulator), emulator.connection.subscription_id, **_kw(emulator)
    )
    with pytest.raises(ResourceExistsError) as info:
        rmc.resource_groups.create_or_update("rg-once", {"location": "eastus"})
    assert info.value.error.code == "Conflict"
    assert rmc.resource_groups.create_or_update("rg-once", {"location": "eastus"}).name == "rg-once"


def test_lro_rule_fails_the_long_running_operation(emulator: Emulator) -> None:
    emulator.config.update(
        {
            "faults": [
                {
                    "match": "/accounts/acct-doomed$",
                    "method": "PUT",
                    "kind": "lro",
                    "code": "InsufficientQuota",
                    "message": "Injected: no quota left.",
                }
            ]
        }
    )
    sub = emulator.connection.subscription_id
    ResourceManagementClient(
        _cred(emulator), sub, **_kw(emulator)
    ).resource_groups.create_or_update("rg1", {"location": "eastus2"})
    cs = CognitiveServicesManagementClient(_cred(emulator), sub, **_kw(emulator))
    account = Account(
        kind="OpenAI",
        sku=Sku(name="S0"),
        location="eastus2",
        properties=AccountProperties(custom_sub_domain_name="acct-doomed"),
    )
    poller = cs.accounts.begin_create("rg1", "acct-doomed", account)
    with pytest.raises(HttpResponseError) as info:
        poller.result()
    assert info.value.error.code == "InsufficientQuota"
    assert "no quota left" in info.value.error.message
    assert cs.accounts.get("rg1", "acct-doomed").properties.provisioning_state == "Failed"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"bogus": 1}, "unknown setting 'bogus'"),
        ({"throttle_rate": 0.5, "bogus": 1}, "unknown setting 'bogus'"),
        ({"throttle_rate": 2}, "between 0 and 1"),
        ({"error_rate": "high"}, "must be a number"),
        ({"latency_ms": -5}, "must not be negative"),
        ({"faults": {"match": "x"}}, "must be a list"),
        ({"faults": [{"match": "x", "colour": "red"}]}, "unexpected keyword argument 'colour'"),
        ({"faults": [{"match": "("}]}, "faults[0].match is not a valid regular expression"),
        ({"faults": [{"match": "x", "kind": "dns"}]}, "faults[0].kind must be 'http' or 'lro'"),
        (
            {"faults": [{"match": "x", "status": 42}]},
            "faults[0].status must be an HTTP status code",
        ),
    ],
)
def test_admin_config_rejects_bad_settings(emulator: Emulator, body: dict, fragment: str) -> None:
    before = emulator.config.to_dict()
    response = requests.patch(
        f"{emulator.url}/_admin/config",
        json=body,
        verify=str(emulator.ca_path),
        headers=emulator.admin_headers,
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "InvalidSetting" and fragment in error["message"]
    assert emulator.config.to_dict() == before


def test_admin_config_rejects_malformed_json(emulator: Emulator) -> None:
    response = requests.patch(
        f"{emulator.url}/_admin/config",
        data=b"{not json",
        verify=str(emulator.ca_path),
        headers={"Content-Type": "application/json", **emulator.admin_headers},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequestContent"


def test_admin_requests_are_never_faulted(make_emulator) -> None:
    emu = make_emulator(throttle_rate=1.0, error_rate=1.0)
    for _ in range(5):
        response = requests.get(
            f"{emu.url}/_admin/config",
            verify=str(emu.ca_path),
            headers=emu.admin_headers,
            timeout=TIMEOUT,
        )
        assert response.status_code == 200
