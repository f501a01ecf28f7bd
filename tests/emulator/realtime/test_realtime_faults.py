"""Fault injection on realtime handshakes: targeted rules and the seeded throttle rate.

Azure refuses a rate-limited upgrade with HTTP 429 before any socket exists (realtime-protocol
§3.4); the emulator does the same, and never faults Entra or the admin hooks.
"""

from __future__ import annotations

from collections.abc import Iterator

import aiohttp
import pytest
from rt_env import Account, admin
from rt_ws import connect, handshake_status

from emulator import Emulator
from emulator.sdk import credential as sdk_credential

RESET = {"faults": [], "realtime_throttle_rate": 0.0, "throttle_rate": 0.0, "error_rate": 0.0}


@pytest.fixture
def faults(rt_emulator: Emulator) -> Iterator[Emulator]:
    """The module's emulator; fault settings are cleared afterwards."""
    yield rt_emulator
    admin(rt_emulator, "PATCH", "/_admin/config", {**RESET, "seed": 0})


def _dataplane_statuses(emu: Emulator) -> list[int]:
    return [r["status"] for r in emu.stats()["requests"] if r["service"] == "dataplane"]


async def test_a_targeted_rule_refuses_the_upgrade_with_429_once(
    faults: Emulator, account: Account
) -> None:
    rule = {"match": r"/openai/v1/realtime$", "status": 429, "code": "429", "times": 1}
    admin(faults, "PATCH", "/_admin/config", {"faults": [rule]})
    faults.reset_stats()
    url = account.ga_url("gpt-realtime")
    headers = {"api-key": account.key}
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        async with connect(url, account, "ga", headers):
            pass
    assert info.value.status == 429
    assert info.value.headers is not None and info.value.headers["Retry-After"] == "1"
    async with connect(url, account, "ga", headers) as client:  # times=1: used up
        assert (await client.recv())["type"] == "session.created"
    # the open session is logged when it ends: only the refusal is certain to be there now
    assert _dataplane_statuses(faults)[0] == 429
    assert admin(faults, "GET", "/_admin/config", {})["faults"][0]["times"] == 0


async def test_a_rule_keeps_its_own_status_and_retry_after(
    faults: Emulator, account: Account
) -> None:
    rule = {
        "match": "/openai/realtime$",
        "status": 503,
        "code": "ServiceUnavailable",
        "retry_after": 7,
        "times": 1,
    }
    admin(faults, "PATCH", "/_admin/config", {"faults": [rule]})
    ga = account.ga_url("gpt-realtime")
    assert await handshake_status(ga, account, {"api-key": account.key}) == 101  # no match
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        async with connect(account.preview_url("gpt-4o-realtime-preview"), account, "beta"):
            pass
    assert info.value.status == 503
    assert info.value.headers is not None and info.value.headers["Retry-After"] == "7"


async def _throttled_sequence(emu: Emulator, account: Account, seed: int) -> list[int]:
    admin(emu, "PATCH", "/_admin/config", {"realtime_throttle_rate": 0.5, "seed": seed})
    url, headers = account.ga_url("gpt-realtime"), {"api-key": account.key}
    return [await handshake_status(url, account, headers) for _ in range(10)]


async def test_the_seeded_throttle_rate_is_repeatable(faults: Emulator, account: Account) -> None:
    first = await _throttled_sequence(faults, account, seed=3)
    assert set(first) == {101, 429}
    assert await _throttled_sequence(faults, account, seed=3) == first
    assert await _throttled_sequence(faults, account, seed=4) != first


async def test_arm_rates_leave_handshakes_alone(faults: Emulator, account: Account) -> None:
    admin(faults, "PATCH", "/_admin/config", {"throttle_rate": 1.0, "error_rate": 1.0})
    url, headers = account.ga_url("gpt-realtime"), {"api-key": account.key}
    assert [await handshake_status(url, account, headers) for _ in range(3)] == [101] * 3


async def test_entra_and_admin_are_never_faulted(faults: Emulator, account: Account) -> None:
    catch_all = {"match": ".*", "status": 503, "code": "ServiceUnavailable", "times": -1}
    admin(faults, "PATCH", "/_admin/config", {"faults": [catch_all], "realtime_throttle_rate": 1.0})
    url = account.ga_url("gpt-realtime")
    assert await handshake_status(url, account, {"api-key": account.key}) == 503  # rule first
    assert admin(faults, "GET", "/_admin/config", {})["realtime_throttle_rate"] == 1.0
    token = sdk_credential(faults.connection, "app").get_token(
        "https://cognitiveservices.azure.com/.default"
    )
    assert token.token.count(".") == 2
    admin(faults, "PATCH", "/_admin/config", {"faults": []})
    assert await handshake_status(url, account, {"api-key": account.key}) == 429
