"""A real turn over the wire runs the recogniser's final pass at the pause in the silence
window, through the worker processes, without falling back to decoding the turn whole."""

from __future__ import annotations

import logging

import pytest
from rt_env import Account
from rt_ws import connect, fixture_pcm

from emulator.realtime.speech import asr_workers

SILENCE_1S = bytes(48000)


async def test_a_vad_turn_pauses_the_stream_then_finishes_it(
    account: Account, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []
    for name in ("pause", "resume", "finish"):
        original = getattr(asr_workers.RecognitionStream, name)

        def spy(self, *args, _name=name, _original=original):
            calls.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(asr_workers.RecognitionStream, name, spy)
    caplog.set_level(logging.WARNING, logger="emulator.realtime")
    url = account.ga_url("gpt-realtime")
    async with connect(url, account, "ga", {"api-key": account.key}) as c:
        assert (await c.recv())["type"] == "session.created"
        # real time is not needed: the VAD pauses on the audio's own clock
        await c.append_audio(fixture_pcm() + SILENCE_1S)
        events = await c.until("response.done")
    assert calls == ["pause", "finish"]
    assert not [r for r in caplog.records if "recognition stream failed" in r.getMessage()]
    transcript = "".join(
        str(ev["delta"]) for ev in events if ev["type"] == "response.output_audio_transcript.delta"
    )
    assert transcript == "Blue harbor seven."
