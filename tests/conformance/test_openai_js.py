"""The official JS SDK (`openai` from npm, its realtime WebSocket client) against `serve`.

GA dialect through ``OpenAI`` + ``OpenAIRealtimeWS.create`` on ``{endpoint}openai/v1``, preview
through ``AzureOpenAI`` + ``OpenAIRealtimeWS.azure``; key and Entra auth (a token from the
emulator's Entra via azure-identity, handed to the SDK's token-provider hooks); a text turn, an
audio turn (server VAD) and a tool call. Default ``serve`` timing (realistic), so the Entra runs
first wait until the new role assignment is effective on the data plane.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from emulator.api import sdk_client_options, sdk_credential
from tests.conformance.served import Served

# One worker runs the whole module: its fixtures (served emulator, sign-in, resources) once.
pytestmark = [pytest.mark.timeout(900), pytest.mark.xdist_group("openai-js")]

SCRIPT = Path(__file__).parent / "js" / "realtime_turn.mjs"
FIXTURES = Path(__file__).resolve().parents[2] / "smoke" / "fixtures"
PREVIEW_API_VERSION = "2025-04-01-preview"
COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"
DEPLOYMENTS = {
    "ga": ("gpt-realtime", "2025-08-28"),
    "preview": ("gpt-4o-realtime-preview", "2024-12-17"),
}
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "The city"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["location", "unit"],
    "additionalProperties": False,
}
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a location",
    "parameters": WEATHER_SCHEMA,
}
TOOL_OUTPUT = {"temperature": 21, "conditions": "sunny"}
RG, ACCOUNT = "rg-js", "aoai-js"


@dataclass(frozen=True)
class Resource:
    endpoint: str
    ca_bundle: Path
    served: Served = field(repr=False)
    # repr=False: pytest prints argument values in tracebacks; secrets stay out of CI logs.
    key: str = field(repr=False)
    token: str = field(repr=False)


def _wait_until_entra_accepted(resource: Resource, deployment: str, timeout_s: float = 60) -> None:
    """New role assignments take effect after a delay (realistic timing): wait for it."""
    url = resource.endpoint.replace("https://", "wss://") + f"openai/v1/realtime?model={deployment}"
    context = ssl.create_default_context(cafile=str(resource.ca_bundle))
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with connect(
                url,
                ssl=context,
                additional_headers={"Authorization": f"Bearer {resource.token}"},
                open_timeout=10,
            ):
                return
        except InvalidStatus as refused:
            if refused.response.status_code not in (401, 403) or time.monotonic() > deadline:
                raise
            time.sleep(0.25)  # back-off between probes of a condition with a deadline


@pytest.fixture(scope="module")
def resource(served: Served) -> Iterator[Resource]:
    """An OpenAI account with a GA and a preview deployment, keys on, the app principal allowed."""
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    conn = served.connection
    credential = sdk_credential(conn)
    options = sdk_client_options(conn)
    ResourceManagementClient(
        credential, conn.subscription_id, **options
    ).resource_groups.create_or_update(RG, {"location": "swedencentral"})
    cs = CognitiveServicesManagementClient(credential, conn.subscription_id, **options)
    account = cs.accounts.begin_create(
        RG,
        ACCOUNT,
        {
            "kind": "OpenAI",
            "sku": {"name": "S0"},
            "location": "swedencentral",
            "properties": {"customSubDomainName": ACCOUNT, "disableLocalAuth": False},
        },
    ).result()
    for name, version in DEPLOYMENTS.values():
        cs.deployments.begin_create_or_update(
            RG,
            ACCOUNT,
            name,
            {
                "sku": {"name": "GlobalStandard", "capacity": 1},
                "properties": {"model": {"format": "OpenAI", "name": name, "version": version}},
            },
        ).result()
    authorization = AuthorizationManagementClient(
        credential, conn.subscription_id, **sdk_client_options(conn, None)
    )
    role = next(
        iter(
            authorization.role_definitions.list(
                account.id, filter="roleName eq 'Cognitive Services OpenAI User'"
            )
        )
    )
    app = conn.principals["app"]
    authorization.role_assignments.create(
        account.id,
        "5f1c6f3e-2a8b-4d6c-9d41-6f3a1f0c2b7e",
        {
            "role_definition_id": role.id,
            "principal_id": app.object_id,
            "principal_type": "ServicePrincipal",
        },
    )
    token = sdk_credential(conn, "app").get_token(COGNITIVE_SCOPE).token
    found = Resource(
        endpoint=account.properties.endpoint,
        key=cs.accounts.list_keys(RG, ACCOUNT).key1,
        ca_bundle=conn.ca_bundle,
        served=served,
        token=token,
    )
    try:
        _wait_until_entra_accepted(found, DEPLOYMENTS["ga"][0])
    except InvalidStatus as refused:
        raise AssertionError(f"{refused}\nemulator log:\n{served.log_tail()}") from None
    yield found


def _session(dialect: str, turn: str) -> dict[str, Any]:
    if dialect == "ga":
        session: dict[str, Any] = {
            "type": "realtime",
            "output_modalities": ["text"] if turn == "text" else ["audio"],
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "turn_detection": {"type": "server_vad"},
                    "transcription": {"model": "whisper-1"},
                },
                "output": {"voice": "alloy"},
            },
        }
        if turn == "tool":
            session |= {"tools": [WEATHER_TOOL], "tool_choice": "required"}
        return session
    session = {
        "modalities": ["text"] if turn == "text" else ["text", "audio"],
        "input_audio_format": "pcm16",
        "turn_detection": {"type": "server_vad"},
        "input_audio_transcription": {"model": "whisper-1"},
        "voice": "alloy",
    }
    if turn == "tool":
        session |= {"tools": [WEATHER_TOOL], "tool_choice": "required"}
    return session


def _prompt_pcm(name: str) -> bytes:
    import wave

    with wave.open(str(FIXTURES / name)) as clip:
        assert clip.getframerate() == 24000 and clip.getnchannels() == 1
        return clip.readframes(clip.getnframes()) + b"\0" * 24000  # 0.5 s of trailing silence


def run_js(
    node_modules: Path, resource: Resource, dialect: str, auth: str, turn: str
) -> list[dict[str, Any]]:
    deployment = DEPLOYMENTS[dialect][0]
    scenario: dict[str, Any] = {
        "dialect": dialect,
        "endpoint": resource.endpoint,
        "deployment": deployment,
        "apiVersion": PREVIEW_API_VERSION,
        "auth": auth,
        "credential": resource.key if auth == "key" else resource.token,
        "turn": turn,
        "text": "What is the weather in Seattle?" if turn == "tool" else "Say hello world",
        "session": _session(dialect, turn),
        "toolOutput": TOOL_OUTPUT,
        "chunkBytes": 4800,
        "timeoutMs": 60000,
    }
    if turn == "audio":
        scenario["audioBase64"] = base64.b64encode(_prompt_pcm("repeat_hello_world.wav")).decode()
    env = {
        **os.environ,
        "NODE_PATH": str(node_modules),
        "NODE_EXTRA_CA_CERTS": str(resource.ca_bundle),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    # ESM ignores NODE_PATH: run the script from a copy beside node_modules.
    script = node_modules.parent / SCRIPT.name
    script.write_text(SCRIPT.read_text())
    proc = subprocess.run(
        ["node", str(script)],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    for secret in (resource.key, resource.token):
        assert secret not in proc.stdout and secret not in proc.stderr
    assert proc.returncode == 0, (
        f"node exit {proc.returncode}: {events[-3:]} {proc.stderr[-2000:]}\n"
        f"emulator log:\n{resource.served.log_tail()}"
    )
    return events


def _of(events: list[dict[str, Any]], *types: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] in types]


def _assert_clean_session(events: list[dict[str, Any]]) -> None:
    assert events[0]["type"] == "session.created"
    assert not _of(events, "error", "client.error"), _of(events, "error", "client.error")
    assert _of(events, "session.updated")
    for done in _of(events, "response.done"):
        assert done["response"]["status"] == "completed", done


TEXT_DONE = {"ga": "response.output_text.done", "preview": "response.text.done"}
TRANSCRIPT_DONE = {
    "ga": "response.output_audio_transcript.done",
    "preview": "response.audio_transcript.done",
}
AUDIO_DELTA = {"ga": "response.output_audio.delta", "preview": "response.audio.delta"}


@pytest.mark.parametrize("auth", ["key", "entra"])
@pytest.mark.parametrize("dialect", ["ga", "preview"])
def test_text_turn(node_modules: Path, resource: Resource, dialect: str, auth: str) -> None:
    events = run_js(node_modules, resource, dialect, auth, "text")
    _assert_clean_session(events)
    [text] = _of(events, TEXT_DONE[dialect])
    assert text["text"].strip()
    assert not _of(events, AUDIO_DELTA[dialect])  # text-only output modality


@pytest.mark.parametrize("auth", ["key", "entra"])
@pytest.mark.parametrize("dialect", ["ga", "preview"])
def test_audio_turn(node_modules: Path, resource: Resource, dialect: str, auth: str) -> None:
    events = run_js(node_modules, resource, dialect, auth, "audio")
    _assert_clean_session(events)
    assert _of(events, "input_audio_buffer.speech_started")
    assert _of(events, "input_audio_buffer.speech_stopped")
    heard = _of(events, "conversation.item.input_audio_transcription.completed")
    assert heard and "hello" in heard[0]["transcript"].lower()
    assert sum(e["delta_bytes"] for e in _of(events, AUDIO_DELTA[dialect])) > 24000  # > 0.5 s
    [spoken] = _of(events, TRANSCRIPT_DONE[dialect])
    assert "hello" in spoken["transcript"].lower()


@pytest.mark.parametrize("auth", ["key", "entra"])
@pytest.mark.parametrize("dialect", ["ga", "preview"])
def test_tool_call(node_modules: Path, resource: Resource, dialect: str, auth: str) -> None:
    events = run_js(node_modules, resource, dialect, auth, "tool")
    _assert_clean_session(events)
    first, second = _of(events, "response.done")
    [call] = [item for item in first["response"]["output"] if item["type"] == "function_call"]
    assert call["name"] == "get_weather"
    arguments = json.loads(call["arguments"])
    jsonschema.validate(arguments, WEATHER_SCHEMA)
    assert arguments["location"] == "Seattle"
    [streamed] = _of(events, "response.function_call_arguments.done")
    assert json.loads(streamed["arguments"]) == arguments and streamed["call_id"] == call["call_id"]
    answer = " ".join(e["transcript"] for e in _of(events, TRANSCRIPT_DONE[dialect])).lower()
    assert "sunny" in answer or "21" in answer, answer
