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
    dialect_warning,
    foreign_event_name,
    realtime_url,
    session_update_payload,
    wire_type,
)


@pytest.mark.parametrize(
    ("model", "requested", "dialect"),
    [
        # GA for every model, dated and -preview ones included (Microsoft's GA articles serve them).
        ("gpt-realtime", None, Dialect.GA),
        ("gpt-realtime-mini", "auto", Dialect.GA),
        ("gpt-realtime-mini-2025-12-15", None, Dialect.GA),
        ("gpt-realtime-2025-08-28", "", Dialect.GA),
        ("gpt-4o-realtime-preview", None, Dialect.GA),
        ("gpt-4o-realtime-preview-2024-12-17", None, Dialect.GA),
        ("gpt-4o-mini-realtime-preview-2024-12-17", None, Dialect.GA),
        ("gpt-4o-realtime-preview", "ga", Dialect.GA),
        # preview only on request
        ("gpt-realtime", "preview", Dialect.PREVIEW),
        ("gpt-4o-realtime-preview-2024-12-17", "PREVIEW", Dialect.PREVIEW),
        ("gpt-realtime", Dialect.PREVIEW, Dialect.PREVIEW),
        (None, None, Dialect.GA),
    ],
)
def test_choose_dialect(model, requested, dialect):
    assert choose_dialect(model, requested) is dialect


def test_preview_carries_a_deprecation_warning_and_ga_none():
    assert "deprecated since 2026-04-30" in (dialect_warning(Dialect.PREVIEW) or "")
    assert dialect_warning(Dialect.GA) is None


def test_choose_dialect_rejects_unknown_override():
    with pytest.raises(UsageError, match="unknown dialect"):
        choose_dialect("gpt-realtime", "beta2")


@pytest.mark.parametrize(
    ("deployment", "dialect", "query"),
    [
        ("gpt-realtime", Dialect.GA, "model=gpt-realtime"),
        (
            "gpt-4o-realtime-preview-2024-12-17",
            Dialect.GA,
            "model=gpt-4o-realtime-preview-2024-12-17",
        ),
        ("my dep", Dialect.GA, "model=my%20dep"),
        ("a&b=c", Dialect.GA, "model=a%26b%3Dc"),
        ("voice/bot#1", Dialect.GA, "model=voice%2Fbot%231"),
        ("é-bot", Dialect.GA, "model=%C3%A9-bot"),
        ("a+b?", Dialect.PREVIEW, "api-version=2025-04-01-preview&deployment=a%2Bb%3F"),
    ],
)
def test_realtime_url_quotes_the_deployment(deployment, dialect, query):
    url = realtime_url("https://aoai-x.openai.azure.com/", deployment, dialect)
    assert url.split("?", 1)[1] == query


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1:99999/",
        "https://127.0.0.1:-1/",
        "ftp://x/",
        "https:///",
        "https://x/?a=1",
    ],
)
def test_realtime_url_refuses_bad_endpoints(endpoint):
    with pytest.raises(UsageError):
        realtime_url(endpoint, "d", Dialect.GA)


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
