"""The sans-I/O session: event sequences, validation errors and both dialects, with fake speech.

Every event produced here is checked against the openai SDK's models (rt_conformance).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from rt_conformance import validate_all
from rt_drive import pump, send
from rt_fakes import FakeSpeech, silence, tone

from emulator.realtime.dialects import BETA, GA
from emulator.realtime.handshake import SessionTarget
from emulator.realtime.session import RealtimeSession

NOW = 1_700_000_000.0
DIALECTS = {"ga": GA, "beta": BETA}
NAMES = {
    "ga": {
        "audio": "response.output_audio.delta",
        "transcript": "response.output_audio_transcript.delta",
        "text": "response.output_text.delta",
        "item": "conversation.item.added",
    },
    "beta": {
        "audio": "response.audio.delta",
        "transcript": "response.audio_transcript.delta",
        "text": "response.text.delta",
        "item": "conversation.item.created",
    },
}


def make(dialect: str, speech: FakeSpeech | None = None, **kw: Any) -> RealtimeSession:
    target = SessionTarget(
        DIALECTS[dialect], "/subscriptions/x/acc", "sub", "dep", "gpt-realtime-2025-08-28", "key"
    )
    return RealtimeSession(target, speech or FakeSpeech(), now=NOW, **kw)


def b64(pcm: bytes) -> str:
    return base64.b64encode(pcm).decode()


def manual(dialect: str) -> dict[str, Any]:
    if dialect == "ga":
        return {"type": "realtime", "audio": {"input": {"turn_detection": None}}}
    return {"turn_detection": None}


def errors(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [ev["error"] for ev in events if ev["type"] == "error"]


@pytest.fixture(params=["ga", "beta"])
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_session_created_defaults(dialect: str) -> None:
    events = pump(make(dialect))
    assert validate_all(events, dialect) == ["session.created"]
    session = events[0]["session"]
    assert session["expires_at"] == int(NOW) + 1800
    assert session["id"].startswith("sess_") and len(session["id"]) == 26
    assert events[0]["event_id"].startswith("event_") and len(events[0]["event_id"]) == 27
    turn = (
        session["audio"]["input"]["turn_detection"]
        if dialect == "ga"
        else session["turn_detection"]
    )
    assert turn["type"] == "server_vad" and turn["silence_duration_ms"] == 200
    if dialect == "ga":
        assert session["type"] == "realtime" and session["output_modalities"] == ["audio"]
        assert session["audio"]["output"]["format"] == {"type": "audio/pcm", "rate": 24000}
    else:
        assert session["modalities"] == ["audio", "text"] and session["temperature"] == 0.8


def test_manual_audio_turn_full_sequence(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    send(s, type="session.update", session=manual(dialect))
    send(s, type="input_audio_buffer.append", audio=b64(tone(1000)))
    send(s, type="input_audio_buffer.commit")
    send(s, type="response.create")
    events = pump(s)
    types = validate_all(events, dialect)
    n = NAMES[dialect]
    head = ["session.updated", "input_audio_buffer.committed", n["item"]]
    if dialect == "ga":
        head.append("conversation.item.done")
    # rate_limits.updated opens every response (Microsoft's event reference)
    head += ["response.created", "rate_limits.updated", "response.output_item.added", n["item"]]
    assert types[: len(head)] == head
    assert types[-1] == "response.done"
    deltas = [ev for ev in events if ev["type"] == n["audio"]]
    sizes = [len(base64.b64decode(ev["delta"])) for ev in deltas]
    assert sizes[:3] == [4800, 7200, 12000]
    # transcript leads the audio and spells the reply
    assert types.index(n["transcript"]) < types.index(n["audio"])
    transcript = "".join(ev["delta"] for ev in events if ev["type"] == n["transcript"])
    assert transcript == "Blue harbor seven."
    done = events[-1]["response"]
    assert (
        done["status"] == "completed" and done["usage"]["output_token_details"]["audio_tokens"] > 0
    )
    assert done["usage"]["input_token_details"]["audio_tokens"] == 10  # one second of input
    assert done["output"][0]["content"][0]["transcript"] == "Blue harbor seven."


def test_server_vad_turn_creates_response(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    for chunk in [silence(400)] + [tone(100)] * 8 + [silence(100)] * 4:
        send(s, type="input_audio_buffer.append", audio=b64(chunk))
    events = pump(s)
    types = validate_all(events, dialect)
    assert types[:3] == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
    ]
    started, stopped, committed = events[:3]
    assert started["audio_start_ms"] == 100  # 400 ms minus the 300 ms prefix padding
    assert stopped["audio_end_ms"] == 1400  # end of speech plus 200 ms of silence
    assert started["item_id"] == stopped["item_id"] == committed["item_id"]
    assert "response.created" in types and types[-1] == "response.done"
    assert events[-1]["response"]["status"] == "completed"


def test_transcription_events_only_when_asked(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    send(s, type="session.update", session=manual(dialect))
    send(s, type="input_audio_buffer.append", audio=b64(tone(500)))
    send(s, type="input_audio_buffer.commit")
    assert "conversation.item.input_audio_transcription.completed" not in validate_all(
        pump(s), dialect
    )
    if dialect == "ga":
        update = {"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}}
    else:
        update = {"input_audio_transcription": {"model": "whisper-1"}}
    send(s, type="session.update", session=update)
    send(s, type="input_audio_buffer.append", audio=b64(tone(500)))
    send(s, type="input_audio_buffer.commit")
    events = pump(s)
    types = validate_all(events, dialect)
    done = events[types.index("conversation.item.input_audio_transcription.completed")]
    assert done["transcript"] == "repeat after me blue harbor seven"
    assert done["item_id"] == events[types.index("input_audio_buffer.committed")]["item_id"]


def test_text_item_and_text_only_response(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    part = {"type": "input_text", "text": "Please repeat after me: good morning"}
    send(
        s,
        type="conversation.item.create",
        item={"type": "message", "role": "user", "content": [part]},
    )
    overrides = {"output_modalities": ["text"]} if dialect == "ga" else {"modalities": ["text"]}
    send(s, type="response.create", response=overrides)
    events = pump(s)
    types = validate_all(events, dialect)
    assert NAMES[dialect]["audio"] not in types
    text = "".join(ev["delta"] for ev in events if ev["type"] == NAMES[dialect]["text"])
    assert text == "Good morning."
    assert events[-1]["response"]["output"][0]["content"][0]["text"] == "Good morning."


def test_cancel_mid_stream_and_nothing_to_cancel(dialect: str) -> None:
    s = make(dialect, FakeSpeech(heard="repeat after me one two three four five six seven eight"))
    pump(s)
    send(s, type="session.update", session=manual(dialect))
    send(s, type="input_audio_buffer.append", audio=b64(tone(300)))
    send(s, type="input_audio_buffer.commit")
    send(s, type="response.create")
    events = pump(s, stream=False)
    assert s.streaming
    events += s.stream_step()
    send(s, type="response.create")  # second one while the first is active
    send(s, type="response.cancel", event_id="evt_cancel_1")
    send(s, type="response.cancel", event_id="evt_cancel_2")
    events += pump(s)
    types = validate_all(events, dialect)
    done = events[types.index("response.done")]["response"]
    assert done["status"] == "cancelled"
    assert (
        done["status_details"] == {"type": "cancelled", "reason": "client_cancelled", "error": None}
        or done["status_details"]["reason"] == "client_cancelled"
    )
    codes = [(e["code"], e["event_id"]) for e in errors(events)]
    assert codes == [
        ("conversation_already_has_active_response", None),
        ("response_cancel_not_active", "evt_cancel_2"),
    ]
    assert types.count("response.done") == 1


def test_commit_empty_buffer_is_an_error(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    send(s, type="input_audio_buffer.append", audio=b64(silence(50)))
    send(s, type="input_audio_buffer.commit", event_id="evt_1")
    (err,) = errors(validate_and_get(s, dialect))
    assert err["code"] == "input_audio_buffer_commit_empty" and err["event_id"] == "evt_1"
    assert "50.00ms" in err["message"]


def validate_and_get(s: RealtimeSession, dialect: str) -> list[dict[str, Any]]:
    events = pump(s)
    validate_all(events, dialect)
    return events


@pytest.mark.parametrize(
    ("dialect", "session", "code", "param"),
    [
        ("ga", {"instructions": "x"}, "missing_required_parameter", "session.type"),
        (
            "ga",
            {"type": "realtime", "temperature": 0.8},
            "unknown_parameter",
            "session.temperature",
        ),
        (
            "ga",
            {"type": "realtime", "audio": {"output": {"speed": 3}}},
            "decimal_above_max_value",
            "session.audio.output.speed",
        ),
        (
            "ga",
            {
                "type": "realtime",
                "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}},
            },
            "invalid_value",
            "session.audio.input.format.rate",
        ),
        (
            "ga",
            {"type": "realtime", "output_modalities": "audio"},
            "invalid_type",
            "session.output_modalities",
        ),
        (
            "ga",
            {"type": "realtime", "audio": {"output": {"voice": "nobody"}}},
            "invalid_value",
            "session.audio.output.voice",
        ),
        ("beta", {"type": "realtime"}, "unknown_parameter", "session.type"),
        (
            "beta",
            {"output_modalities": ["audio"]},
            "unknown_parameter",
            "session.output_modalities",
        ),
        ("beta", {"audio": {}}, "unknown_parameter", "session.audio"),
        ("beta", {"temperature": 0.1}, "decimal_below_min_value", "session.temperature"),
        ("beta", {"input_audio_format": "mp3"}, "invalid_value", "session.input_audio_format"),
        ("beta", {"modalities": ["audio"]}, "invalid_value", "session.modalities"),
        (
            "beta",
            {"turn_detection": {"type": "server_vad", "threshold": "high"}},
            "invalid_type",
            "session.turn_detection.threshold",
        ),
    ],
)
def test_session_update_validation(
    dialect: str, session: dict[str, Any], code: str, param: str
) -> None:
    s = make(dialect)
    pump(s)
    send(s, type="session.update", session=session, event_id="evt_upd")
    (err,) = errors(validate_and_get(s, dialect))
    assert (err["code"], err["param"], err["event_id"]) == (code, param, "evt_upd")
    assert err["type"] == "invalid_request_error"


def test_malformed_frames_keep_the_session_open(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    s.receive_text("{not json")
    s.receive_text(json.dumps({"no": "type"}))
    send(s, type="response.explode", event_id="e9")
    send(s, type="input_audio_buffer.commit", extra=1)
    send(s, type="input_audio_buffer.append", audio="***")
    s.receive_binary()
    errs = errors(validate_and_get(s, dialect))
    assert [(e["code"], e["param"]) for e in errs] == [
        ("invalid_json", None),
        ("invalid_event", None),
        ("invalid_value", "type"),
        ("unknown_parameter", "extra"),
        ("invalid_value", "audio"),
        ("invalid_event", None),
    ]
    assert errs[2]["event_id"] == "e9"
    send(s, type="input_audio_buffer.clear")
    assert [ev["type"] for ev in pump(s)] == ["input_audio_buffer.cleared"]


def test_oversized_append_is_refused(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    send(s, type="input_audio_buffer.append", audio="A" * (15 * 1024 * 1024 + 4))
    (err,) = errors(validate_and_get(s, dialect))
    assert err["code"] == "invalid_value" and err["param"] == "audio"


def test_session_expiry(dialect: str) -> None:
    s = make(dialect, session_seconds=5)
    assert pump(s)[0]["session"]["expires_at"] == int(NOW) + 5
    s.expire()
    (err,) = errors(validate_and_get(s, dialect))
    assert err["code"] == "session_expired" and s.closed
    send(s, type="input_audio_buffer.clear")
    assert pump(s) == []


def test_g711_output_chunks(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    if dialect == "ga":
        update = {
            "type": "realtime",
            "audio": {
                "input": {"turn_detection": None},
                "output": {"format": {"type": "audio/pcmu"}},
            },
        }
    else:
        update = {"turn_detection": None, "output_audio_format": "g711_ulaw"}
    send(s, type="session.update", session=update)
    send(
        s,
        type="conversation.item.create",
        item={
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "hello there"}],
        },
    )
    send(s, type="response.create")
    events = pump(s)
    validate_all(events, dialect)
    sizes = [
        len(base64.b64decode(ev["delta"])) for ev in events if ev["type"] == NAMES[dialect]["audio"]
    ]
    assert sizes[:3] == [800, 1200, 2000]


def test_speech_interrupts_active_response(dialect: str) -> None:
    s = make(dialect, FakeSpeech(heard="repeat after me one two three four five six seven eight"))
    pump(s)
    for chunk in [silence(100)] + [tone(100)] * 5 + [silence(100)] * 3:
        send(s, type="input_audio_buffer.append", audio=b64(chunk))
    events = pump(s, stream=False)
    events += s.stream_step()  # the reply starts streaming
    send(s, type="input_audio_buffer.append", audio=b64(tone(100)))  # the user talks over it
    events += pump(s, stream=False)
    types = validate_all(events, dialect)
    done = events[types.index("response.done")]["response"]
    assert done["status"] == "cancelled" and done["status_details"]["reason"] == "turn_detected"
    assert types[-1] == "input_audio_buffer.speech_started" or types.index(
        "input_audio_buffer.speech_started", 1
    ) < types.index("response.done")


def test_item_operations(dialect: str) -> None:
    s = make(dialect)
    pump(s)
    part = {"type": "input_text", "text": "hi"}
    send(
        s,
        type="conversation.item.create",
        item={"id": "item_a", "type": "message", "role": "user", "content": [part]},
    )
    send(
        s,
        type="conversation.item.create",
        previous_item_id="nope",
        item={"type": "message", "role": "user", "content": [part]},
    )
    send(s, type="conversation.item.retrieve", item_id="item_a")
    send(s, type="conversation.item.truncate", item_id="item_a", content_index=0, audio_end_ms=0)
    send(s, type="conversation.item.delete", item_id="item_a")
    send(s, type="conversation.item.delete", item_id="item_a")
    events = validate_and_get(s, dialect)
    types = [ev["type"] for ev in events]
    assert "conversation.item.retrieved" in types and "conversation.item.deleted" in types
    assert [e["code"] for e in errors(events)] == [
        "item_create_invalid_previous_item_id",
        "item_truncate_invalid_item_id",
        "item_delete_invalid_item_id",
    ]
