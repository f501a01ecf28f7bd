"""Tests of the example app against the emulator, with the realtime-toolkit pytest plugin."""

from __future__ import annotations

import pytest
import voice_app
from websockets.exceptions import InvalidStatus


async def test_the_app_gets_an_answer_with_entra(realtime_environment) -> None:
    deployment = realtime_environment.deployments["gpt-realtime"]
    headers = {"Authorization": f"Bearer {realtime_environment.token()}"}
    answer = await voice_app.ask(
        deployment.realtime_url, headers, "Say hello", realtime_environment.ca_bundle
    )
    assert answer.strip()


async def test_the_app_gets_an_answer_with_a_key(realtime_environment) -> None:
    deployment = realtime_environment.deployments["gpt-realtime"]
    headers = {"api-key": realtime_environment.api_key()}
    answer = await voice_app.ask(
        deployment.realtime_url, headers, "Say hello", realtime_environment.ca_bundle
    )
    assert answer.strip()


async def test_an_identity_without_the_role_is_refused(realtime_environment) -> None:
    deployment = realtime_environment.deployments["gpt-realtime"]
    # "deployer" manages the account but holds no data-plane role: Azure answers 401.
    headers = {"Authorization": f"Bearer {realtime_environment.token('deployer')}"}
    with pytest.raises(InvalidStatus) as refused:
        await voice_app.ask(deployment.realtime_url, headers, "hi", realtime_environment.ca_bundle)
    assert refused.value.response.status_code in (401, 403)


def test_every_deployment_of_the_file_is_provisioned(realtime_environment) -> None:
    assert sorted(realtime_environment.deployments) == ["gpt-4o-realtime-preview", "gpt-realtime"]
    assert realtime_environment.endpoint.startswith("https://127.0.0.1:")


async def test_the_session_helper_on_the_preview_model(realtime_session) -> None:
    async with realtime_session("gpt-4o-realtime-preview") as rt:
        created = await rt.wait_for("session.created")
        assert created["session"]["id"]
        await rt.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "Say hello"}],
                },
            }
        )
        await rt.send({"type": "response.create"})
        done = await rt.wait_for("response.done", timeout=30)
        assert done["response"]["status"] == "completed"
