"""The two smoke scenarios, driving a :class:`~smoke.client.RealtimeClient` and then checking.

- ``audio``: connect → ``session.created`` → ``session.update`` → ``session.updated`` → stream
  the spoken prompt in ~100 ms chunks plus trailing silence → server VAD answers → wait for
  ``response.done`` (and the input transcription, if configured).
- ``text``: the same start, then a user text message and ``response.create`` → ``response.done``.

Every wait is bounded by the scenario deadline. Any session failure (refused handshake, timeout,
dropped connection, rejected update) ends the drive early and becomes a failed check; the
remaining checks still run over what was recorded.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from smoke.audio import chunk_bytes, silence
from smoke.checks import CheckResult, ScenarioSpec, output_audio, run_checks
from smoke.client import RealtimeClient, Received
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
    InputAudioBufferAppend,
    InputTranscriptionCompleted,
    InputTranscriptionFailed,
    ResponseCreate,
    ResponseDone,
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
)
from smoke.realtime.protocol import Entry, RealtimeProtocol

__all__ = ["Opener", "ScenarioOptions", "ScenarioResult", "audio_round_trip", "text_to_audio"]

Opener = Callable[[RealtimeProtocol, Callable[[], float]], Awaitable[RealtimeClient]]
_SESSION_UPDATE_ID = "evt_smoke_session_update"
_ITEM_ID = "evt_smoke_item_create"
_RESPONSE_ID = "evt_smoke_response_create"


@dataclass(frozen=True, kw_only=True)
class ScenarioOptions:
    """Knobs shared by both scenarios."""

    settings: SessionSettings = field(default_factory=SessionSettings)
    timeout_s: float = 60.0
    pace: float = 1.0  # 1.0 = send audio in real time; 0 = as fast as possible
    chunk_ms: int = 100
    trailing_silence_ms: int = 1500
    transcription_grace_s: float = 5.0
    max_transcription_wer: float = 0.5


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

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self._end - time.monotonic())


def _since(start: int, cls: type) -> Callable[[list[Received]], bool]:
    return lambda received: any(isinstance(e, cls) for e in received[start:])


def _error_for(received: list[Received], start: int, ids: set[str]) -> ErrorEvent | None:
    return next(
        (e for e in received[start:] if isinstance(e, ErrorEvent) and e.error.event_id in ids),
        None,
    )


async def _start_session(client: RealtimeClient, spec: ScenarioSpec, deadline: _Deadline) -> None:
    await client.wait_until(_since(0, SessionCreated), deadline.left(), "session.created")
    start = len(client.received)
    payload = session_update_payload(spec.dialect, spec.settings)
    await client.send(SessionUpdate(event_id=_SESSION_UPDATE_ID, session=payload))
    await client.wait_until(
        lambda r: (
            _since(start, SessionUpdated)(r) or bool(_error_for(r, start, {_SESSION_UPDATE_ID}))
        ),
        deadline.left(),
        "session.updated",
    )
    rejected = _error_for(client.received, start, {_SESSION_UPDATE_ID})
    if rejected is not None:
        raise ProtocolViolation(f"session.update rejected: {rejected.error.describe()}")


async def _stream(
    client: RealtimeClient, prompt: Prompt, options: ScenarioOptions, deadline: _Deadline
) -> None:
    """Send the prompt then trailing silence in ~100 ms chunks, paced in real time by default.

    ``speech_end`` is marked when the audio sent reaches the point where speech stops, so the
    first-audio latency is measured from the end of speech, as a listener would.
    """
    rate = options.settings.rate
    chunks = list(chunk_bytes(prompt.pcm, rate, options.chunk_ms))
    chunks += chunk_bytes(silence(options.trailing_silence_ms, rate), rate, options.chunk_ms)
    speech_end = min(prompt.speech_ends_at, prompt.seconds)
    loop = asyncio.get_running_loop()
    began = loop.time()
    client.protocol.mark("speech_start", client.now(), seconds=round(prompt.seconds, 3))
    sent_s, marked = 0.0, False
    for chunk in chunks:
        await client.send(InputAudioBufferAppend(audio=base64.b64encode(chunk).decode("ascii")))
        sent_s += len(chunk) / (2 * rate)
        if options.pace > 0:
            # Real-time pacing: the server's VAD and our latency figure see speech as spoken.
            pause = began + sent_s / options.pace - loop.time()
            if pause > deadline.left():
                raise SmokeTimeout("streaming the prompt", deadline.seconds)
            if pause > 0:
                await asyncio.sleep(pause)
        if not marked and sent_s >= speech_end - 1e-9:
            client.protocol.mark("speech_end", client.now(), at_s=round(speech_end, 3))
            marked = True
    client.protocol.mark("audio_sent", client.now())


async def _drive_audio(
    client: RealtimeClient,
    spec: ScenarioSpec,
    prompt: Prompt,
    options: ScenarioOptions,
    deadline: _Deadline,
) -> None:
    await _start_session(client, spec, deadline)
    await _stream(client, prompt, options, deadline)
    await client.wait_until(_since(0, ResponseDone), deadline.left(), "response.done")
    if spec.settings.transcription_model:
        # Transcription is asynchronous and may trail the response; allow a short grace.
        grace = min(options.transcription_grace_s, deadline.left())
        with contextlib.suppress(SessionError):
            await client.wait_until(
                lambda r: (
                    _since(0, InputTranscriptionCompleted)(r)
                    or _since(0, InputTranscriptionFailed)(r)
                ),
                grace,
                "the input transcription",
            )


async def _drive_text(
    client: RealtimeClient, spec: ScenarioSpec, text: str, deadline: _Deadline
) -> None:
    await _start_session(client, spec, deadline)
    start = len(client.received)
    await client.send(ConversationItemCreate(event_id=_ITEM_ID, item=text_message_item(text)))
    await client.send(
        ResponseCreate(event_id=_RESPONSE_ID, response=response_create_payload(spec.dialect))
    )
    client.protocol.mark("request_sent", client.now())
    await client.wait_until(
        lambda r: (
            _since(start, ResponseDone)(r) or bool(_error_for(r, start, {_ITEM_ID, _RESPONSE_ID}))
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


async def _run(
    name: str,
    spec: ScenarioSpec,
    opener: Opener,
    options: ScenarioOptions,
    drive: Callable[[RealtimeClient, _Deadline], Awaitable[None]],
) -> ScenarioResult:
    started = time.monotonic()
    protocol = RealtimeProtocol(spec.dialect)

    def clock() -> float:
        return time.monotonic() - started

    deadline = _Deadline(options.timeout_s)
    try:
        client = await opener(protocol, clock)
    except SmokeError as exc:
        check = CheckResult(
            name="connect", passed=False, expected="WebSocket upgrade accepted", observed=str(exc)
        )
        return ScenarioResult(
            name=name,
            spec=spec,
            log=protocol.log,
            checks=[check],
            metrics=scenario_metrics(protocol.log, spec.settings.rate),
            connected=False,
        )
    session = await _drive_and_close(client, deadline, drive)
    log = protocol.log
    connect = CheckResult(
        name="connect",
        passed=True,
        expected="WebSocket upgrade accepted",
        observed=f"connected ({spec.dialect.value})",
    )
    checks = [connect, session, *run_checks(log, spec)]
    audio, _ = output_audio(log)
    return ScenarioResult(
        name=name,
        spec=spec,
        log=log,
        checks=checks,
        metrics=scenario_metrics(log, spec.settings.rate),
        audio=audio,
    )


async def _drive_and_close(
    client: RealtimeClient,
    deadline: _Deadline,
    drive: Callable[[RealtimeClient, _Deadline], Awaitable[None]],
) -> CheckResult:
    expected = "scenario runs to completion"
    failure: str | None = None
    try:
        # The outer bound is a safety net: every inner wait already honours the deadline.
        async with asyncio.timeout(deadline.seconds + 2):
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

    async def drive(client: RealtimeClient, deadline: _Deadline) -> None:
        await _drive_audio(client, spec, prompt, options, deadline)

    return await _run(name, spec, opener, options, drive)


async def text_to_audio(
    opener: Opener, dialect: Dialect, prompt: TextPrompt, options: ScenarioOptions
) -> ScenarioResult:
    """Type ``prompt`` into a new session and check the spoken reply."""
    spec = ScenarioSpec(
        kind="text",
        dialect=dialect,
        settings=options.settings,
        prompt_text=prompt.text,
        expected_words=prompt.expected_words,
    )

    async def drive(client: RealtimeClient, deadline: _Deadline) -> None:
        await _drive_text(client, spec, prompt.text, deadline)

    return await _run("text", spec, opener, options, drive)
