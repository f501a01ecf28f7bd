"""What clients may send: one validator per client event type (the handlers are in
``session.RealtimeSession``'s table)."""

from __future__ import annotations

from emulator.realtime import validation as p

_EVENT_ID = p.nullable(p.string)
CLIENT_EVENTS: dict[str, p.Validator] = {
    "session.update": p.obj(
        {"type": p.string, "event_id": _EVENT_ID, "session": p.any_json}, ("session",)
    ),
    "input_audio_buffer.append": p.obj(
        {"type": p.string, "event_id": _EVENT_ID, "audio": p.string}, ("audio",)
    ),
    "input_audio_buffer.commit": p.obj({"type": p.string, "event_id": _EVENT_ID}),
    "input_audio_buffer.clear": p.obj({"type": p.string, "event_id": _EVENT_ID}),
    "conversation.item.create": p.obj(
        {
            "type": p.string,
            "event_id": _EVENT_ID,
            "previous_item_id": p.nullable(p.string),
            "item": p.any_json,
        },
        ("item",),
    ),
    "conversation.item.retrieve": p.obj(
        {"type": p.string, "event_id": _EVENT_ID, "item_id": p.string}, ("item_id",)
    ),
    "conversation.item.delete": p.obj(
        {"type": p.string, "event_id": _EVENT_ID, "item_id": p.string}, ("item_id",)
    ),
    "conversation.item.truncate": p.obj(
        {
            "type": p.string,
            "event_id": _EVENT_ID,
            "item_id": p.string,
            "content_index": p.number(0, integer=True),
            "audio_end_ms": p.number(0, integer=True),
        },
        ("item_id", "content_index", "audio_end_ms"),
    ),
    "response.create": p.obj({"type": p.string, "event_id": _EVENT_ID, "response": p.any_json}),
    "response.cancel": p.obj({"type": p.string, "event_id": _EVENT_ID, "response_id": p.string}),
    "output_audio_buffer.clear": p.obj({"type": p.string, "event_id": _EVENT_ID}),
}
