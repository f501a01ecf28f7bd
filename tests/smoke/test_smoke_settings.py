"""The [smoke] table: one owner of its rules (smoke.settings), key paths in every error."""

from __future__ import annotations

import subprocess
import sys

import pytest

from smoke.errors import SettingsError
from smoke.settings import SMOKE_KEYS, SmokeDefaults, parse_smoke_table


def test_an_empty_table_sets_nothing():
    assert parse_smoke_table({}) == SmokeDefaults()


def test_every_key_is_read():
    table = {
        "deployments": ["a", "b"],
        "prompts": ["repeat_blue_harbor_seven"],
        "timeout_seconds": 30,
        "auth": "key",
        "wait_for_access_seconds": 0,
        "transport": "both",
        "pace": "realtime",
        "tool_call": True,
        "max_first_audio_ms": 1500,
        "max_total_ms": 9000.5,
        "dialect": "preview",
        "transcription_model": "whisper-1",
    }
    assert set(table) == set(SMOKE_KEYS)
    got = parse_smoke_table(table)
    assert got.deployments == ("a", "b") and got.prompts == ("repeat_blue_harbor_seven",)
    assert got.timeout_seconds == 30.0 and got.wait_for_access_seconds == 0.0
    assert (got.auth, got.transport, got.pace, got.dialect) == (
        "key",
        "both",
        "realtime",
        "preview",
    )
    assert got.tool_call is True and got.max_first_audio_ms == 1500.0
    assert got.max_total_ms == 9000.5 and got.transcription_model == "whisper-1"


@pytest.mark.parametrize(
    ("table", "path", "fragment"),
    [
        ({"pase": "burst"}, "smoke.pase", "did you mean 'pace'?"),
        ({"tool_calls": True}, "smoke.tool_calls", "did you mean 'tool_call'?"),
        ({"zzz": 1}, "smoke.zzz", "known keys: deployments"),
        ({"timeout_seconds": float("nan")}, "smoke.timeout_seconds", "finite"),
        ({"timeout_seconds": float("inf")}, "smoke.timeout_seconds", "finite"),
        ({"timeout_seconds": 0}, "smoke.timeout_seconds", "greater than 0"),
        ({"timeout_seconds": 10**9}, "smoke.timeout_seconds", "at most 3600"),
        ({"timeout_seconds": True}, "smoke.timeout_seconds", "got a boolean"),
        ({"wait_for_access_seconds": -1}, "smoke.wait_for_access_seconds", "at least 0"),
        ({"max_first_audio_ms": "fast"}, "smoke.max_first_audio_ms", "got a string"),
        ({"transport": "grpc"}, "smoke.transport", "websocket, webrtc, both"),
        ({"pace": "slow"}, "smoke.pace", "burst, realtime"),
        ({"dialect": "beta"}, "smoke.dialect", "ga, preview"),
        ({"auth": "password"}, "smoke.auth", "entra, key"),
        ({"tool_call": "yes"}, "smoke.tool_call", "true or false"),
        ({"deployments": "gpt-realtime"}, "smoke.deployments", "list of names"),
        ({"deployments": ["a", ""]}, "smoke.deployments[1]", "non-empty"),
        ({"prompts": ["x", "x"]}, "smoke.prompts[1]", "listed twice"),
        ({"transcription_model": ""}, "smoke.transcription_model", "non-empty"),
    ],
)
def test_bad_values_name_their_key_path(table, path, fragment):
    with pytest.raises(SettingsError) as caught:
        parse_smoke_table(table)
    assert caught.value.key_path == path
    assert fragment in caught.value.message
    assert str(caught.value).startswith(f"{path}: ")


def test_the_table_itself_must_be_a_table():
    with pytest.raises(SettingsError, match="smoke: must be a table"):
        parse_smoke_table(["pace"])  # type: ignore[arg-type]


def test_settings_module_is_light():
    """provision's validate/plan import it: no numpy, websockets, rich or azure."""
    code = (
        "import sys, smoke.settings, smoke.environments, smoke.realtime.dialects;"
        "heavy = {'numpy', 'websockets', 'rich', 'azure', 'provision', 'emulator'};"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
