"""The smoke scenarios, driving a :class:`~smoke.transport.Transport` and then checking.

- ``audio``: connect → ``session.created`` → ``session.update`` → ``session.updated`` → send the
  spoken prompt plus trailing silence (burst by default, or paced in real time) → server VAD
  answers → wait for ``response.done`` (and the input transcription, if configured).
- ``text``: the same start, then a user text message and ``response.create`` → ``response.done``.

Every wait is bounded by the scenario deadline. Any session failure (refused handshake, timeout,
dropped connection, rejected update) ends the drive early and becomes a failed check; the
remaining checks still run over what was recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from smoke.checks import CheckResult, ScenarioSpec, output_audio, run_checks
from smoke.errors import ProtocolViolation, SessionError, SmokeError, SmokeTimeout
from smoke.metrics import Metrics, scenario_metrics
from smoke.prompts import Prompt, TextPrompt
from smoke.realtime.dialects import (
    Dialect,
    SessionSettings,
    response_create_payload,
    session_update_payload,
    text_message_item,
)
from smoke.realtime.events import (
    ConversationItemCreate,
    ErrorEvent,
    InputTranscriptionCompleted,
    InputTranscriptionFailed,
    ResponseCreate,
    ResponseDone,
    ServerEvent,
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
)
from smoke.realtime.protocol import Entry, ProtocolError, RealtimeProtocol
from smoke.transport import PromptAudio, Transport

__all__ = [
    "Budget",
    "Opener",
    "ScenarioOptions",
    "ScenarioResult",
    "audio_round_trip",
    "run_scenario",
    "send_prompt",
    "since",
    "start_session",
    "text_to_audio",
]

Received = ServerEvent | ProtocolError
# Opens a session on a transport for the scenario's protocol and clock (readiness included).
Opener = Callable[[RealtimeProtocol, Callable[[], float]], Awaitable[Transport]]
_SESSION_UPDATE_ID = "evt_smoke_session_update"
_ITEM_ID = "evt_smoke_item_create"
_RESPONSE_ID = "evt_smoke_response_create"


@dataclass(frozen=True, kw_only=True)
class ScenarioOptions:
    """Knobs shared by both scenarios."""

    settings: SessionSettings = field(default_factory=SessionSettings)
    timeout_s: float = 60.0
    pace: Literal["burst", "realtime"] = "burst"  # burst: as fast as the server accepts
    chunk_ms: int = 100
    trailing_silence_ms: int = 1500
    transcription_grace_s: float = 5.0
    max_transcription_wer: float = 0.5
    transport: str = "websocket"


@dataclass(kw_only=True)
class ScenarioResult:
    """What one scenario recorded and concluded."""

    name: str
    spec: ScenarioSpec
    log: list[Entry]
    checks: list[CheckResult]
    metrics: Metrics
    audio: bytes = b""
    connected: bool = True
    transport: str = "websocket"

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]


class Budget:
    """The time left for a deployment's whole check; shared by its scenarios.

    ``extend`` adds time that should not count (a readiness wait under an explicit
    ``--wait-ready``).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def extend(self, seconds: float) -> None:
        self.seconds += seconds
        self._end += seconds


Budget = Budget


def since(start: int, *classes: type) -> Callable[[list[Received]], bool]:
    """A wait condition: an event of one of ``classes`` arrived at or after index ``start``."""
    return lambda received: any(isinstance(e, classes) for e in received[start:])


def _error_for(received: list[Received], start: int, ids: set[str]) -> ErrorEvent | None:
    return next(
        (e for e in received[start:] if isinstance(e, ErrorEvent) and e.error.event_id in ids),
        None,
    )


async def start_session(client: Transport, spec: ScenarioSpec, deadline: Budget) -> None:
    await client.wait_until(since(0, SessionCreated), deadline.left(), "session.created")
    start = len(client.received)
    payload = session_update_payload(spec.dialect, spec.settings)
    await client.send(SessionUpdate(event_id=_SESSION_UPDATE_ID, session=payload))
    await client.wait_until(
        lambda r: (
            since(start, SessionUpdated)(r) or bool(_error_for(r, start, {_SESSION_UPDATE_ID}))
        ),
        deadline.left(),
        "session.updated",
    )
    rejected = _error_for(client.received, start, {_SESSION_UPDATE_ID})
    if rejected is not None:
        raise ProtocolViolation(f"session.update rejected: {rejected.error.describe()}")


async def send_prompt(
    client: Transport, prompt: Prompt, options: ScenarioOptions, budget: Budget
) -> None:
    """Send ``prompt`` over the transport, paced as ``options.pace`` says."""
    audio = PromptAudio(
        pcm=prompt.pcm,
        rate=options.settings.rate,
        speech_end_s=min(prompt.speech_ends_at, prompt.seconds),
        trailing_silence_ms=options.trailing_silence_ms,
        chunk_ms=options.chunk_ms,
        pace=options.pace,
    )
    await client.send_prompt_audio(audio, budget.left())


async def _drive_audio(
    client: Transport,
    spec: ScenarioSpec,
    prompt: Prompt,
    options: ScenarioOptions,
    deadline: Budget,
) -> None:
    await start_session(client, spec, deadline)
    await send_prompt(client, prompt, options, deadline)
    await client.wait_until(since(0, ResponseDone), deadline.left(), "response.done")
    if spec.settings.transcription_model:
        # Transcription is asynchronous and may trail the response; allow a short grace.
        grace = min(options.transcription_grace_s, deadline.left())
        with contextlib.suppress(SessionError):
            await client.wait_until(
                lambda r: (
                    since(0, InputTranscriptionCompleted)(r)
                    or since(0, InputTranscriptionFailed)(r)
                ),
                grace,
                "the input transcription",
            )


