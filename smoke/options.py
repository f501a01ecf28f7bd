"""Run options: what the CLI (or ``provision up --smoke``) asked, over the ``[smoke]`` table,
over the defaults — in that order of precedence, in this one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from smoke.checks.latency import LatencyGates
from smoke.errors import UsageError
from smoke.prompts import (
    DEFAULT_TEXT_PROMPT,
    Prompt,
    TextPrompt,
    default_prompt,
    prompt_from_wav,
    select_prompts,
)
from smoke.readiness import ReadinessPolicy
from smoke.realtime.dialects import SessionSettings
from smoke.scenarios import ScenarioOptions
from smoke.settings import SmokeDefaults

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "RunChoices",
    "SmokeOptions",
    "build_options",
    "transports_for",
]

DEFAULT_TIMEOUT_S = 60.0


@dataclass(frozen=True, kw_only=True)
class SmokeOptions:
    """What to run against every target (see :mod:`smoke.run` for the time rules)."""

    prompts: tuple[Prompt, ...]
    text_prompt: TextPrompt | None = DEFAULT_TEXT_PROMPT
    tool_call: bool = False
    scenario: ScenarioOptions = field(default_factory=ScenarioOptions)
    readiness: ReadinessPolicy = field(default_factory=ReadinessPolicy)
    wait_explicit: bool = False  # readiness.budget_s was asked for; else bounded by timeout_s
    timeout_s: float = DEFAULT_TIMEOUT_S  # a deployment's whole check on one transport
    transports: tuple[str, ...] = ("websocket",)
    gates: LatencyGates = field(default_factory=LatencyGates)
    concurrency: int = 4
    open_timeout_s: float = 15.0


@dataclass(frozen=True, kw_only=True)
class RunChoices:
    """What the caller asked for; ``None`` = not given (the ``[smoke]`` value or default)."""

    prompt_wav: Path | None = None
    prompt_text: str = ""
    expect: str | None = None
    text_scenario: bool = True
    tool_call: bool | None = None
    transcription_model: str | None = None
    voice: str = "alloy"
    timeout_s: float | None = None
    wait_ready_s: float | None = None
    concurrency: int = 4
    pace: Literal["burst", "realtime"] | None = None
    transport: Literal["websocket", "webrtc", "both"] | None = None
    max_first_audio_ms: float | None = None
    max_total_ms: float | None = None


def transports_for(name: str | None) -> tuple[str, ...]:
    """``both`` → WebSocket then WebRTC; default WebSocket."""
    if name in (None, "websocket"):
        return ("websocket",)
    if name == "webrtc":
        return ("webrtc",)
    if name == "both":
        return ("websocket", "webrtc")
    raise UsageError(f"unknown transport {name!r}; use websocket, webrtc or both")


def _prompts(choices: RunChoices, names: tuple[str, ...]) -> tuple[Prompt, ...]:
    if choices.prompt_wav is None:
        if choices.expect is not None or choices.prompt_text:
            raise UsageError("--prompt-text/--expect need --prompt WAV")
        return tuple(select_prompts(names)) if names else (default_prompt(),)
    return (prompt_from_wav(choices.prompt_wav, choices.prompt_text, choices.expect or ""),)


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def build_options(choices: RunChoices, defaults: SmokeDefaults | None = None) -> SmokeOptions:
    """Options for a run: ``choices`` over ``defaults`` over the built-in defaults."""
    d = defaults or SmokeDefaults()
    timeout = _first(choices.timeout_s, d.timeout_seconds) or DEFAULT_TIMEOUT_S
    wait = _first(choices.wait_ready_s, d.wait_for_access_seconds)
    transcription = choices.transcription_model or d.transcription_model
    tool_call = choices.tool_call if choices.tool_call is not None else bool(d.tool_call)
    scenario = ScenarioOptions(
        settings=SessionSettings(voice=choices.voice, transcription_model=transcription),
        timeout_s=timeout,
        pace=choices.pace or d.pace or "burst",
    )
    return SmokeOptions(
        prompts=_prompts(choices, d.prompts),
        text_prompt=DEFAULT_TEXT_PROMPT if choices.text_scenario else None,
        tool_call=tool_call,
        scenario=scenario,
        readiness=ReadinessPolicy(budget_s=timeout if wait is None else wait),
        wait_explicit=wait is not None,
        timeout_s=timeout,
        transports=transports_for(choices.transport or d.transport),
        gates=LatencyGates(
            max_first_audio_ms=_first(choices.max_first_audio_ms, d.max_first_audio_ms),
            max_total_ms=_first(choices.max_total_ms, d.max_total_ms),
        ),
        concurrency=choices.concurrency,
    )
