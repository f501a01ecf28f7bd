"""The sans-I/O session state machine: frames in, events and frames out, no sockets."""

from __future__ import annotations

import json

import pytest

from smoke.realtime.dialects import Dialect
from smoke.realtime.events import (
    InputAudioBufferAppend,
    OtherEvent,
    OutputAudioDelta,
    ResponseCreate,
    SessionCreated,
)
from smoke.realtime.protocol import Mark, ProtocolError, RealtimeProtocol, State

CREATED = json.dumps({"type": "session.created", "event_id": "e1", "session": {"id": "sess_1"}})
RESPONSE_CREATED = {
    "type": "response.created",
    "event_id": "e3",
    "response": {"id": "r", "status": "in_progress"},
}
RESPONSE_DONE = {
    "type": "response.done",
    "event_id": "e9",
    "response": {"id": "r", "status": "completed"},
}
AUDIO_DELTA = {
    "type": "response.output_audio.delta",
    "event_id": "e4",
    "response_id": "r",
    "item_id": "i",
    "output_index": 0,
    "content_index": 0,
    "delta": "AAAA",
}


def feed(protocol: RealtimeProtocol, *frames: dict | str) -> list:
    for frame in frames:
        protocol.receive_text(frame if isinstance(frame, str) else json.dumps(frame))
    return protocol.events_received()


def test_state_follows_the_session_lifecycle():
    p = RealtimeProtocol(Dialect.GA)
    assert p.state is State.CONNECTING
    feed(p, CREATED)
    assert p.state is State.READY
    feed(p, {"type": "session.updated", "event_id": "e2", "session": {}})
    assert p.state is State.CONFIGURED
    feed(
        p,
        {
            "type": "response.created",
            "event_id": "e3",
            "response": {"id": "r", "status": "in_progress"},
        },
    )
    assert p.state is State.RESPONDING
    feed(
        p,
        {"type": "response.done", "event_id": "e4", "response": {"id": "r", "status": "completed"}},
    )
    assert p.state is State.DONE
    p.close(at=1.0)
    assert p.state is State.CLOSED


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        ("{oops", "malformed_json"),
        ("[1,2,3]", "not_an_object"),
        ('"text"', "not_an_object"),
        ('{"event_id": "x"}', "missing_type"),
        ('{"type": 7}', "missing_type"),
        ('{"type": "response.output_audio.delta", "response_id": "r"}', "invalid_event"),
        ('{"type": "error", "error": "boom"}', "invalid_event"),
    ],
)
def test_malformed_frames_become_protocol_errors_not_exceptions(frame, kind):
    p = RealtimeProtocol(Dialect.GA)
    feed(p, CREATED)
    events = feed(p, frame)
    assert len(events) == 1 and isinstance(events[0], ProtocolError)
    assert events[0].kind == kind
    assert p.state is State.READY  # a bad frame is recorded, the session goes on


def test_binary_frames_are_protocol_errors():
    p = RealtimeProtocol(Dialect.GA)
    p.receive_bytes(b"\x00\x01")
    (event,) = p.events_received()
    assert isinstance(event, ProtocolError) and event.kind == "binary_frame"


def test_first_event_must_be_session_created():
    p = RealtimeProtocol(Dialect.GA)
    events = feed(p, {"type": "rate_limits.updated", "event_id": "e", "rate_limits": []})
    assert isinstance(events[0], ProtocolError) and events[0].kind == "unexpected_first_event"
    assert isinstance(events[1], OtherEvent) and events[1].known
    assert p.state is State.READY


def test_beta_names_are_mapped_to_ga_and_the_wire_name_is_kept():
    p = RealtimeProtocol(Dialect.PREVIEW)
    feed(p, CREATED, RESPONSE_CREATED)
    (event,) = feed(
        p,
        {
            "type": "response.audio.delta",
            "event_id": "e",
            "response_id": "r",
            "item_id": "i",
            "output_index": 0,
            "content_index": 0,
            "delta": "AAAA",
        },
    )
    assert isinstance(event, OutputAudioDelta)
    assert event.type == "response.output_audio.delta"
    assert event.wire_type == "response.audio.delta"
    assert event.raw["type"] == "response.audio.delta"


