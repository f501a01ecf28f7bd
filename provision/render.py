"""Human-readable text for plans, apply results, drift and outputs (stdout), and a rich
progress reporter (stderr)."""

from __future__ import annotations

import sys
from typing import Any

from provision.apply import ApplyResult, Event
from provision.changes import Change, Plan
from provision.errors import ApplyError
from provision.preflight import PreflightFailure

_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "no-op": "="}


def change_line(change: Change) -> list[str]:
    lines = [f"  {_SYMBOL[change.action]:>3} {change.action:<8}{change.ref}: {change.reason}"]
    lines += [f"          {d}" for d in getattr(change, "diffs", ())]
    return lines


def plan_text(plan: Plan, *, title: str = "Plan") -> str:
    lines = [f"{title} for environment {plan.environment}:"]
    for change in plan.changes:
        lines += change_line(change)
    s = plan.summary()
    lines.append(
        f"{s['create']} to create, {s['update']} to update, {s['replace']} to replace, "
        f"{s['delete']} to delete, {s['no-op']} unchanged."
    )
    if not plan.has_changes:
        lines.append("Everything up to date.")
    return "\n".join(lines)


def drift_text(plan: Plan) -> str:
    drift = plan.pending
    if not drift:
        return f"Environment {plan.environment}: in sync ({len(plan.changes)} resources checked)."
    lines = [f"Environment {plan.environment}: {len(drift)} resource(s) drifted:"]
    for change in drift:
        lines += change_line(change)
    return "\n".join(lines)


def result_text(result: ApplyResult | None, plan: Plan) -> str:
    if result is None:
        return f"Environment {plan.environment}: no changes; everything up to date."
    lines = [
        f"Environment {result.environment}: applied {len(result.applied)} change(s) in "
        f"{result.seconds:.1f}s ({result.retries} retried request(s))."
    ]
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)


def preflight_text(failures: list[PreflightFailure]) -> str:
    lines = [f"Pre-flight failed ({len(failures)} problem(s)); nothing was changed:"]
    for f in failures:
        lines += [f"  [{f.check}] {f.what}", f"      why: {f.why}", f"      fix: {f.fix}"]
    return "\n".join(lines)


def apply_error_text(exc: ApplyError) -> str:
    lines = [f"error: {exc.change.describe()} failed: {exc.cause}"]
    lines += [f"  applied: {c.describe()}" for c in exc.applied]
    lines += [f"  not attempted: {c.describe()}" for c in exc.pending]
    lines.append("  re-run `provision up` to converge from here")
    return "\n".join(lines)


def outputs_text(data: dict[str, Any]) -> str:
    lines = [
        f"environment: {data['environment']} ({data['target']})",
        f"account:     {data['account']} in {data['resource_group']} ({data['location']})",
        f"endpoint:    {data['endpoint'] or '(not provisioned)'}",
        "deployments:",
    ]
    for d in data["deployments"]:
        url = d["realtime_url"] or "(not provisioned)"
        lines.append(f"  {d['name']:<32} {d['dialect']:<8} {url}")
    return "\n".join(lines)


class Progress:
    """Prints apply events to stderr with rich (plain text when stderr is not a terminal)."""

    def __init__(self, quiet: bool = False) -> None:
        from rich.console import Console

        self.quiet = quiet
        self.console = Console(stderr=True, highlight=False, soft_wrap=True)

    def step(self, message: str) -> None:
        if not self.quiet:
            from rich.markup import escape

            self.console.print(f"[dim]»[/dim] {escape(message)}", markup=True)

    def __call__(self, event: Event) -> None:
        if self.quiet:
            return
        style = {"start": "cyan", "done": "green", "retry": "yellow", "wait": "dim", "note": "dim"}
        label = {"start": "…", "done": "✓", "retry": "↻", "wait": "⋯", "note": "i"}[event.phase]
        detail = f" ({event.detail})" if event.detail else ""
        from rich.markup import escape

        color = style[event.phase]
        text = escape(f"[{event.environment}] {event.change.describe()}{detail}")
        self.console.print(f"[{color}]{label}[/{color}] {text}", markup=True)


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()
