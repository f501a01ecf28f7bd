"""Typed events: parse/serialize, unknown fallback, both session shapes, and conformance of the
GA fixtures to the official SDK models (test-only reference; the package never imports openai)."""

from __future__ import annotations

import json
import typing

import pytest
from conftest import load_lines

from smoke.realtime import events as ev


def test_client_events_round_trip_through_serialize_and_parse():
    samples = [
        ev.SessionUpdate(event_id="a", session={"type": "realtime"}),
        ev.InputAudioBufferAppend(audio="AAAA"),
        ev.InputAudioBufferCommit(),
        ev.InputAudioBufferClear(event_id="c"),
        ev.ConversationItemCreate(item={"type": "message"}),
        ev.ResponseCreate(response={"output_modalities": ["audio"]}),
        ev.ResponseCancel(response_id="resp_1"),
    ]
    for event in samples:
        assert ev.parse_client_event(event.serialize()) == event
    assert ev.ResponseCreate().serialize() == {"type": "response.create"}


def test_unknown_client_event_is_rejected():
    with pytest.raises(ev.EventParseError):
        ev.parse_client_event({"type": "no.such"})


def test_unknown_server_event_falls_back():
    event = ev.parse_server_event({"type": "future.event", "x": 1})
    assert isinstance(event, ev.OtherEvent) and not event.known and event.raw["x"] == 1
    known = ev.parse_server_event({"type": "rate_limits.updated", "event_id": "e"})
    assert isinstance(known, ev.OtherEvent) and known.known


def test_missing_and_mistyped_fields_name_the_field():
    with pytest.raises(ev.EventParseError, match="'audio_start_ms' is required"):
        ev.parse_server_event({"type": "input_audio_buffer.speech_started", "item_id": "i"})
    with pytest.raises(ev.EventParseError, match="'response.status' should be str"):
        ev.parse_server_event({"type": "response.done", "response": {"id": "r", "status": 1}})
    with pytest.raises(ev.EventParseError, match="should be int, got bool"):
        ev.parse_server_event(
            {"type": "input_audio_buffer.speech_stopped", "item_id": "i", "audio_end_ms": True}
        )


def test_session_config_reads_both_shapes():
    ga = ev.SessionConfig.from_wire(
        {
            "id": "s",
            "audio": {
                "input": {
                    "format": {"type": "audio/pcma"},
                    "transcription": {"model": "whisper-1"},
                    "turn_detection": {"type": "semantic_vad"},
                },
                "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "cedar"},
            },
            "output_modalities": ["audio"],
        }
    )
    assert (ga.shape, ga.voice, ga.transcription_model, ga.turn_detection) == (
        "ga",
        "cedar",
        "whisper-1",
        "semantic_vad",
    )
    assert ga.input_format == ev.AudioFormat(encoding="g711_alaw", rate=None)
    beta = ev.SessionConfig.from_wire(
        {
            "voice": "verse",
            "input_audio_format": "pcm16",
            "output_audio_format": "g711_ulaw",
            "turn_detection": None,
            "modalities": ["audio", "text"],
        }
    )
    assert beta.shape == "beta" and beta.input_format == ev.AudioFormat(
        encoding="pcm16", rate=24000
    )
    assert beta.turn_detection is None and beta.modalities == ("audio", "text")


def test_response_info_collects_usage_and_output_transcripts():
    event = ev.parse_server_event(
        {
            "type": "response.done",
            "event_id": "e",
            "response": {
                "id": "r",
                "status": "completed",
                "output": [
                    {"type": "message", "content": [{"type": "output_audio", "transcript": "hi"}]}
                ],
                "usage": {"total_tokens": 3, "input_tokens": 1, "output_tokens": 2},
            },
        }
    )
    assert event.response.output_transcripts == ("hi",)
    assert event.response.usage == ev.Usage(total_tokens=3, input_tokens=1, output_tokens=2)


def _sdk_models() -> dict[str, typing.Any]:
    # shared/reference/realtime-protocol.md §14: map each GA type literal to its model.
    from openai.types.realtime import RealtimeServerEvent

    members = typing.get_args(typing.get_args(RealtimeServerEvent)[0])
    return {typing.get_args(m.model_fields["type"].annotation)[0]: m for m in members}


@pytest.mark.parametrize("name", ["ga_audio_ok", "ga_text_ok"])
def test_ga_fixtures_validate_against_the_official_sdk_models(name):
    models = _sdk_models()
    checked = 0
    for line in load_lines(name):
        if line["dir"] != "recv":
            continue
        frame = line["frame"]
        models[frame["type"]].model_validate_json(json.dumps(frame))
        checked += 1
    assert checked > 10


def test_ga_client_events_we_send_validate_against_the_sdk():
    from openai.types.realtime import (
        ConversationItemCreateEvent,
        ResponseCreateEvent,
        SessionUpdateEvent,
    )

    from smoke.realtime.dialects import (
        Dialect,
        SessionSettings,
        response_create_payload,
        session_update_payload,
        text_message_item,
    )

    settings = SessionSettings(transcription_model="whisper-1", instructions="be brief")
    SessionUpdateEvent.model_validate(
        ev.SessionUpdate(session=session_update_payload(Dialect.GA, settings)).serialize()
    )
    ResponseCreateEvent.model_validate(
        ev.ResponseCreate(response=response_create_payload(Dialect.GA)).serialize()
    )
    ConversationItemCreateEvent.model_validate(
        ev.ConversationItemCreate(item=text_message_item("hi")).serialize()
    )


def test_preview_client_session_validates_against_the_sdk_beta_model():
    from openai.types.beta.realtime import SessionUpdateEvent

    from smoke.realtime.dialects import Dialect, SessionSettings, session_update_payload

    payload = session_update_payload(
        Dialect.PREVIEW, SessionSettings(transcription_model="whisper-1")
    )
    parsed = SessionUpdateEvent.model_validate({"type": "session.update", "session": payload})
    assert parsed.session.input_audio_format == "pcm16"
    assert "type" not in payload and "audio" not in payload  # GA fields are rejected by Azure
