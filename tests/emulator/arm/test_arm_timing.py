"""Timing profiles (issue 9): ``realistic`` holds writes ~2 s with the account locked and delays
role propagation ~5 s; ``instant`` does everything at once. Stepped with the emulator clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Raw

from emulator.api import TIMING_PROFILES, Emulator, EmulatorConfig

API = "2025-06-01"
NS = "Microsoft.CognitiveServices"


def test_profiles_fill_the_timings_they_govern() -> None:
    realistic = EmulatorConfig(timing="realistic")
    assert (realistic.lro_seconds, realistic.role_propagation_seconds) == (2.0, 5.0)
    instant = EmulatorConfig(timing="instant")
    assert (instant.lro_seconds, instant.role_propagation_seconds) == (0.0, 0.0)
    assert EmulatorConfig().timing == "instant"  # library default; serve defaults to realistic
    explicit = EmulatorConfig(timing="realistic", lro_seconds=0.5)
    assert (explicit.lro_seconds, explicit.role_propagation_seconds) == (0.5, 5.0)
    assert set(TIMING_PROFILES) == {"realistic", "instant"}


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="timing must be one of"):
        EmulatorConfig(timing="sluggish")
    config = EmulatorConfig()
    with pytest.raises(ValueError, match="'timing' must be one of"):
        config.update({"timing": "sluggish"})
    assert config.timing == "instant"


def test_switching_profile_resets_its_timings_unless_given() -> None:
    config = EmulatorConfig(timing="instant")
    config.update({"timing": "realistic"})
    assert (config.lro_seconds, config.role_propagation_seconds) == (2.0, 5.0)
    config.update({"timing": "instant", "lro_seconds": 1.5})
    assert (config.lro_seconds, config.role_propagation_seconds) == (1.5, 0.0)


def test_realistic_writes_lock_the_account(tmp_path: Path) -> None:
    with Emulator(tmp_path / "emu", config=EmulatorConfig(timing="realistic")) as emu:
        http = Raw(emu)
        sub = emu.connection.subscription_id
        assert (
            http(
                "PUT",
                f"/subscriptions/{sub}/resourcegroups/rg1",
                {"location": "eastus2"},
                api_version="2021-04-01",
            ).status
            == 201
        )
        account = f"/subscriptions/{sub}/resourceGroups/rg1/providers/{NS}/accounts/a1"
        body = {
            "kind": "OpenAI",
            "sku": {"name": "S0"},
            "location": "eastus2",
            "properties": {"customSubDomainName": "a1"},
        }
        assert http("PUT", account, body, api_version=API).status == 201
        assert (
            http("GET", account, api_version=API).body["properties"]["provisioningState"]
            == "Creating"
        )
        emu.advance_clock(2.5)
        assert (
            http("GET", account, api_version=API).body["properties"]["provisioningState"]
            == "Succeeded"
        )
        deployment = {
            "sku": {"name": "GlobalStandard", "capacity": 1},
            "properties": {
                "model": {"format": "OpenAI", "name": "gpt-realtime", "version": "2025-08-28"}
            },
        }
        first = http("PUT", f"{account}/deployments/d1", deployment, api_version=API)
        second = http("PUT", f"{account}/deployments/d2", deployment, api_version=API)
        assert first.status == 201
        assert second.status == 409 and second.body["error"]["code"] == "RequestConflict"
        assert "retry-after" not in second.headers  # azure-core must not retry it silently
        emu.advance_clock(2.5)
        assert http("PUT", f"{account}/deployments/d2", deployment, api_version=API).status == 201


def test_instant_writes_do_not_lock(tmp_path: Path) -> None:
    with Emulator(tmp_path / "emu", config=EmulatorConfig(timing="instant")) as emu:
        http = Raw(emu)
        sub = emu.connection.subscription_id
        http(
            "PUT",
            f"/subscriptions/{sub}/resourcegroups/rg1",
            {"location": "eastus2"},
            api_version="2021-04-01",
        )
        account = f"/subscriptions/{sub}/resourceGroups/rg1/providers/{NS}/accounts/a1"
        body = {
            "kind": "OpenAI",
            "sku": {"name": "S0"},
            "location": "eastus2",
            "properties": {"customSubDomainName": "a1"},
        }
        assert http("PUT", account, body, api_version=API).status == 201
        deployment = {
            "sku": {"name": "GlobalStandard", "capacity": 1},
            "properties": {
                "model": {"format": "OpenAI", "name": "gpt-realtime", "version": "2025-08-28"}
            },
        }
        statuses = [
            http("PUT", f"{account}/deployments/d{i}", deployment, api_version=API).status
            for i in range(3)
        ]
        assert statuses == [201, 201, 201]
