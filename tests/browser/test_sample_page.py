"""A real browser on the emulator's WebRTC sample page: Debian's headless Chromium, a fixture
WAV as the microphone, the emulator's CA trusted through NSS. The page mints a client secret
through its backend (with the sample token of the URL fragment), negotiates with the calls
endpoint, talks, and must reach ``response.done`` with the expected reply transcript. Without
the token, or with a wrong one, the page says what to open and mints nothing."""

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
from emulator.cli_sample import sample_page_url  # noqa: E402

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
  heard: window.sample.heard, types: window.sample.events.map(e => e.type),
  href: location.href, notice: document.getElementById("notice").textContent
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
    tmp_path: Path,
    query: str,
    done: Callable[[dict[str, Any]], bool],
    token: Callable[[str], str] = lambda right: right,
) -> dict[str, Any]:
    """Run the sample page against a fresh emulator until ``done``; the last snapshot.

    The URL is the one ``realtime-emulator sample-url`` prints, plus ``query``; ``token`` maps
    the right sample token to the one the URL carries ("" = no fragment at all).
    """
    with Emulator(state_dir=tmp_path / "emu", config=EmulatorConfig(timing="instant")) as emu:
        arm = Arm(emu)
        account = arm.account("browsertest")
        arm.deployment(account.subdomain, "gpt-realtime")
        printed = sample_page_url(emu.connection, account.subdomain, "gpt-realtime")
        page, _, fragment = printed.partition("#")
        carried = token(fragment.removeprefix("token="))
        url = page + query + (f"#token={carried}" if carried else "")
        async with launch(tmp_path, emu.ca_path, PROMPT) as browser:
            await browser.call("Page.enable")
            await browser.call("Page.navigate", {"url": url})
            seen = await wait_for_page(browser, done, 120)
        assert emu.app is not None
        minted = emu.app.services.get("client_secrets")
        seen["secrets_minted"] = 0 if minted is None else minted.count()
        seen["right_token"] = fragment.removeprefix("token=")
        return seen


async def test_the_sample_page_talks_to_the_emulator(tmp_path: Path) -> None:
    # raw=1: no echo cancellation/noise suppression on the recorded prompt;
    # webrtcfilter=off: the data channel carries response.done too
    seen = await open_sample(
        tmp_path, "?autostart=1&webrtcfilter=off&raw=1", lambda s: s.get("state") == "done"
    )
    assert seen["error"] is None, seen
    assert seen["state"] == "done", seen
    assert seen["right_token"] not in seen["href"]  # taken out of the address bar
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


@pytest.mark.parametrize(
    ("token", "refusal"),
    [(lambda right: "", None), (lambda right: "wrong" + right, "HTTP 401")],
    ids=["no-token", "wrong-token"],
)
async def test_without_the_right_token_the_page_says_what_to_open(
    tmp_path: Path, token: Callable[[str], str], refusal: str | None
) -> None:
    seen = await open_sample(
        tmp_path, "?autostart=1", lambda s: s.get("state") == "failed", token=token
    )
    assert seen["state"] == "failed", seen
    assert "realtime-emulator sample-url --deployment gpt-realtime" in seen["notice"], seen
    assert refusal is None or refusal in seen["notice"], seen
    assert seen["types"] == [] and seen["secrets_minted"] == 0, seen