async def _drive_text(client: Transport, spec: ScenarioSpec, text: str, deadline: Budget) -> None:
    await start_session(client, spec, deadline)
    start = len(client.received)
    await client.send(ConversationItemCreate(event_id=_ITEM_ID, item=text_message_item(text)))
    await client.send(
        ResponseCreate(event_id=_RESPONSE_ID, response=response_create_payload(spec.dialect))
    )
    client.protocol.mark("request_sent", client.now())
    await client.wait_until(
        lambda r: (
            since(start, ResponseDone)(r) or bool(_error_for(r, start, {_ITEM_ID, _RESPONSE_ID}))
        ),
        deadline.left(),
        "response.done",
    )
    rejected = _error_for(client.received, start, {_ITEM_ID, _RESPONSE_ID})
    if rejected is not None:
        raise ProtocolViolation(f"text request rejected: {rejected.error.describe()}")


def _last_event(log: list[Entry]) -> str:
    received = [e.item for e in log if e.direction == "recv"]
    if not received:
        return "nothing received"
    last = received[-1]
    return f"last event received: {getattr(last, 'wire_type', None) or getattr(last, 'kind', '?')}"


async def run_scenario(
    name: str,
    spec: ScenarioSpec,
    opener: Opener,
    options: ScenarioOptions,
    drive: Callable[[Transport, Budget], Awaitable[None]],
    budget: Budget | None = None,
    extra_checks: Callable[[list[Entry]], list[CheckResult]] | None = None,
) -> ScenarioResult:
    """Open a session, ``drive`` it, close it, and check what was recorded.

    A refused open is one failed ``connect`` check; a failed drive a failed ``session`` check;
    then every check of ``spec`` (plus ``extra_checks`` and the transport's own) runs.
    """
    started = time.monotonic()
    protocol = RealtimeProtocol(spec.dialect)
    budget = budget or Budget(options.timeout_s)
    expected = f"realtime session opened over {options.transport}"

    def clock() -> float:
        return time.monotonic() - started

    def result(checks: list[CheckResult], connected: bool = True) -> ScenarioResult:
        return ScenarioResult(
            name=name,
            spec=spec,
            log=protocol.log,
            checks=checks,
            metrics=scenario_metrics(protocol.log, spec.settings.rate),
            audio=output_audio(protocol.log)[0] if connected else b"",
            connected=connected,
            transport=options.transport,
        )

    try:
        client = await opener(protocol, clock)
    except SmokeError as exc:
        return result(
            [CheckResult(name="connect", passed=False, expected=expected, observed=str(exc))],
            connected=False,
        )
    session = await _drive_and_close(client, budget, drive)
    connect = CheckResult(
        name="connect",
        passed=True,
        expected=expected,
        observed=f"connected ({options.transport}, {spec.dialect.value})",
    )
    extra = extra_checks(protocol.log) if extra_checks else []
    checks = [connect, session, *run_checks(protocol.log, spec), *extra]
    return result([*checks, *client.transport_checks()])


async def _drive_and_close(
    client: Transport,
    deadline: Budget,
    drive: Callable[[Transport, Budget], Awaitable[None]],
) -> CheckResult:
    expected = "scenario runs to completion"
    failure: str | None = None
    try:
        # The outer bound is a safety net: every inner wait already honours the deadline.
        async with asyncio.timeout(deadline.left() + 2):
            await drive(client, deadline)
    except SmokeError as exc:
        failure = str(exc)
    except TimeoutError:
        failure = str(SmokeTimeout("the scenario", deadline.seconds))
    finally:
        await client.close()
    if failure is not None:
        return CheckResult(
            name="session",
            passed=False,
            expected=expected,
            observed=failure,
            detail=f"{failure}; {_last_event(client.protocol.log)}",
        )
    return CheckResult(name="session", passed=True, expected=expected, observed="completed")


async def audio_round_trip(
    opener: Opener,
    dialect: Dialect,
    prompt: Prompt,
    options: ScenarioOptions,
    name: str = "audio",
    budget: Budget | None = None,
) -> ScenarioResult:
    """Speak ``prompt`` into a new session and check the spoken reply."""
    spec = ScenarioSpec(
        kind="audio",
        dialect=dialect,
        settings=options.settings,
        prompt_text=prompt.text,
        expected_words=prompt.expected_words,
        max_transcription_wer=options.max_transcription_wer,
    )

    async def drive(client: Transport, deadline: Budget) -> None:
        await _drive_audio(client, spec, prompt, options, deadline)

    return await run_scenario(name, spec, opener, options, drive, budget)


async def text_to_audio(
    opener: Opener,
    dialect: Dialect,
    prompt: TextPrompt,
    options: ScenarioOptions,
    budget: Budget | None = None,
) -> ScenarioResult:
    """Type ``prompt`` into a new session and check the spoken reply."""
    spec = ScenarioSpec(
        kind="text",
        dialect=dialect,
        settings=options.settings,
        prompt_text=prompt.text,
        expected_words=prompt.expected_words,
    )

    async def drive(client: Transport, deadline: Budget) -> None:
        await _drive_text(client, spec, prompt.text, deadline)

    return await run_scenario("text", spec, opener, options, drive, budget)
