"""``provision up`` for one environment or several at once (the command's body, not its flags).

Several environments: everything before the first write (load, plan, pre-flight, protection,
confirmation) runs for every environment first, in order; if any fails, nothing is applied.
Then each environment is applied and waited for in its own thread. Progress and result lines
carry an ``[env]`` prefix; ``--json`` prints ``{"environments": [...]}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from provision import engine, hooks, render
from provision.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_NOT_READY,
    EXIT_OK,
    ProvisionError,
    ReadinessError,
    UsageError,
)

# The exit code of a multi-environment run is the most severe of its environments'.
_SEVERITY = (EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_NOT_READY)


@dataclass(frozen=True)
class UpOptions:
    env_dir: Path | None
    principal: str | None
    confirm: Callable[[Any], bool]
    confirm_protected: str | None
    as_json: bool
    run_smoke: bool
    wait: bool
    wait_timeout: float | None


def up_one(env: str | None, env_file: Path | None, opts: UpOptions) -> int:
    """Apply one environment; raises the expected errors for the CLI to render."""
    progress = render.Progress()
    with engine.open_session(env, env_file, opts.env_dir, principal=opts.principal) as session:
        name = session.desired.environment
        progress.step(f"environment {name} on {session.target.kind}")
        allow = _allow(opts.confirm_protected, [name])
        plan = engine.prepare_up(session, confirm=opts.confirm, allow_protected=name in allow)
        outcome = engine.apply_up(session, plan, on_event=progress)
        if opts.wait:
            outcome = engine.wait_ready(
                session,
                outcome,
                timeout=opts.wait_timeout,
                on_check=lambda c: progress.check(name, c),
            )
        _emit(outcome.to_dict(), render.up_text(outcome), opts.as_json)
        if outcome.readiness is not None and not outcome.readiness.ok:
            raise not_ready_error(outcome.readiness)
        if opts.run_smoke:
            return hooks.run_smoke(session)
    return EXIT_OK


def not_ready_error(report: Any) -> ReadinessError:
    first = report.failed[0]
    return ReadinessError(
        f"{report.environment}: applied, but the data plane did not accept "
        f"{len(report.failed)} of {len(report.checks)} deployment/identity check(s) within "
        f"{report.timeout_s:g}s (first: {first.deployment} as {first.identity}: {first.error}); "
        "role assignments can take up to 10 min on Azure: check later with `smoke run`, "
        "or raise --wait-timeout",
        report,
    )


def up_many(entries: list[tuple[str | None, Path | None]], opts: UpOptions) -> int:
    """Apply several environments concurrently; returns the most severe exit code."""
    progress = render.Progress()
    labels = [name or str(path) for name, path in entries]
    dupes = sorted({label for label in labels if labels.count(label) > 1})
    if dupes:
        raise UsageError(f"environment given more than once: {', '.join(dupes)}")
    with ExitStack() as stack:
        prepared, errors = _prepare_all(entries, labels, opts, stack, progress)
        if errors:
            return _report_unapplied(labels, prepared, errors, opts.as_json)
        jobs = [(session, plan) for session, plan in prepared.values()]
        results = engine.up_many(
            jobs,
            wait=opts.wait,
            timeout=opts.wait_timeout,
            on_event=progress,
            on_check=progress.check,
        )
        return _report_applied(jobs, results, opts)


def _prepare_all(
    entries: list[tuple[str | None, Path | None]],
    labels: list[str],
    opts: UpOptions,
    stack: ExitStack,
    progress: render.Progress,
) -> tuple[dict[str, tuple[engine.Session, Any]], dict[str, ProvisionError]]:
    prepared: dict[str, tuple[engine.Session, Any]] = {}
    errors: dict[str, ProvisionError] = {}
    accounts: dict[str, str] = {}
    for (name, path), label in zip(entries, labels, strict=True):
        try:
            session = stack.enter_context(
                engine.open_session(name, path, opts.env_dir, principal=opts.principal)
            )
            env = session.desired.environment
            progress.step(f"[{env}] environment {env} on {session.target.kind}")
            account = session.desired.account_id.lower()
            if account in accounts:
                raise UsageError(
                    f"{env} and {accounts[account]} declare the same account "
                    f"{session.desired.account.name}; apply them one at a time"
                )
            accounts[account] = env
            allowed = opts.confirm_protected == env
            plan = engine.prepare_up(session, confirm=opts.confirm, allow_protected=allowed)
            prepared[label] = (session, plan)
        except ProvisionError as exc:
            errors[label] = exc
    known = [s.desired.environment for s, _ in prepared.values()]
    if opts.confirm_protected and opts.confirm_protected not in known and not errors:
        errors["<command line>"] = UsageError(
            f"--confirm-protected {opts.confirm_protected} names none of the environments given"
        )
    return prepared, errors


def _report_unapplied(
    labels: list[str],
    prepared: dict[str, tuple[engine.Session, Any]],
    errors: dict[str, ProvisionError],
    as_json: bool,
) -> int:
    for label, exc in errors.items():
        click.echo(_prefixed(label, render.error_text(exc)), err=True)
    click.echo(
        f"nothing applied: {len(errors)} of {len(labels)} environment(s) failed before any write",
        err=True,
    )
    if as_json:
        items: list[dict[str, Any]] = []
        for label in labels:
            if label in errors:
                exc = errors[label]
                items.append({"environment": label, "error": str(exc), "exit_code": exc.exit_code})
            else:
                session, plan = prepared[label]
                items.append(
                    {
                        "environment": session.desired.environment,
                        "plan": plan.to_dict(),
                        "apply": None,
                        "skipped": "not applied: another environment failed before any write",
                    }
                )
        click.echo(json.dumps({"environments": items, "applied": False}, indent=2, default=str))
    return _worst(exc.exit_code for exc in errors.values())


def _report_applied(
    jobs: list[tuple[engine.Session, Any]],
    results: list[engine.UpResult | BaseException],
    opts: UpOptions,
) -> int:
    codes: list[int] = []
    items: list[dict[str, Any]] = []
    texts: list[str] = []
    for (session, _), result in zip(jobs, results, strict=True):
        env = session.desired.environment
        if isinstance(result, BaseException):
            if not isinstance(result, ProvisionError):
                raise result  # a bug: let the CLI print the traceback
            click.echo(_prefixed(env, render.error_text(result)), err=True)
            codes.append(result.exit_code)
            items.append({"environment": env, "error": str(result), "exit_code": result.exit_code})
            continue
        code = EXIT_OK
        if result.readiness is not None and not result.readiness.ok:
            error = not_ready_error(result.readiness)
            click.echo(_prefixed(env, f"error: {error}"), err=True)
            code = error.exit_code
        codes.append(code)
        items.append({"environment": env, "exit_code": code, **result.to_dict()})
        texts.append(_prefixed(env, render.up_text(result)))
    if opts.as_json:
        click.echo(json.dumps({"environments": items, "applied": True}, indent=2, default=str))
    else:
        click.echo("\n".join(texts))
    if opts.run_smoke and not any(codes):
        codes += [hooks.run_smoke(session) for session, _ in jobs]
    return _worst(codes)


def _allow(confirm_protected: str | None, names: list[str]) -> list[str]:
    if confirm_protected is None:
        return []
    if confirm_protected not in names:
        raise UsageError(
            f"--confirm-protected must repeat the environment name ({', '.join(names)})"
        )
    return [confirm_protected]


def _emit(data: Any, text: str, as_json: bool) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


def _prefixed(env: str, text: str) -> str:
    return "\n".join(f"[{env}] {line}" for line in text.splitlines())


def _worst(codes: Any) -> int:
    found = [c for c in codes if c]
    for code in _SEVERITY:
        if code in found:
            return code
    return found[0] if found else EXIT_OK
