"""Every check, from recorded fixtures: the passing sessions and hand-made failures."""

from __future__ import annotations

import base64

import pytest
from conftest import FIXTURE_CASES, drop, edit, load_lines, to_log

from smoke import checks
from smoke.realtime.dialects import Dialect, SessionSettings

SETTINGS = SessionSettings(transcription_model="whisper-1")
TEXT_SETTINGS = SessionSettings()
EXPECTED = ("blue", "harbor", "7")


def ga_audio(lines=None):
    return to_log(lines or load_lines("ga_audio_ok"), Dialect.GA)


def pv_audio(lines=None):
    return to_log(lines or load_lines("preview_audio_ok"), Dialect.PREVIEW)


@pytest.mark.parametrize(("name", "dialect", "kind"), FIXTURE_CASES)
def test_every_check_passes_on_the_recorded_good_sessions(name, dialect, kind):
    settings = SETTINGS if kind == "audio" else TEXT_SETTINGS
    spec = checks.ScenarioSpec(
        kind=kind,
        dialect=dialect,
        settings=settings,
        prompt_text="repeat after me blue harbor seven",
        expected_words=EXPECTED,
    )
    results = checks.run_checks(to_log(load_lines(name), dialect), spec)
    assert [r.name for r in results if not r.passed] == []
    names = {r.name for r in results}
    assert ("vad" in names) is (kind == "audio")
    assert ("input.transcription" in names) is (kind == "audio")
    assert "expected.words" in names


# --------------------------------------------------------------------------- session


def test_session_created_fails_without_events():
    result = checks.check_session_created([])
    assert not result.passed and result.observed == "no events received"


def test_session_created_fails_when_another_event_comes_first():
    lines = drop(load_lines("ga_audio_ok"), "session.created")
    result = checks.check_session_created(ga_audio(lines))
    assert not result.passed
    assert "session.updated" in result.observed


def test_session_created_fails_on_a_malformed_first_frame():
    lines = load_lines("ga_audio_ok")
    lines[2]["frame"] = "{not json"
    result = checks.check_session_created(ga_audio(lines))
    assert not result.passed and "protocol error" in result.observed


def test_session_updated_missing():
    result = checks.check_session_updated(
        ga_audio(drop(load_lines("ga_audio_ok"), "session.updated")), SETTINGS
    )
    assert not result.passed and "no session.updated" in result.observed


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda s: s["audio"]["output"].update(voice="shimmer"), "voice is 'shimmer'"),
        (
            lambda s: s["audio"]["output"]["format"].update(rate=16000),
            "output format is pcm16@16000",
        ),
        (
            lambda s: s["audio"]["input"]["format"].update(type="audio/pcmu"),
            "input format is g711_ulaw",
        ),
        (lambda s: s["audio"]["input"].update(turn_detection=None), "turn detection is None"),
        (lambda s: s["audio"]["input"].update(transcription=None), "transcription model is None"),
    ],
)
def test_session_updated_must_reflect_the_request_ga(change, fragment):
    lines = edit(load_lines("ga_audio_ok"), "session.updated", lambda f: change(f["session"]))
    result = checks.check_session_updated(ga_audio(lines), SETTINGS)
    assert not result.passed
    assert fragment in result.detail


def test_session_updated_must_reflect_the_request_preview():
    lines = edit(
        load_lines("preview_audio_ok"),
        "session.updated",
        lambda f: f["session"].update(output_audio_format="g711_alaw"),
    )
    result = checks.check_session_updated(pv_audio(lines), SETTINGS)
    assert not result.passed and "output format is g711_alaw" in result.detail


def test_session_update_rejected_by_an_error_event():
    lines = drop(load_lines("ga_audio_ok"), "session.updated")
    lines.insert(
        5,
        {
            "t": 0.1,
            "dir": "recv",
            "frame": {
                "type": "error",
                "event_id": "e1",
                "error": {
                    "type": "invalid_request_error",
                    "code": "unknown_parameter",
                    "message": "Unknown parameter: 'session.type'.",
                    "event_id": "evt_smoke_session_update",
                },
            },
        },
    )
    result = checks.check_session_updated(ga_audio(lines), SETTINGS)
    assert not result.passed and "unknown_parameter" in result.observed


# --------------------------------------------------------------------------- hygiene


def test_protocol_reports_bad_frames_and_notes_unknown_events():
    lines = load_lines("ga_audio_ok")
    lines.insert(
        8, {"t": 0.2, "dir": "recv", "frame": {"type": "brand.new_event", "event_id": "x"}}
    )
    assert checks.check_protocol(ga_audio(lines)).passed
    assert "brand.new_event" in checks.check_protocol(ga_audio(lines)).detail
    lines.insert(9, {"t": 0.2, "dir": "recv", "frame": "[1, 2]"})
    result = checks.check_protocol(ga_audio(lines))
    assert not result.passed and "not_an_object" in result.detail


