"""``media="track"`` sessions (the WebRTC seam): PCM in, reply audio out as PCM for a track."""

from __future__ import annotations

from rt_conformance import validate_all
from rt_drive import pump, send
from rt_fakes import silence, tone
from test_session import errors, make


def speak_over_track(s) -> list[dict]:
    for chunk in [silence(400)] + [tone(100)] * 8 + [silence(100)] * 4:
        s.receive_pcm(chunk)
    return pump(s)


def test_reply_audio_goes_to_the_track_not_into_events() -> None:
    s = make("ga", media="track")
    pump(s)
    events = speak_over_track(s)
    types = validate_all(events, "ga")
    assert "response.output_audio.delta" not in types
    assert types.count("output_audio_buffer.started") == 1
    assert types.index("output_audio_buffer.started") < types.index("response.done")
    played = b"".join(s.audio_to_play())
    assert len(played) == 300 * 3 * 48  # the fake voice: 300 ms per word of "Blue harbor seven."
    response_id = events[-1]["response"]["id"]
    s.output_audio_played(response_id)
    (stopped,) = pump(s)
    assert stopped["type"] == "output_audio_buffer.stopped"
    assert stopped["response_id"] == response_id


def test_clearing_the_output_buffer_cancels_and_flushes_the_track() -> None:
    s = make("ga", media="track")
    pump(s)
    for chunk in [silence(400)] + [tone(100)] * 8 + [silence(100)] * 4:
        s.receive_pcm(chunk)
    events = pump(s, stream=False)
    events += s.stream_step()  # the first chunk is on its way to the track
    send(s, type="output_audio_buffer.clear")
    events += pump(s)
    types = validate_all(events, "ga")
    assert types[-2:] == ["response.done", "output_audio_buffer.cleared"]
    assert events[-2]["response"]["status"] == "cancelled"
    assert s.audio_cleared() and not s.audio_cleared()  # once per clear


def test_websocket_sessions_refuse_output_audio_buffer_clear() -> None:
    s = make("ga")
    pump(s)
    send(s, type="output_audio_buffer.clear")
    (error,) = errors(pump(s))
    assert error["message"] == (
        "output_audio_buffer.clear is only supported for WebRTC and SIP sessions."
    )


def test_clearing_with_nothing_played_still_sends_a_valid_event() -> None:
    s = make("ga", media="track")
    pump(s)
    send(s, type="output_audio_buffer.clear")
    events = pump(s)
    assert validate_all(events, "ga") == ["output_audio_buffer.cleared"]
