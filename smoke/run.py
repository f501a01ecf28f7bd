"""Run the smoke scenarios against a list of targets, concurrently and bounded.

A :class:`~smoke.targets.Target` is one deployment behind one endpoint with one credential.
:func:`run_smoke` checks every target over every requested transport (at most ``concurrency``
at a time) and returns a :class:`SmokeReport`; a failing deployment is failed checks, never an
exception. Two things do raise, before any session: a target with an unusable endpoint
(:class:`~smoke.errors.UsageError`) and a credential that cannot sign in
(:class:`~smoke.errors.AuthError`, reported once for the run, not once per deployment).

Time: ``SmokeOptions.timeout_s`` bounds a deployment's whole check on one transport, readiness
waits included. With an explicit readiness budget (``wait_explicit``: ``--wait-ready`` or
``[smoke] wait_for_access_seconds``) readiness waits are bounded by that budget instead and do
not eat into the timeout. Every scenario's handshake runs under the readiness policy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from smoke.checks.latency import LatencyGates, check_latency
from smoke.environments import ResolvedEnvironment
from smoke.errors import HandshakeError, SessionError, UsageError
from smoke.options import RunChoices, SmokeOptions, build_options
from smoke.progress import Progress
from smoke.readiness import Readiness, ReadinessPolicy, explain_handshake, open_when_ready
from smoke.realtime.dialects import dialect_warning
from smoke.realtime.protocol import RealtimeProtocol
from smoke.scenarios import (
    Budget,
    Opener,
    ScenarioResult,
    audio_round_trip,
    text_to_audio,
)
from smoke.targets import Target
from smoke.transport import OpenRequest, Transport, opener_for

__all__ = [
    "DeploymentResult",
    "LatencyGates",
    "SmokeOptions",
    "SmokeReport",
    "Target",
    "run_smoke",
    "run_smoke_sync",
    "sign_in",
    "smoke_environment",
]


@dataclass(kw_only=True)
class DeploymentResult:
    """Everything learned about one target over one transport."""

    target: Target
    scenarios: list[ScenarioResult]
    readiness: Readiness
    duration_s: float
    transport: str = "websocket"
    auth_refused: bool = False  # the service refused the credential itself (a key): exit 5
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
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 all passed, 5 a credential was refused, else 1 (the shared exit-code table)."""
        if self.passed:
            return 0
        return 5 if any(r.auth_refused for r in self.results) else 1

    def secrets(self) -> set[str]:
        """Every secret used in this run, for redaction of reports and artifacts."""
        return set().union(*(r.secrets for r in self.results)) if self.results else set()


@dataclass(kw_only=True)
class _Check:
    """The state one deployment's check shares across its scenarios."""

    target: Target
    options: SmokeOptions
    transport: str
    budget: Budget
    readiness: Readiness = field(default_factory=Readiness)
    secrets: set[str] = field(default_factory=set)
    auth_refused: bool = False

    def policy(self) -> ReadinessPolicy:
        base = self.options.readiness.for_auth(self.target.credential.kind)
        if self.options.wait_explicit:
            return base.within(base.budget_s - self.readiness.waited_s)
        return base.within(self.budget.left())

    def opener(self) -> Opener:
        """Open a session under the readiness policy (every scenario, not only the first)."""
        open_transport = opener_for(self.transport)

        async def opener(protocol: RealtimeProtocol, clock: Callable[[], float]) -> Transport:
            request = OpenRequest(
                target=self.target,
                protocol=protocol,
                clock=clock,
                settings=self.options.scenario.settings,
                open_timeout_s=min(self.options.open_timeout_s, max(0.5, self.budget.left())),
                remember_secret=self.secrets.add,
            )
            waited_before = self.readiness.waited_s
            try:
                return await open_when_ready(
                    lambda: open_transport(request), self.policy(), self.readiness
                )
            except HandshakeError as exc:
                raise SessionError(self._refusal(exc)) from None
            finally:
                if self.options.wait_explicit:
                    self.budget.extend(self.readiness.waited_s - waited_before)

        return opener

    def _refusal(self, exc: HandshakeError) -> str:
        kind = self.target.credential.kind
        if kind == "key" and exc.status in (401, 403):
            self.auth_refused = True
        reason = explain_handshake(exc, kind, self.target.deployment)
        if self.readiness.waited_s > 0:
            reason += f"; {self.readiness.summary()}"
        return reason


