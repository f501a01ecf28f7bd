"""URL, header and payload rules per dialect."""

from __future__ import annotations

import pytest

from smoke.errors import UsageError
from smoke.realtime.dialects import (
    Dialect,
    SessionSettings,
    auth_header,
    canonical_type,
    choose_dialect,
    foreign_event_name,
    realtime_url,
    session_update_payload,
    wire_type,
)


@pytest.mark.parametrize(
    ("model", "override", "dialect"),
    [
        ("gpt-realtime", None, Dialect.GA),
        ("gpt-realtime-mini", "auto", Dialect.GA),
        ("gpt-realtime-mini-2025-12-15", None, Dialect.GA),
        ("gpt-4o-realtime-preview", None, Dialect.PREVIEW),
        ("gpt-4o-mini-realtime-preview", None, Dialect.PREVIEW),
        ("gpt-4o-realtime-preview", "ga", Dialect.GA),
        ("gpt-realtime", "preview", Dialect.PREVIEW),
        (None, None, Dialect.GA),
    ],
)
def test_choose_dialect(model, override, dialect):
    assert choose_dialect(model, override) is dialect


def test_choose_dialect_rejects_unknown_override():
    with pytest.raises(UsageError, match="unknown dialect"):
        choose_dialect("gpt-realtime", "beta2")


def test_ga_url_has_model_and_never_api_version():
    url = realtime_url("https://aoai-x.openai.azure.com/", "gpt-realtime", Dialect.GA)
    assert url == "wss://aoai-x.openai.azure.com/openai/v1/realtime?model=gpt-realtime"
    assert "api-version" not in url


def test_preview_url_has_api_version_and_deployment():
    url = realtime_url("https://aoai-x.openai.azure.com", "my dep", Dialect.PREVIEW)
    assert url == (
        "wss://aoai-x.openai.azure.com/openai/realtime"
        "?api-version=2025-04-01-preview&deployment=my%20dep"
    )


def test_emulator_endpoint_keeps_its_path_prefix():
    url = realtime_url("https://127.0.0.1:8443/dataplane/sub1/", "d", Dialect.GA)
    assert url == "wss://127.0.0.1:8443/dataplane/sub1/openai/v1/realtime?model=d"
    assert realtime_url("http://127.0.0.1:9/", "d", Dialect.GA).startswith("ws://")


@pytest.mark.parametrize("endpoint", ["ftp://x", "not a url", ""])
def test_bad_endpoints_are_usage_errors(endpoint):
    with pytest.raises(UsageError):
        realtime_url(endpoint, "d", Dialect.GA)


def test_auth_headers():
    assert auth_header("entra", "tok") == ("Authorization", "Bearer tok")
    assert auth_header("key", "k") == ("api-key", "k")
    with pytest.raises(UsageError):
        auth_header("basic", "x")


def test_event_name_mapping_both_ways():
    assert canonical_type("response.audio_transcript.delta", Dialect.PREVIEW) == (
        "response.output_audio_transcript.delta"
    )
    assert canonical_type("response.audio.delta", Dialect.GA) == "response.audio.delta"
    assert wire_type("response.output_text.done", Dialect.PREVIEW) == "response.text.done"
    assert wire_type("response.output_text.done", Dialect.GA) == "response.output_text.done"
    assert foreign_event_name("response.audio.delta", Dialect.GA)
    assert foreign_event_name("conversation.item.added", Dialect.PREVIEW)
    assert not foreign_event_name("conversation.item.created", Dialect.PREVIEW)


def test_session_update_shapes():
    s = SessionSettings(voice="verse", transcription_model=None)
    ga = session_update_payload(Dialect.GA, s)
    assert ga["type"] == "realtime" and ga["audio"]["output"]["voice"] == "verse"
    assert ga["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert ga["audio"]["input"]["transcription"] is None
    beta = session_update_payload(Dialect.PREVIEW, s)
    assert beta["voice"] == "verse" and beta["input_audio_format"] == "pcm16"
    assert beta["turn_detection"]["type"] == "server_vad"
