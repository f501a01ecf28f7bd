"""A real browser on the emulator's WebRTC sample page: Debian's headless Chromium, a fixture
WAV as the microphone, the emulator's CA trusted through NSS. The page mints a client secret
through its backend, negotiates with the calls endpoint, talks, and must reach
``response.done`` with the expected reply transcript."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "emulator" / "realtime"))

from cdp import launch  # noqa: E402
from rt_env import Arm  # noqa: E402

from emulator import Emulator, EmulatorConfig  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "smoke" / "fixtures"
PROMPT = FIXTURES / "repeat_blue_harbor_seven.wav"

FILTERED = {
    "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped",
    "output_audio_buffer.started",
    "output_audio_buffer.stopped",
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.added",
    "conversation.item.created",
    "response.output_text.delta",
    "response.output_text.done",
    "response.output_audio_transcript.delta",
    "response.output_audio_transcript.done",
}

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(180)]


SNAPSHOT = """JSON.stringify(window.sample ? {
  state: window.sample.state, error: window.sample.error, transcript: window.sample.transcript,
  heard: window.sample.heard, types: window.sample.events.map(e => e.type)
} : {state: "loading", error: null, transcript: "", heard: "", types: []})"""


async def wait_for_page(
    browser: Any, done: Callable[[dict[str, Any]], bool], timeout: float
) -> dict[str, Any]:
    """Poll the page's ``window.sample`` until ``done(snapshot)`` (or the page failed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value: dict[str, Any] = json.loads(await browser.evaluate(SNAPSHOT) or "{}")
        if done(value) or value.get("state") == "failed" or loop.time() > deadline:
            return value
        await asyncio.sleep(0.25)  # polling a page variable: CDP has no event for it


async def open_sample(
    tmp_path: Path, query: str, done: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """Run the sample page against a fresh emulator until ``done``; the last snapshot."""
    with Emulator(state_dir=tmp_path / "emu", config=EmulatorConfig(timing="instant")) as emu:
        arm = Arm(emu)
        account = arm.account("browsertest")
        arm.deployment(account.subdomain, "gpt-realtime")
        page = f"{emu.url}/samples/webrtc/{account.subdomain}/gpt-realtime"
        async with launch(tmp_path, emu.ca_path, PROMPT) as browser:
            await browser.call("Page.enable")
            await browser.call("Page.navigate", {"url": page + query})
            return await wait_for_page(browser, done, 120)


async def test_the_sample_page_talks_to_the_emulator(tmp_path: Path) -> None:
    # raw=1: no echo cancellation/noise suppression on the recorded prompt;
    # webrtcfilter=off: the data channel carries response.done too
    seen = await open_sample(
        tmp_path, "?autostart=1&webrtcfilter=off&raw=1", lambda s: s.get("state") == "done"
    )
    assert seen["error"] is None, seen
    assert seen["state"] == "done", seen
    types = seen["types"]
    assert types[0] == "session.created"
    for kind in (
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "output_audio_buffer.started",
        "response.done",
    ):
        assert kind in types, types
    assert "response.output_audio.delta" not in types
    words = set(seen["transcript"].lower().replace(".", "").split())
    assert {"blue", "harbor", "seven"} <= words, seen["transcript"]
    assert {"blue", "harbor", "seven"} <= set(seen["heard"].lower().split()), seen["heard"]


async def test_the_default_sample_gets_the_filtered_events(tmp_path: Path) -> None:
    # as Microsoft's sample runs: ?webrtcfilter=on, the browser's own audio processing
    seen = await open_sample(
        tmp_path, "?autostart=1", lambda s: "output_audio_buffer.stopped" in s.get("types", [])
    )
    assert seen["error"] is None, seen
    types = set(seen["types"])
    assert "output_audio_buffer.stopped" in types, seen
    assert {"output_audio_buffer.started", "response.output_audio_transcript.done"} <= types
    assert types <= FILTERED, types - FILTERED
    assert seen["transcript"].strip()  # some reply was spoken and transcribed