def test_protocol_reports_an_event_with_a_bad_field():
    lines = edit(
        load_lines("ga_audio_ok"),
        "response.output_audio.delta",
        lambda f: f.update(output_index="zero"),
    )
    result = checks.check_protocol(ga_audio(lines))
    assert not result.passed
    assert "output_index" in result.detail and "should be int" in result.detail


def test_dialect_flags_beta_names_on_a_ga_connection():
    log = to_log(load_lines("preview_audio_ok"), Dialect.GA)
    result = checks.check_dialect(log, Dialect.GA)
    assert not result.passed and "response.audio.delta" in result.observed


def test_dialect_flags_ga_names_on_a_preview_connection():
    log = to_log(load_lines("ga_audio_ok"), Dialect.PREVIEW)
    result = checks.check_dialect(log, Dialect.PREVIEW)
    assert not result.passed and "conversation.item.added" in result.observed


def test_server_errors_are_listed():
    lines = load_lines("ga_text_ok")
    lines.append(
        {
            "t": 9,
            "dir": "recv",
            "frame": {
                "type": "error",
                "event_id": "e9",
                "error": {"type": "server_error", "code": "rate_limited", "message": "slow down"},
            },
        }
    )
    result = checks.check_server_errors(to_log(lines, Dialect.GA))
    assert not result.passed and "rate_limited: slow down" in result.detail


# --------------------------------------------------------------------------- input side


def test_vad_missing_start_and_missing_stop():
    lines = load_lines("ga_audio_ok")
    no_start = drop(lines, "input_audio_buffer.speech_started")
    assert "no input_audio_buffer.speech_started" in checks.check_vad(ga_audio(no_start)).observed
    no_stop = drop(lines, "input_audio_buffer.speech_stopped")
    assert "no stop" in checks.check_vad(ga_audio(no_stop)).observed


def test_vad_end_must_follow_start():
    lines = edit(
        load_lines("ga_audio_ok"),
        "input_audio_buffer.speech_stopped",
        lambda f: f.update(audio_end_ms=0),
    )
    result = checks.check_vad(ga_audio(lines))
    assert not result.passed and "not after" in result.detail


def test_input_transcription_far_from_prompt():
    lines = edit(
        load_lines("ga_audio_ok"),
        "conversation.item.input_audio_transcription.completed",
        lambda f: f.update(transcript="what is the weather in paris"),
    )
    result = checks.check_input_transcription(
        ga_audio(lines), "repeat after me blue harbor seven", 0.5
    )
    assert not result.passed and "WER" in result.observed


def test_input_transcription_failed_event_gives_the_reason():
    lines = drop(
        load_lines("preview_audio_ok"), "conversation.item.input_audio_transcription.completed"
    )
    lines.append(
        {
            "t": 9,
            "dir": "recv",
            "frame": {
                "type": "conversation.item.input_audio_transcription.failed",
                "event_id": "e",
                "item_id": "item_user_001",
                "content_index": 0,
                "error": {
                    "type": "transcription_error",
                    "code": "audio_unintelligible",
                    "message": "Audio is unintelligible.",
                },
            },
        }
    )
    result = checks.check_input_transcription(pv_audio(lines), "repeat after me", 0.5)
    assert not result.passed and "audio_unintelligible" in result.observed


def test_input_transcription_missing():
    lines = drop(load_lines("ga_audio_ok"), "conversation.item.input_audio_transcription.completed")
    result = checks.check_input_transcription(ga_audio(lines), "x", 0.5)
    assert not result.passed and "no input_audio_transcription.completed" in result.observed


# --------------------------------------------------------------------------- output side


def test_audio_format_fails_on_bad_base64_and_odd_lengths():
    bad = edit(
        load_lines("ga_audio_ok"), "response.output_audio.delta", lambda f: f.update(delta="@@@")
    )
    result = checks.check_output_audio_format(ga_audio(bad))
    assert not result.passed and "not valid base64" in result.detail
    odd = edit(
        load_lines("ga_audio_ok"),
        "response.output_audio.delta",
        lambda f: f.update(delta=base64.b64encode(b"abc").decode()),
    )
    assert "odd byte count" in checks.check_output_audio_format(ga_audio(odd)).detail


def test_audio_format_fails_without_audio():
    lines = drop(load_lines("ga_audio_ok"), "response.output_audio.delta")
    result = checks.check_output_audio_format(ga_audio(lines))
    assert not result.passed and result.observed == "no output audio received"


