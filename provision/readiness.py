"""After ``up``: wait until the data plane really accepts the identities the environment granted.

A role assignment takes minutes to become effective and a fresh deployment can answer 404 for a
while (arm-api.md §8). For every deployment and every identity we can act as, open a realtime
WebSocket (GA or preview dialect per model, through ``smoke``'s client), wait for
``session.created`` and close; 401/403 (role not effective yet) and 404 (deployment not visible
yet) are retried with bounded backoff until the wait timeout.

Which identities: on the emulator, every principal of a realtime role assignment that
connection.json names (``emulator:<name>``, ``self``, or a GUID it knows); on Azure only
``self`` (``DefaultAzureCredential``): other principals cannot be impersonated, and the report
says so. The choice is pure (``plan_checks``); only ``wait`` does I/O.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provision.apply import ApplyResult
from provision.changes import Plan
from provision.model import DesiredState
from provision.resolve import BUILTIN_ROLES

# Built-in roles whose data actions include .../OpenAI/deployments/realtime/action.
REALTIME_ROLES = frozenset(
    BUILTIN_ROLES[name]
    for name in (
        "cognitive services user",
        "cognitive services openai user",
        "cognitive services openai contributor",
    )
)
_DATA_PLANE_KINDS = ("deployment", "role_assignment", "account")
WHY = {
    401: "role not effective yet",
    403: "role not effective yet",
    404: "deployment not visible yet",
}
_WRITES = ("create", "update", "replace")


@dataclass(frozen=True)
class Identity:
    """An identity to prove access with: ``label`` for reports, ``principal`` to build a
    credential (emulator principal name, or ``None`` for ``DefaultAzureCredential``)."""

    label: str
    principal_id: str
    principal: str | None = None


@dataclass(frozen=True)
class Probe:
    """One (deployment, identity) pair to check."""

    deployment: str
    model: str
    identity: Identity


@dataclass(frozen=True)
class CheckResult:
    """How one probe ended: ready or not, after how long and which refusals."""

    deployment: str
    identity: str
    dialect: str
    ready: bool
    waited_s: float
    refusals: tuple[tuple[int, str], ...] = ()  # (HTTP status, server code/message)
    summary: str = ""
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "identity": self.identity,
            "dialect": self.dialect,
            "ready": self.ready,
            "waited_s": round(self.waited_s, 3),
            "refusals": [{"status": s, "detail": d} for s, d in self.refusals],
            "summary": self.summary,
            "error": self.error,
        }

    def line(self) -> str:
        """E.g. ``gpt-realtime as emulator:app (ga): ready after 2.0s (refused: 401 x2 ...)``."""
        state = "ready" if self.ready else "NOT ready"
        why = f"; {self.error}" if self.error else ""
        return (
            f"{self.deployment} as {self.identity} ({self.dialect}): {state} after "
            f"{self.waited_s:.1f}s ({self.summary}){why}"
        )


@dataclass(frozen=True)
class ReadinessReport:
    """Every check of one environment; ``skipped`` says why nothing was checked."""

    environment: str
    timeout_s: float
    checks: tuple[CheckResult, ...] = ()
    notes: tuple[str, ...] = ()
    skipped: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.ready for c in self.checks)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.ready)

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "ready": self.ok if self.skipped is None else None,
            "timeout_s": self.timeout_s,
            "seconds": round(self.seconds, 3),
            "skipped": self.skipped,
            "checks": [c.to_dict() for c in self.checks],
            "notes": list(self.notes),
        }


def needs_wait(result: ApplyResult | None) -> bool:
    """True when ``up`` wrote something the data plane must catch up with."""
    if result is None:
        return False
    return any(c.ref.kind in _DATA_PLANE_KINDS and c.action in _WRITES for c in result.applied)


def needs_plan_wait(plan: Plan) -> bool:
    """True when applying ``plan`` writes something the data plane must catch up with."""
    return any(c.ref.kind in _DATA_PLANE_KINDS and c.action in _WRITES for c in plan.pending)


def plan_checks(
    desired: DesiredState,
    *,
    target: str,
    self_principal: str | None,
    known: dict[str, str],
) -> tuple[list[Probe], list[str]]:
    """The probes to run and notes on what cannot be checked (pure).

    ``known`` maps object ids to emulator principal names (empty on Azure);
    ``self_principal`` is the emulator principal acting as ``self``.
    """
    identities: dict[str, Identity] = {}
    notes: list[str] = []
    for ra in desired.role_assignments:
        if ra.role_definition_guid not in REALTIME_ROLES:
            notes.append(
                f"{ra.principal} ({ra.role_name}): not a built-in realtime role; not checked"
            )
            continue
        ident = _identity(ra.principal, ra.principal_id, target, self_principal, known)
        if ident is None:
            notes.append(
                f"{ra.principal}: cannot act as this principal from here; its access was not "
                "verified (role assignments take up to 10 min on Azure; `smoke run` as that "
                "identity waits for it)"
            )
        elif ident.principal_id not in identities:
            identities[ident.principal_id] = ident
    if target != "emulator":
        notes.append("on Azure only the signed-in identity (self) can be checked")
    probes = [
        Probe(d.name, d.model, ident) for d in desired.deployments for ident in identities.values()
    ]
    return probes, notes


def _identity(
    ref: str, object_id: str, target: str, self_principal: str | None, known: dict[str, str]
) -> Identity | None:
    if ref == "self":
        label = f"self (emulator:{self_principal})" if target == "emulator" else "self"
        return Identity(label, object_id, self_principal)
    if target == "emulator" and object_id.lower() in known:
        name = known[object_id.lower()]
        return Identity(
            ref if ref.startswith("emulator:") else f"{ref} (emulator:{name})", object_id, name
        )
    return None


def summarize(refusals: tuple[tuple[int, str], ...]) -> str:
    """``accepted at first attempt``, or e.g. ``refused 3x: 401 PermissionDenied (role not
    effective yet) x2, 404 DeploymentNotFound (deployment not visible yet) x1``."""
    if not refusals:
        return "accepted at first attempt"
    counts: dict[str, int] = {}
    for status, detail in refusals:
        label = _label(status, detail)
        counts[label] = counts.get(label, 0) + 1
    parts = ", ".join(f"{label} x{n}" for label, n in counts.items())
    return f"refused {len(refusals)}x: {parts}"


def _label(status: int, detail: str) -> str:
    """``401 PermissionDenied (role not effective yet)``: status, server code, meaning."""
    code = detail.split(":", 1)[0].strip() if detail else ""
    label = f"{status} {code}" if code and code != str(status) and " " not in code else str(status)
    return f"{label} ({WHY[status]})" if status in WHY else label


@dataclass(frozen=True)
class Policy:
    """Backoff for refused handshakes; the emulator answers fast, so it starts shorter."""

    timeout_s: float
    first_delay_s: float = 1.0
    max_delay_s: float = 15.0
    open_timeout_s: float = 15.0
    session_timeout_s: float = 15.0
    concurrency: int = 8


@dataclass
class _Context:
    endpoint: str
    ca_path: Path | None
    credentials: dict[str | None, Any] = field(default_factory=dict)
    on_wait: Callable[[str, str, str], None] | None = None  # deployment, identity, reason
    on_start: Callable[[str, str], None] | None = None  # deployment, identity


def wait(
    desired: DesiredState,
    target: Any,
    endpoint: str | None,
    policy: Policy,
    *,
    on_check: Callable[[CheckResult], None] | None = None,
    on_wait: Callable[[str, str, str], None] | None = None,
    on_start: Callable[[str, str], None] | None = None,
) -> ReadinessReport:
    """Run every probe concurrently until ready or ``policy.timeout_s``; never raises for a
    refusal (the report says what happened)."""
    started = time.monotonic()
    known = (
        {p.object_id.lower(): name for name, p in target.connection.principals.items()}
        if target.kind == "emulator"
        else {}
    )
    probes, notes = plan_checks(
        desired, target=target.kind, self_principal=target.principal, known=known
    )
    skipped = None
    if not desired.deployments:
        skipped = "no deployments declared"
    elif not probes:
        skipped = "no identity this tool can act as holds a realtime role"
    elif endpoint is None:
        skipped = "the account has no endpoint yet"
    if skipped is not None:
        return ReadinessReport(desired.environment, policy.timeout_s, (), tuple(notes), skipped)
    assert endpoint is not None  # skipped above otherwise
    ctx = _Context(endpoint, target.ca_bundle, on_wait=on_wait, on_start=on_start)
    for probe in probes:
        if probe.identity.principal not in ctx.credentials:
            ctx.credentials[probe.identity.principal] = _credential(target, probe.identity)
    checks = asyncio.run(_run_all(probes, ctx, policy, on_check))
    return ReadinessReport(
        desired.environment,
        policy.timeout_s,
        tuple(checks),
        tuple(notes),
        None,
        time.monotonic() - started,
    )


def _credential(target: Any, identity: Identity) -> Any:
    from smoke.auth import EntraCredential, default_entra

    if target.kind != "emulator":
        return default_entra()
    return EntraCredential(
        target.data_plane_credential(identity.principal), f"emulator principal {identity.label}"
    )


async def _run_all(
    probes: list[Probe],
    ctx: _Context,
    policy: Policy,
    on_check: Callable[[CheckResult], None] | None,
) -> list[CheckResult]:
    gate = asyncio.Semaphore(policy.concurrency)

    async def one(probe: Probe) -> CheckResult:
        async with gate:
            result = await _check(probe, ctx, policy)
        if on_check is not None:
            on_check(result)
        return result

    return list(await asyncio.gather(*(one(p) for p in probes)))


async def _check(probe: Probe, ctx: _Context, policy: Policy) -> CheckResult:
    from smoke.errors import HandshakeError, SmokeError
    from smoke.readiness import Readiness, ReadinessPolicy, explain_handshake, open_when_ready
    from smoke.realtime.dialects import choose_dialect, realtime_url

    dialect = choose_dialect(probe.model)
    credential = ctx.credentials[probe.identity.principal]
    record = Readiness()
    schedule = ReadinessPolicy(
        budget_s=policy.timeout_s,
        first_delay_s=policy.first_delay_s,
        max_delay_s=policy.max_delay_s,
    )
    started = time.monotonic()
    error = None
    label = probe.identity.label
    if ctx.on_start is not None:
        ctx.on_start(probe.deployment, label)

    async def backoff(seconds: float) -> None:
        if ctx.on_wait is not None and record.attempts:
            last = record.attempts[-1]
            reason = f"{_label(last.status, last.detail)}; retry in {seconds:.1f}s"
            ctx.on_wait(probe.deployment, label, reason)
        await asyncio.sleep(seconds)

    try:
        url = realtime_url(ctx.endpoint, probe.deployment, dialect)  # UsageError if malformed
        await open_when_ready(
            lambda: _handshake(url, dialect, credential, ctx, policy),
            schedule,
            record,
            sleep=backoff,
        )
    except HandshakeError as exc:
        if exc.status in WHY:  # still refused when the budget ran out
            error = f"still refused: {_label(exc.status, exc.detail)}"
        else:
            error = explain_handshake(exc, "entra", probe.deployment)
    except SmokeError as exc:
        error = str(exc)
    return CheckResult(
        deployment=probe.deployment,
        identity=probe.identity.label,
        dialect=str(dialect),
        ready=error is None,
        waited_s=time.monotonic() - started,
        refusals=tuple((a.status, a.detail) for a in record.attempts),
        summary=summarize(tuple((a.status, a.detail) for a in record.attempts)),
        error=error,
    )


async def _handshake(
    url: str, dialect: Any, credential: Any, ctx: _Context, policy: Policy
) -> None:
    """Open the socket, wait for ``session.created``, close. No audio is sent."""
    from smoke.client import ConnectSettings, RealtimeClient
    from smoke.realtime.dialects import auth_header
    from smoke.realtime.events import SessionCreated
    from smoke.realtime.protocol import RealtimeProtocol

    name, value = auth_header("entra", await credential.secret())
    settings = ConnectSettings(
        url=url, headers={name: value}, ca_path=ctx.ca_path, open_timeout=policy.open_timeout_s
    )
    client = await RealtimeClient.connect(settings, RealtimeProtocol(dialect), time.monotonic)
    try:
        await client.wait_until(
            lambda got: any(isinstance(e, SessionCreated) for e in got),
            policy.session_timeout_s,
            "session.created",
        )
    finally:
        await client.close()
