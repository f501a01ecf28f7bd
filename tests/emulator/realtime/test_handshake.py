"""Every auth path and handshake failure of the realtime endpoints, through a real emulator.

Resources are provisioned with the ARM SDK; refusals are HTTP statuses on the upgrade.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from rt_env import READER_ROLE, RG, TOKEN_AUDIENCE, Account, Arm, admin
from rt_ws import connect, handshake_status, refusal

from emulator import Emulator

DATA_ACTION = "Microsoft.CognitiveServices/accounts/OpenAI/deployments/realtime/action"


@pytest.fixture
def propagation(rt_emulator: Emulator) -> Iterator[None]:
    """Restore the role propagation delay after a test changes it."""
    yield
    admin(rt_emulator, "PATCH", "/_admin/config", {"role_propagation_seconds": 0})


async def test_api_key_header_opens_a_ga_session(account: Account) -> None:
    async with connect(
        account.ga_url("gpt-realtime"), account, "ga", {"api-key": account.key}
    ) as c:
        created = await c.recv()
    assert created["type"] == "session.created"
    assert created["session"]["model"] == "gpt-realtime-2025-08-28"


async def test_api_key_query_and_bearer_key(account: Account) -> None:
    assert (
        await handshake_status(account.ga_url("gpt-realtime", **{"api-key": account.key}), account)
        == 101
    )
    bearer = {"Authorization": f"Bearer {account.key}"}
    assert await handshake_status(account.ga_url("gpt-realtime"), account, bearer) == 101
    # the resource key as a Bearer token is a GA-endpoint convenience only
    assert await handshake_status(account.preview_url("gpt-realtime"), account, bearer) == 401


async def test_bad_or_missing_key_is_401(account: Account) -> None:
    status, body, _ = await refusal(account.ga_url("gpt-realtime"), account, {"api-key": "0" * 32})
    assert status == 401 and "invalid subscription key" in body["error"]["message"]
    status, body, _ = await refusal(account.ga_url("gpt-realtime"), account)
    assert status == 401 and "missing subscription key" in body["error"]["message"]


async def test_disable_local_auth_rejects_keys_but_takes_tokens(
    arm: Arm, rt_emulator: Emulator
) -> None:
    acc = arm.account("rtnokeys", disable_local_auth=True)
    arm.deployment(acc.subdomain, "gpt-realtime")
    status, body, _ = await refusal(acc.ga_url("gpt-realtime"), acc, {"api-key": acc.key})
    assert (status, body["error"]["code"]) == (403, "AuthenticationTypeDisabled")
    app = rt_emulator.connection.principals["app"]
    arm.assign(app.object_id, acc.id)
    token = rt_emulator.mint_token("app", TOKEN_AUDIENCE)
    headers = {"Authorization": f"Bearer {token}"}
    assert await handshake_status(acc.ga_url("gpt-realtime"), acc, headers) == 101


async def test_token_without_role_is_permission_denied(
    account: Account, rt_emulator: Emulator
) -> None:
    principal = rt_emulator.add_principal("norole")
    token = rt_emulator.mint_token("norole", TOKEN_AUDIENCE)
    status, body, _ = await refusal(
        account.ga_url("gpt-realtime"), account, {"Authorization": f"Bearer {token}"}
    )
    assert status == 401 and body["error"]["code"] == "PermissionDenied"
    assert principal.object_id in body["error"]["message"]
    assert DATA_ACTION in body["error"]["message"]


async def test_role_at_account_or_resource_group_grants_access(
    account: Account, arm: Arm, rt_emulator: Emulator
) -> None:
    at_account = rt_emulator.add_principal("rt-account-user")
    at_group = rt_emulator.add_principal("rt-group-user")
    arm.assign(at_account.object_id, account.id)
    group = account.id.split("/providers/")[0]
    assert group.endswith(f"/resourceGroups/{RG}")
    arm.assign(at_group.object_id, group)
    for name in ("rt-account-user", "rt-group-user"):
        token = rt_emulator.mint_token(name, "https://cognitiveservices.azure.com/")
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            await handshake_status(account.preview_url("gpt-4o-realtime-preview"), account, headers)
            == 101
        )


async def test_role_without_data_actions_is_denied(
    account: Account, arm: Arm, rt_emulator: Emulator
) -> None:
    reader = rt_emulator.add_principal("rt-reader")
    arm.assign(reader.object_id, account.id, READER_ROLE)
    token = rt_emulator.mint_token("rt-reader", TOKEN_AUDIENCE)
    status, body, _ = await refusal(
        account.ga_url("gpt-realtime"), account, {"Authorization": f"Bearer {token}"}
    )
    assert (status, body["error"]["code"]) == (401, "PermissionDenied")


async def test_expired_token_and_wrong_audience_are_401(
    account: Account, arm: Arm, rt_emulator: Emulator
) -> None:
    user = rt_emulator.add_principal("rt-token-user")
    arm.assign(user.object_id, account.id)
    good = rt_emulator.mint_token("rt-token-user", TOKEN_AUDIENCE)
    assert (
        await handshake_status(
            account.ga_url("gpt-realtime"), account, {"Authorization": f"Bearer {good}"}
        )
        == 101
    )
    expired = rt_emulator.mint_token("rt-token-user", TOKEN_AUDIENCE, lifetime=-60)
    status, _, headers = await refusal(
        account.ga_url("gpt-realtime"), account, {"Authorization": f"Bearer {expired}"}
    )
    assert status == 401 and "expired" in headers["WWW-Authenticate"]
    arm_token = rt_emulator.mint_token("rt-token-user", "https://management.azure.com")
    status, body, headers = await refusal(
        account.ga_url("gpt-realtime"), account, {"Authorization": f"Bearer {arm_token}"}
    )
    assert status == 401 and "audience" in headers["WWW-Authenticate"]
    assert "audience is incorrect" in body["error"]["message"]
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    assert (
        await handshake_status(
            account.ga_url("gpt-realtime"), account, {"Authorization": f"Bearer {forged}"}
        )
        == 401
    )


async def test_role_propagation_delay(
    account: Account, arm: Arm, rt_emulator: Emulator, propagation: None
) -> None:
    admin(rt_emulator, "PATCH", "/_admin/config", {"role_propagation_seconds": 600})
    user = rt_emulator.add_principal("rt-late-user")
    arm.assign(user.object_id, account.id)
    headers = {"Authorization": f"Bearer {rt_emulator.mint_token('rt-late-user', TOKEN_AUDIENCE)}"}
    status, body, _ = await refusal(account.ga_url("gpt-realtime"), account, headers)
    assert (status, body["error"]["code"]) == (401, "PermissionDenied")  # assigned, not effective
    admin(rt_emulator, "PATCH", "/_admin/config", {"role_propagation_seconds": 0})
    assert await handshake_status(account.ga_url("gpt-realtime"), account, headers) == 101


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/openai/v1/realtime?model=gpt-realtime&api-version=2025-04-01-preview", 401, "401"),
        ("/openai/v1/realtime?model=nope", 404, "DeploymentNotFound"),
        ("/openai/v1/realtime", 400, "BadRequest"),
        (
            "/openai/realtime?api-version=2025-04-01-preview&deployment=nope",
            404,
            "DeploymentNotFound",
        ),
        ("/openai/realtime?api-version=alpha&deployment=gpt-realtime", 404, "404"),
        ("/openai/realtime?deployment=gpt-realtime", 404, "404"),
    ],
)
async def test_url_failures(account: Account, path: str, status: int, code: str) -> None:
    url = account.ws_base() + path
    got, body, _ = await refusal(url, account, {"api-key": account.key})
    assert (got, body["error"]["code"]) == (status, code)
    assert await handshake_status(url, account, {"api-key": account.key}) == status


async def test_unknown_account_is_404(account: Account) -> None:
    url = account.ga_url("gpt-realtime").replace("/rtmain/", "/nosuchaccount/")
    assert await handshake_status(url, account, {"api-key": account.key}) == 404


async def test_deployment_states_and_models(
    account: Account, arm: Arm, rt_emulator: Emulator
) -> None:
    key = {"api-key": account.key}
    arm.deployment(account.subdomain, "chat", "gpt-4o", "2024-11-20")
    status, body, _ = await refusal(account.ga_url("chat"), account, key)
    assert (status, body["error"]["code"]) == (400, "OperationNotSupported")
    assert "gpt-4o" in body["error"]["message"]
    arm.deployment(account.subdomain, "rt-disabled")
    admin(
        rt_emulator,
        "PATCH",
        "/_admin/deployments",
        {"id": f"{account.id}/deployments/rt-disabled", "provisioningState": "Disabled"},
    )
    status, body, _ = await refusal(account.ga_url("rt-disabled"), account, key)
    assert (status, body["error"]["code"]) == (403, "DeploymentDisabled")
    admin(rt_emulator, "PATCH", "/_admin/config", {"lro_seconds": 3600})
    try:
        body_ = {
            "sku": {"name": "GlobalStandard", "capacity": 1},
            "properties": {
                "model": {"format": "OpenAI", "name": "gpt-realtime", "version": "2025-08-28"}
            },
        }
        poller = arm.cs.deployments.begin_create_or_update(RG, account.subdomain, "rt-new", body_)
        status, body, _ = await refusal(account.ga_url("rt-new"), account, key)
        assert (status, body["error"]["code"]) == (404, "DeploymentNotFound")
        assert "within the last 5 minutes" in body["error"]["message"]
        assert poller.status() in ("InProgress", "Creating", "Accepted")
    finally:
        admin(rt_emulator, "PATCH", "/_admin/config", {"lro_seconds": 0})


async def test_plain_get_without_upgrade_is_400(account: Account) -> None:
    import aiohttp
    from rt_env import ssl_context

    async with (
        aiohttp.ClientSession() as s,
        s.get(
            account.ga_url("gpt-realtime").replace("wss://", "https://"),
            headers={"api-key": account.key},
            ssl=ssl_context(account.emu),
        ) as resp,
    ):
        assert resp.status == 400


def test_handshake_runs_concurrently_with_nothing_blocking(account: Account) -> None:
    # two sessions at once on one loop: both get session.created
    async def one() -> str:
        async with connect(
            account.ga_url("gpt-realtime"), account, "ga", {"api-key": account.key}
        ) as c:
            return str((await c.recv())["type"])

    async def both() -> list[str]:
        return list(await asyncio.gather(one(), one()))

    assert asyncio.run(both()) == ["session.created", "session.created"]