async def _scenarios(check: _Check) -> list[ScenarioResult]:
    """The audio prompts in order, and the text and tool-call scenarios beside them.

    The follow-up scenarios wait until the first session is open (readiness is settled then:
    they would only repeat its refusals otherwise) and then run while the audio scenarios wait
    for their replies; results keep the order audio…, text, tool call.
    """
    opened = asyncio.Event()
    follow_ups = _follow_ups(check)
    if not follow_ups:
        return await _audio_scenarios(check, opened)
    audio = asyncio.create_task(_audio_scenarios(check, opened))
    waiter = asyncio.create_task(opened.wait())
    try:
        await asyncio.wait({audio, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not opened.is_set():  # the first handshake failed: its reason is recorded
            return await audio
        extra = await asyncio.gather(*follow_ups)
        return [*await audio, *extra]
    finally:
        for task in (audio, waiter):
            task.cancel()  # no-op when done; stops them when this check is cancelled
        for coroutine in follow_ups:
            coroutine.close()  # no-op once run; else never started


async def _audio_scenarios(check: _Check, opened: asyncio.Event) -> list[ScenarioResult]:
    options, dialect = check.options, check.target.dialect
    scenario = replace(options.scenario, transport=check.transport)
    results: list[ScenarioResult] = []
    for index, prompt in enumerate(options.prompts):
        name = "audio" if len(options.prompts) == 1 else f"audio:{prompt.name}"
        results.append(
            await audio_round_trip(
                _signalling(check.opener(), opened), dialect, prompt, scenario, name, check.budget
            )
        )
        if not results[index].connected:
            return results  # the reason is recorded; more attempts would only repeat it
    return results


def _follow_ups(check: _Check) -> list[Coroutine[Any, Any, ScenarioResult]]:
    options, dialect = check.options, check.target.dialect
    scenario = replace(options.scenario, transport=check.transport)
    runs: list[Coroutine[Any, Any, ScenarioResult]] = []
    if options.text_prompt is not None:
        runs.append(
            text_to_audio(check.opener(), dialect, options.text_prompt, scenario, check.budget)
        )
    if options.tool_call:
        from smoke.tool_call import tool_call_round_trip

        runs.append(tool_call_round_trip(check.opener(), dialect, scenario, check.budget))
    return runs


def _signalling(opener: Opener, opened: asyncio.Event) -> Opener:
    """``opener`` that sets ``opened`` once a session is open."""

    async def open_and_signal(protocol: RealtimeProtocol, clock: Callable[[], float]) -> Transport:
        transport = await opener(protocol, clock)
        opened.set()
        return transport

    return open_and_signal


def _gate(results: list[ScenarioResult], gates: LatencyGates) -> None:
    """Add the latency gate checks to every connected scenario."""
    for result in results:
        if gates.active and result.connected:
            result.checks += check_latency(
                gates, result.metrics.first_audio_s, result.metrics.total_s
            )


async def smoke_deployment(
    target: Target, options: SmokeOptions, transport: str = "websocket"
) -> DeploymentResult:
    """Run the scenarios against ``target`` over ``transport`` within ``options.timeout_s``."""
    started = time.monotonic()
    check = _Check(
        target=target, options=options, transport=transport, budget=Budget(options.timeout_s)
    )
    scenarios = await _scenarios(check)
    _gate(scenarios, options.gates)
    return DeploymentResult(
        target=target,
        scenarios=scenarios,
        readiness=check.readiness,
        duration_s=round(time.monotonic() - started, 3),
        transport=transport,
        auth_refused=check.auth_refused,
        secrets=check.secrets,
    )


async def sign_in(targets: Sequence[Target]) -> None:
    """Get each distinct credential's secret once: a sign-in failure is one error for the run."""
    seen: set[int] = set()
    for target in targets:
        if id(target.credential) not in seen:
            seen.add(id(target.credential))
            await target.credential.secret()  # AuthError propagates: exit 5, reported once


def _warnings(targets: Sequence[Target]) -> list[str]:
    dialects = {t.dialect for t in targets}
    return [w for w in (dialect_warning(d) for d in sorted(dialects)) if w]


async def run_smoke(
    targets: Sequence[Target],
    options: SmokeOptions,
    progress: Progress | None = None,
    *,
    signed_in: bool = False,
) -> SmokeReport:
    """Check every target on every transport, at most ``options.concurrency`` at once.

    ``progress`` (optional) hears when each deployment × transport starts and finishes;
    ``signed_in`` skips :func:`sign_in` when the caller already did it.
    """
    if not targets:
        raise UsageError("no deployments to check")
    for target in targets:
        _ = target.url  # a bad endpoint is bad input (UsageError), not a failed check
    for transport in options.transports:
        opener_for(transport)  # an unavailable transport is bad input, before any session
    if not signed_in:
        await sign_in(targets)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    gate = asyncio.Semaphore(max(1, options.concurrency))

    async def bounded(target: Target, transport: str) -> DeploymentResult:
        async with gate:
            if progress is not None:
                progress.started(target, transport)
            result = await smoke_deployment(target, options, transport)
            if progress is not None:
                progress.finished(result)
            return result

    jobs = [bounded(t, kind) for t in targets for kind in options.transports]
    results = await asyncio.gather(*jobs)
    return SmokeReport(
        results=list(results),
        started_at=started_at,
        duration_s=round(time.monotonic() - started, 3),
        warnings=_warnings(targets),
    )


def run_smoke_sync(
    targets: Sequence[Target], options: SmokeOptions, progress: Progress | None = None
) -> SmokeReport:
    """:func:`run_smoke` for synchronous callers (e.g. ``provision up --smoke``)."""
    return asyncio.run(run_smoke(targets, options, progress))


def smoke_environment(
    env: ResolvedEnvironment,
    choices: RunChoices | None = None,
    progress: Progress | None = None,
) -> SmokeReport:
    """Check an opened environment with its ``[smoke]`` defaults (``provision up --smoke``).

    A plain function: no argv, no exit. Raises UsageError (bad ``[smoke]`` prompts) or
    AuthError (sign-in failed) before any session; everything else is in the report.
    """
    options = build_options(choices or RunChoices(), env.defaults)
    return run_smoke_sync(env.targets, options, progress)
