"""Human-readable text for plans, apply results, drift and outputs (stdout), and a rich
progress reporter (stderr)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from provision.changes import Change, Plan
from provision.errors import ApplyError, PreflightError, ProvisionError
from provision.progress import Progress

if TYPE_CHECKING:  # annotations only: importing readiness pulls in smoke and asyncio
    from provision.apply import ApplyResult
    from provision.preflight import PreflightFailure
    from provision.readiness import ReadinessReport

__all__ = [
    "Progress",
    "apply_error_text",
    "destructive_text",
    "down_text",
    "drift_text",
    "error_text",
    "is_interactive",
    "lifecycle_text",
    "outputs_text",
    "plan_text",
    "prefixed",
    "preflight_text",
    "readiness_text",
    "result_text",
    "smoke_text",
    "up_text",
]

_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "no-op": "="}


def change_line(change: Change) -> list[str]:
    """One plan line (symbol, action, resource, reason) plus its field diffs."""
    lines = [f"  {_SYMBOL[change.action]:>3} {change.action:<8}{change.ref}: {change.reason}"]
    lines += [f"          {d}" for d in getattr(change, "diffs", ())]
    return lines


def plan_text(plan: Plan, *, title: str = "Plan") -> str:
    """Every change of ``plan`` with its reason, then the counts."""
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
    """``status``: in sync, or each drifted resource."""
    drift = plan.pending
    if not drift:
        return f"Environment {plan.environment}: in sync ({len(plan.changes)} resources checked)."
    lines = [f"Environment {plan.environment}: {len(drift)} resource(s) drifted:"]
    for change in drift:
        lines += change_line(change)
    return "\n".join(lines)


def result_text(result: ApplyResult | None, plan: Plan) -> str:
    """What an apply did (or that nothing had to change), with its notes."""
    if result is None:
        return f"Environment {plan.environment}: no changes; everything up to date."
    lines = [
        f"Environment {result.environment}: applied {len(result.applied)} change(s) in "
        f"{result.seconds:.1f}s ({result.retries} retried request(s))."
    ]
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)


def up_text(outcome: Any) -> str:
    """``up``'s stdout: what was applied, then one readiness line (each check was already shown
    as progress on stderr), then the smoke verdict when ``--smoke`` ran."""
    text = result_text(outcome.result, outcome.plan)
    if outcome.readiness is not None:
        text += "\n" + readiness_text(outcome.readiness)
    elif outcome.result is not None:
        text += "\n  readiness: not waited for"
    smoke = getattr(outcome, "smoke", None)
    if smoke is not None:
        text += "\n" + smoke_text(smoke)
    return text


def smoke_text(report: Any) -> str:
    """smoke's own console rendering of a ``smoke.run.SmokeReport`` (``up --smoke``)."""
    import io

    from smoke.report import render_console

    buffer = io.StringIO()
    render_console(report, buffer)
    return buffer.getvalue().rstrip("\n")


def down_text(outcome: Any) -> str:
    """``down``'s stdout: what was deleted (the teardown plan was shown before it ran)."""
    if outcome.result is None:
        return f"Environment {outcome.plan.environment}: nothing to delete."
    return result_text(outcome.result, outcome.plan)


def readiness_text(report: ReadinessReport, *, checks: bool = False) -> str:
    """One summary line (plus notes); ``checks=True`` adds one line per check."""
    if report.skipped:
        lines = [f"  readiness: not checked ({report.skipped})"]
    elif report.ok:
        lines = [
            f"  readiness: {len(report.checks)} check(s) ready in {report.seconds:.1f}s "
            f"(timeout {report.timeout_s:g}s)"
        ]
    else:
        lines = [
            f"  readiness: {len(report.failed)} of {len(report.checks)} check(s) NOT ready "
            f"within {report.timeout_s:g}s"
        ]
    if checks:
        lines += [f"    {c.line()}" for c in report.checks]
    lines += [f"  note: {n}" for n in report.notes]
    return "\n".join(lines)


def prefixed(environment: str, text: str, several: bool = True) -> str:
    """Every line of ``text`` prefixed with ``[environment]`` when several environments run."""
    if not several:
        return text
    return "\n".join(f"[{environment}] {line}" for line in text.splitlines())


def destructive_text(plan: Plan) -> str:
    """One line naming every destructive change of ``plan`` and its field changes."""
    parts = []
    for change in plan.destructive:
        diffs = ", ".join(str(d) for d in getattr(change, "diffs", ()))
        parts.append(f"{change.describe()}" + (f" ({diffs})" if diffs else ""))
    return "; ".join(parts)


def error_text(exc: ProvisionError) -> str:
    """How an expected error is shown on stderr."""
    if isinstance(exc, ApplyError):
        return apply_error_text(exc)
    if isinstance(exc, PreflightError):
        return preflight_text(exc.failures)
    return f"error: {exc}"


def preflight_text(failures: list[PreflightFailure]) -> str:
    """Each failed pre-flight check with why and the fix."""
    lines = [f"Pre-flight failed ({len(failures)} problem(s)); nothing was changed:"]
    for f in failures:
        lines += [f"  [{f.check}] {f.what}", f"      why: {f.why}", f"      fix: {f.fix}"]
    return "\n".join(lines)


def apply_error_text(exc: ApplyError) -> str:
    """A failed change, what was and was not applied, and what to do next."""
    lines = [f"error: {exc.change.describe()} failed: {exc.cause}"]
    lines += [f"  applied: {c.describe()}" for c in exc.applied]
    lines += [f"  not attempted: {c.describe()}" for c in exc.pending]
    lines.append(f"  {exc.advice}")
    return "\n".join(lines)


def outputs_text(data: dict[str, Any]) -> str:
    """The table form of ``provision outputs``."""
    from provision.outputs import table_text

    return table_text(data)


def lifecycle_text(warnings: list[Any]) -> str:
    """One ``warning: ...`` line per lifecycle warning (empty when there are none)."""
    from provision.lifecycle import summary_lines

    return "\n".join(summary_lines(warnings))


def is_interactive() -> bool:
    """True when a person can answer a prompt (stdin and stderr are terminals)."""
    return sys.stdin.isatty() and sys.stderr.isatty()
