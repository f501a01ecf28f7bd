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
    feed(p, CREATED)
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
