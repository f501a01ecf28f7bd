"""Run the smoke scenarios against a list of targets, concurrently and bounded.

A :class:`Target` is one deployment behind one endpoint with one credential. :func:`run_smoke`
checks every target (at most ``concurrency`` at a time) and returns a :class:`SmokeReport`; it
never raises for a failing deployment — failures are failed checks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from smoke.auth import Credential
from smoke.client import ConnectSettings, RealtimeClient
from smoke.errors import HandshakeError, SessionError, UsageError
from smoke.prompts import DEFAULT_TEXT_PROMPT, Prompt, TextPrompt
from smoke.readiness import Readiness, ReadinessPolicy, explain_handshake, open_when_ready
from smoke.realtime.dialects import Dialect, auth_header, realtime_url
from smoke.realtime.protocol import RealtimeProtocol
from smoke.scenarios import (
    Opener,
    ScenarioOptions,
    ScenarioResult,
    audio_round_trip,
    text_to_audio,
)

__all__ = [
    "DeploymentResult",
    "SmokeOptions",
    "SmokeReport",
    "Target",
    "run_smoke",
    "run_smoke_sync",
]


@dataclass(frozen=True, kw_only=True)
class Target:
    """One deployment to check: where it is, what it runs, how to authenticate."""

    name: str
    endpoint: str
    deployment: str
    dialect: Dialect
    credential: Credential = field(repr=False)
    model: str | None = None
    ca_path: Path | None = None

    @property
    def url(self) -> str:
        return realtime_url(self.endpoint, self.deployment, self.dialect)


@dataclass(frozen=True, kw_only=True)
class SmokeOptions:
    """What to run against every target."""

    prompts: tuple[Prompt, ...]
    text_prompt: TextPrompt | None = DEFAULT_TEXT_PROMPT
    scenario: ScenarioOptions = field(default_factory=ScenarioOptions)
    readiness: ReadinessPolicy = field(default_factory=ReadinessPolicy)
    concurrency: int = 4
    open_timeout_s: float = 15.0


@dataclass(kw_only=True)
class DeploymentResult:
    """Everything learned about one target."""

    target: Target
    scenarios: list[ScenarioResult]
    readiness: Readiness
    duration_s: float
    secrets: set[str] = field(default_factory=set, repr=False)

    @property
    def passed(self) -> bool:
        return bool(self.scenarios) and all(s.passed for s in self.scenarios)


@dataclass(kw_only=True)
class SmokeReport:
    """The outcome of one ``smoke run``."""

    results: list[DeploymentResult]
    started_at: str
    duration_s: float

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    def secrets(self) -> set[str]:
        """Every secret used in this run, for redaction of reports and artifacts."""
        return set().union(*(r.secrets for r in self.results)) if self.results else set()


def _opener(
    target: Target, options: SmokeOptions, readiness: Readiness, secrets: set[str], first: bool
) -> Opener:
    """Open a session for ``target``; the first one waits for readiness, later ones do not."""

    async def open_once(protocol: RealtimeProtocol, clock: Callable[[], float]) -> RealtimeClient:
        secret = await target.credential.secret()
        secrets.add(secret)
        name, value = auth_header(target.credential.kind, secret)
        settings = ConnectSettings(
            url=target.url,
            headers={name: value},
            ca_path=target.ca_path,
            open_timeout=options.open_timeout_s,
        )
        return await RealtimeClient.connect(settings, protocol, clock)

    async def opener(protocol: RealtimeProtocol, clock: Callable[[], float]) -> RealtimeClient:
        policy = options.readiness if first else ReadinessPolicy(budget_s=0)
        try:
            return await open_when_ready(lambda: open_once(protocol, clock), policy, readiness)
        except HandshakeError as exc:
            reason = explain_handshake(exc, target.credential.kind, target.deployment)
            if readiness.waited_s > 0:
                reason += f"; {readiness.summary()}"
            raise SessionError(reason) from None

    return opener


async def smoke_deployment(target: Target, options: SmokeOptions) -> DeploymentResult:
    """Run the audio round-trip, then (if connected) the text scenario, against ``target``."""
    started = time.monotonic()
    readiness, secrets = Readiness(), set[str]()
    scenarios: list[ScenarioResult] = []
    for index, prompt in enumerate(options.prompts):
        name = "audio" if len(options.prompts) == 1 else f"audio:{prompt.name}"
        opener = _opener(target, options, readiness, secrets, first=index == 0)
        scenarios.append(
            await audio_round_trip(opener, target.dialect, prompt, options.scenario, name=name)
        )
        if not scenarios[0].connected:
            break  # the reason is already recorded; more attempts would only repeat it
    if options.text_prompt is not None and scenarios and scenarios[0].connected:
        scenarios.append(
            await text_to_audio(
                _opener(target, options, readiness, secrets, first=not scenarios),
                target.dialect,
                options.text_prompt,
                options.scenario,
            )
        )
    return DeploymentResult(
        target=target,
        scenarios=scenarios,
        readiness=readiness,
        duration_s=round(time.monotonic() - started, 3),
        secrets=secrets,
    )


async def run_smoke(targets: Sequence[Target], options: SmokeOptions) -> SmokeReport:
    """Check every target, at most ``options.concurrency`` at once, in the given order."""
    if not targets:
        raise UsageError("no deployments to check")
    for target in targets:
        _ = target.url  # a bad endpoint is bad input (UsageError), not a failed check
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    gate = asyncio.Semaphore(max(1, options.concurrency))

    async def bounded(target: Target) -> DeploymentResult:
        async with gate:
            return await smoke_deployment(target, options)

    results = await asyncio.gather(*(bounded(t) for t in targets))
    return SmokeReport(
        results=list(results),
        started_at=started_at,
        duration_s=round(time.monotonic() - started, 3),
    )


def run_smoke_sync(targets: Sequence[Target], options: SmokeOptions) -> SmokeReport:
    """:func:`run_smoke` for synchronous callers (e.g. ``provision up --smoke``)."""
    return asyncio.run(run_smoke(targets, options))