def test_audio_format_fails_when_the_session_rate_differs():
    lines = edit(
        load_lines("preview_audio_ok"),
        "session.updated",
        lambda f: f["session"].update(output_audio_format="g711_ulaw"),
    )
    result = checks.check_output_audio_format(pv_audio(lines))
    assert not result.passed and "g711_ulaw" in result.observed


def test_silent_audio_fails_the_level_check():
    silent = base64.b64encode(bytes(9600)).decode()
    lines = edit(
        load_lines("ga_audio_ok"), "response.output_audio.delta", lambda f: f.update(delta=silent)
    )
    result = checks.check_output_audio_level(ga_audio(lines))
    assert not result.passed and result.detail == "reply audio is silent"
    assert checks.check_output_audio_level(ga_audio()).passed


def test_duration_must_be_plausible_for_the_transcript():
    long_text = " ".join(["word"] * 40)
    lines = edit(
        load_lines("ga_audio_ok"),
        "response.output_audio_transcript.done",
        lambda f: f.update(transcript=long_text),
    )
    result = checks.check_output_audio_duration(ga_audio(lines))
    assert not result.passed and "40 word(s)" in result.detail
    one_delta = load_lines("ga_audio_ok")
    seen = []
    kept = [
        ln
        for ln in one_delta
        if not (
            ln["frame"].get("type") == "response.output_audio.delta"
            and (seen.append(1) or len(seen) > 1)
        )
    ]
    short = checks.check_output_audio_duration(ga_audio(kept))
    assert not short.passed and short.observed == "0.20 s"


def test_transcript_deltas_must_concatenate_to_the_final_transcript():
    lines = edit(
        load_lines("ga_audio_ok"),
        "response.output_audio_transcript.done",
        lambda f: f.update(transcript="Blue harbour seven."),
    )
    result = checks.check_output_transcript(ga_audio(lines))
    assert not result.passed and "!=" in result.observed


def test_transcript_must_agree_with_response_done():
    lines = edit(
        load_lines("preview_text_ok"),
        "response.done",
        lambda f: f["response"]["output"][0]["content"][0].update(transcript="other"),
    )
    result = checks.check_output_transcript(to_log(lines, Dialect.PREVIEW))
    assert not result.passed and "response.done has 'other'" in result.observed


def test_transcript_missing_done_event():
    lines = drop(load_lines("ga_text_ok"), "response.output_audio_transcript.done")
    result = checks.check_output_transcript(to_log(lines, Dialect.GA))
    assert not result.passed and "no transcript done event" in result.observed


def test_expected_words_normalises_numbers_and_reports_missing():
    assert checks.check_expected_words(ga_audio(), ["blue", "harbor", "7"]).passed
    result = checks.check_expected_words(ga_audio(), ["green", "harbor", "29"])
    assert not result.passed
    assert result.detail == "missing: green, twenty, nine"


def test_response_done_missing_failed_and_without_usage():
    assert (
        "no response.done"
        in checks.check_response_done(
            ga_audio(drop(load_lines("ga_audio_ok"), "response.done"))
        ).observed
    )

    def fail(frame):
        frame["response"].update(
            status="failed",
            status_details={
                "type": "failed",
                "error": {"type": "server_error", "code": "internal_error", "message": "boom"},
            },
        )

    failed = checks.check_response_done(
        ga_audio(edit(load_lines("ga_audio_ok"), "response.done", fail))
    )
    assert not failed.passed and failed.observed == "status failed"
    assert "internal_error: boom" in failed.detail
    no_usage = edit(
        load_lines("preview_audio_ok"), "response.done", lambda f: f["response"].update(usage=None)
    )
    assert checks.check_response_done(pv_audio(no_usage)).observed == "completed without usage"


def test_cancelled_response_reason_is_reported():
    def cancel(frame):
        frame["response"].update(
            status="cancelled", status_details={"type": "cancelled", "reason": "turn_detected"}
        )

    result = checks.check_response_done(
        ga_audio(edit(load_lines("ga_audio_ok"), "response.done", cancel))
    )
    assert not result.passed and result.detail == "cancelled: turn_detected"


def test_checks_use_only_the_final_response():
    # An earlier, interrupted response must not mix its audio/transcript into the final one.
    lines = load_lines("ga_text_ok")
    extra = {
        "t": 0.1,
        "dir": "recv",
        "frame": {
            "type": "response.output_audio_transcript.delta",
            "event_id": "x",
            "response_id": "resp_old",
            "item_id": "i",
            "output_index": 0,
            "content_index": 0,
            "delta": "stale ",
        },
    }
    lines.insert(6, extra)
    assert checks.check_output_transcript(to_log(lines, Dialect.GA)).passed


def test_check_result_reason():
    r = checks.CheckResult(name="n", passed=False, expected="a", observed="b")
    assert r.reason() == "expected a; observed b"
    assert checks.CheckResult(name="n", passed=False, detail="why").reason() == "why"
