"""The ``/_admin`` API answers only callers holding the admin key of connection.json (issue 10)."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator

import pytest
import requests

from emulator.api import AdminError, Emulator, EmulatorConfig, admin_client, load_connection
from emulator.server import all_routes

ADMIN_ROUTES = [(r.method, r.pattern) for r in all_routes() if r.service == "admin"]


def _concrete(pattern: str) -> str:
    # path parameters become a plausible value; anything else in the pattern must be literal
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "deployer", pattern)
    assert re.fullmatch(r"[/_a-z-]+", path), pattern
    return path


def test_every_admin_route_is_listed() -> None:
    paths = {p for _, p in ADMIN_ROUTES}
    assert {"/_admin/config", "/_admin/tokens", "/_admin/principals", "/_admin/stats"} <= paths
    assert {"/_admin/deployments", "/_admin/quota"} <= paths


@pytest.fixture(scope="module")
def refusing_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One emulator for every refused call below (a refused call changes nothing, and each case
    checks that), instead of one start per route x header case."""
    state = tmp_path_factory.mktemp("admin-auth") / "emu"
    with Emulator(state_dir=state, config=EmulatorConfig(timing="instant")) as emu:
        yield emu


@pytest.mark.parametrize(("method", "pattern"), ADMIN_ROUTES)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer ", "Bearer not-the-key", "Basic abc", "bearer"]
)
def test_unauthenticated_admin_calls_are_refused(
    refusing_emulator: Emulator, method: str, pattern: str, authorization: str | None
) -> None:
    emulator = refusing_emulator
    headers = {} if authorization is None else {"Authorization": authorization}
    before = emulator.config.to_dict()
    response = requests.request(
        method,
        emulator.url + _concrete(pattern),
        json={"principal": "deployer", "name": "intruder", "throttle_rate": 1.0},
        headers=headers,
        verify=str(emulator.ca_path),
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AdminAuthenticationRequired"
    assert "access_token" not in response.text and "client_secret" not in response.text
    assert emulator.config.to_dict() == before


def test_an_arm_token_is_not_an_admin_credential(emulator: Emulator) -> None:
    token = emulator.mint_token("deployer", "https://management.azure.com")
    response = requests.post(
        emulator.url + "/_admin/tokens",
        json={"principal": "deployer", "audience": "https://management.azure.com"},
        headers={"Authorization": f"Bearer {token}"},
        verify=str(emulator.ca_path),
        timeout=10,
    )
    assert response.status_code == 401


def test_connection_file_holds_the_key_owner_only(emulator: Emulator) -> None:
    mode = stat.S_IMODE(emulator.connection_file.stat().st_mode)
    assert mode == 0o600
    raw = json.loads(emulator.connection_file.read_text())
    assert len(raw["admin_key"]) >= 32
    assert raw["admin_key"] not in repr(load_connection(emulator.connection_file))


def test_admin_client_from_connection_file(emulator: Emulator) -> None:
    client = admin_client(load_connection(emulator.connection_file))
    assert client.set_config(throttle_rate=0.0, seed=3)["seed"] == 3
    assert client.get_config()["seed"] == 3
    added = client.add_principal("ci")
    assert added["name"] == "ci" and added["client_secret"]
    assert client.mint_token("ci", "https://management.azure.com").count(".") == 2
    client.reset_stats()
    assert client.stats()["total"] == 1  # the reset call itself
    assert emulator.connection.admin_key not in repr(client)


def test_admin_client_reports_rejections(emulator: Emulator) -> None:
    client = admin_client(emulator.connection)
    with pytest.raises(AdminError) as caught:
        client.set_config(throttle_rate=7)
    assert caught.value.status == 400 and caught.value.code == "InvalidSetting"


def test_the_key_changes_on_every_start(tmp_path) -> None:
    keys = []
    for _ in range(2):
        with Emulator(tmp_path / "emu") as emu:
            keys.append(emu.connection.admin_key)
    assert keys[0] != keys[1]