def test_ga_connection_does_not_map_beta_names():
    p = RealtimeProtocol(Dialect.GA)
    feed(p, CREATED)
    (event,) = feed(p, {"type": "response.audio.delta", "event_id": "e"})
    assert isinstance(event, OtherEvent) and not event.known


def test_send_queues_frames_and_logs_them():
    p = RealtimeProtocol(Dialect.GA)
    p.send(InputAudioBufferAppend(audio="AAAA"), at=0.5)
    p.send(ResponseCreate(event_id="r1", response={"output_modalities": ["audio"]}), at=0.6)
    frames = [json.loads(f) for f in p.data_to_send()]
    assert frames == [
        {"type": "input_audio_buffer.append", "audio": "AAAA"},
        {"type": "response.create", "event_id": "r1", "response": {"output_modalities": ["audio"]}},
    ]
    assert p.data_to_send() == []
    assert [(e.t, e.direction) for e in p.log] == [(0.5, "sent"), (0.6, "sent")]


def test_events_received_drains_and_log_keeps_everything():
    p = RealtimeProtocol(Dialect.GA)
    p.receive_text(CREATED, at=0.1)
    assert isinstance(p.events_received()[0], SessionCreated)
    assert p.events_received() == []
    p.mark("speech_end", at=0.2, note="x")
    assert isinstance(p.log[-1].item, Mark) and p.log[-1].frame() == {
        "mark": "speech_end",
        "note": "x",
    }
    assert p.log[0].frame()["type"] == "session.created"


def test_connection_lost_fails_the_session():
    p = RealtimeProtocol(Dialect.GA)
    feed(p, CREATED)
    p.connection_lost(1011, "internal error", at=2.0)
    assert p.state is State.FAILED
    assert p.log[-1].frame() == {
        "mark": "connection_lost",
        "code": 1011,
        "reason": "internal error",
    }
    feed(p, {"type": "session.updated", "event_id": "late", "session": {}})
    assert p.state is State.FAILED


def _errors(events: list) -> list[ProtocolError]:
    return [e for e in events if isinstance(e, ProtocolError)]


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ([RESPONSE_DONE], "response.done for response r before its response.created"),
        ([AUDIO_DELTA], "response.output_audio.delta for response r before its response.created"),
        (
            [{"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 9, "item_id": "i"}],
            "speech_stopped before speech_started",
        ),
    ],
)
def test_events_out_of_order_are_flagged(frames, message):
    p = RealtimeProtocol(Dialect.GA)
    errors = _errors(feed(p, CREATED, *frames))
    assert [e.kind for e in errors] == ["out_of_order"]
    assert message in errors[0].message


def test_events_in_order_are_not_flagged():
    p = RealtimeProtocol(Dialect.GA)
    assert _errors(feed(p, CREATED, RESPONSE_CREATED, AUDIO_DELTA, RESPONSE_DONE)) == []


def test_a_frame_over_the_cap_is_refused_unparsed():
    p = RealtimeProtocol(Dialect.GA)
    feed(p, CREATED)
    huge = json.dumps({"type": "response.output_audio.delta", "delta": "A" * (12 * 1024 * 1024)})
    (error,) = feed(p, huge)
    assert isinstance(error, ProtocolError) and error.kind == "frame_too_large"
    assert "exceeds the 2097152-byte cap" in error.message
    assert len(error.excerpt) <= 200


def test_the_cap_counts_bytes_not_characters():
    p = RealtimeProtocol(Dialect.GA, max_frame_bytes=1000)
    frame = json.dumps({"type": "x", "note": "é" * 600})  # ~ 600 chars, ~1200 bytes
    (error,) = feed(p, frame)
    assert error.kind == "frame_too_large"


def test_out_of_band_audio_is_logged_for_the_checks():
    from smoke.checks import output_audio

    p = RealtimeProtocol(Dialect.GA)
    feed(p, CREATED, RESPONSE_CREATED)
    p.receive_audio(b"\x01\x00" * 10, 24000, at=1.0)
    p.receive_audio(b"\x02\x00" * 10, 24000, at=1.1)
    feed(p, RESPONSE_DONE)
    audio, problems = output_audio(p.log)
    assert audio == b"\x01\x00" * 10 + b"\x02\x00" * 10 and problems == []
