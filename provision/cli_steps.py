"""The steps ``provision``'s commands share between parsing and exiting: confirmation, showing
the plan, lifecycle warnings, outputs with the local endpoint's lifetime, and rendering an
``up``/``down`` report. Kept out of ``cli.py`` so that module stays a list of commands; imports
are function-local so that ``provision --help`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from provision.errors import UsageError


@contextmanager
def opened(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    principal: str | None,
    subscription: str | None,
    as_json: bool,
) -> Iterator[Any]:
    """The read commands' session, with progress while it opens: a spinner at a terminal and
    the target's steps (``starting local emulator…``) as lines on stderr."""
    from provision.progress import Progress
    from provision.session import open_session

    label = f"opening environment {env or env_file or ''} and reading its state…"
    with (
        Progress(plain=as_json) as progress,
        progress.activity(label),
        open_session(
            env,
            env_file,
            env_dir,
            principal=principal,
            subscription=subscription,
            on_step=progress.step,
        ) as session,
    ):
        yield session
        _report_retries(session, progress)


def _report_retries(session: Any, progress: Any) -> None:
    """Say how many requests were retried (throttling, conflicts, 5xx), if any were."""
    stats = getattr(session.backend, "stats", None)
    total = getattr(stats, "total", 0)
    if stats is not None and total:
        reasons = ", ".join(f"{r} x{n}" for r, n in sorted(stats.by_reason.items()))
        progress.step(f"retried {total} request(s): {reasons}")


def confirmer(yes: bool, question: str) -> Callable[[Any], bool]:
    """Asks (stderr) before destructive changes; the plan itself was already shown."""
    from provision import render

    def confirm(plan: Any) -> bool:
        if yes:
            return True
        if not render.is_interactive():
            raise UsageError(
                f"not applied: {plan.environment} needs confirmation for "
                f"{render.destructive_text(plan)}; re-run with --yes (no terminal to ask)"
            )
        return click.confirm(question, err=True, default=False)

    return confirm


def show_plan(title: str) -> Callable[[str, Any], None]:
    """The ``on_plan`` hook: the plan on stderr before anything is applied (``--yes`` too)."""
    from provision import render

    def show(environment: str, plan: Any) -> None:
        click.echo(render.plan_text(plan, title=title), err=True)

    return show


@contextmanager
def catalog_alongside(session: Any) -> Iterator[Callable[[list[Any]], list[Any]]]:
    """Start reading the model catalog (for lifecycle warnings) while the caller reads the
    facts; yields ``warnings_for(deployed)``. A catalog that cannot be read is a warning on
    stderr, not a failure (sign-in failures still fail)."""
    from concurrent.futures import ThreadPoolExecutor

    from provision import lifecycle
    from provision.errors import AuthError, AzureApiError

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog") as pool:
        future = pool.submit(lifecycle.read_catalog, session)

        def warnings_for(deployed: list[Any]) -> list[Any]:
            try:
                catalog = future.result()
            except AuthError:
                raise
            except AzureApiError as exc:
                click.echo(f"warning: lifecycle not checked: model catalog: {exc}", err=True)
                catalog = []
            return lifecycle.check_session(session, deployed, catalog=catalog)

        yield warnings_for


def lifecycle_exit(warnings: list[Any], strict: bool) -> int | None:
    """Exit 6 under --strict-lifecycle when there are warnings (they were already printed)."""
    if strict and warnings:
        from provision.lifecycle import LifecycleError

        error = LifecycleError(warnings)
        click.echo(f"error: {error}", err=True)
        return error.exit_code
    return None


def outputs_of(session: Any) -> dict[str, Any]:
    """``outputs.build`` for the session, with the emulator endpoint's lifetime (one read)."""
    from provision import facts, lifecycle, outputs
    from provision.targets import emulator_state_dir

    actual = facts.gather(session.backend, session.desired)
    local = None
    if session.target.kind == "emulator":
        state = emulator_state_dir(session.loaded)
        ca = str(session.target.ca_bundle) if session.target.ca_bundle else None
        local = outputs.local_endpoint(session.target.started_emulator, shown_path(state), ca)
    dialect = lifecycle.smoke_dialect_of(session.loaded.config)
    return outputs.build(session.desired, actual, dialect=dialect, local=local)


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter to type)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def report_outcomes(report: Any, as_json: bool, text_of: Callable[[Any], str], command: str) -> int:
    """Errors on stderr (one block per environment), results once on stdout; when an
    environment failed before any write, stderr says that nothing was applied."""
    from provision import render
    from provision.cli_support import emit
    from provision.documents import FORMAT_VERSION

    several = len(report.environments) > 1
    texts = []
    for outcome in report.environments:
        label = outcome.environment
        error = outcome.error or _not_ready(outcome)
        if error is not None:
            click.echo(render.prefixed(label, render.error_text(error), several), err=True)
        if outcome.skipped:
            click.echo(render.prefixed(label, outcome.skipped, several), err=True)
        elif outcome.result is not None:
            texts.append(render.prefixed(label, text_of(outcome.result), several))
    if not report.applied and several:
        failed = sum(1 for o in report.environments if o.error is not None)
        click.echo(
            f"nothing applied: {failed} of {len(report.environments)} environment(s) failed "
            "before any write",
            err=True,
        )
    if as_json:
        doc = {"format_version": FORMAT_VERSION, "command": command, **report.to_dict()}
        _add_smoke_reports(doc, report)
        emit(doc, "", True)
    elif texts:
        click.echo("\n".join(texts))
    return int(report.exit_code)


def _add_smoke_reports(doc: dict[str, Any], report: Any) -> None:
    """``up --smoke --json``: each environment's smoke report (smoke-report.schema.json)."""
    for item, outcome in zip(doc["environments"], report.environments, strict=False):
        smoke = getattr(outcome.result, "smoke", None) if outcome.result else None
        if smoke is not None:
            from smoke.report import to_json

            item["smoke"] = to_json(smoke)


def _not_ready(outcome: Any) -> Any:
    """The exit-4 error of an environment whose readiness wait ran out (None otherwise)."""
    readiness = getattr(outcome.result, "readiness", None) if outcome.result else None
    if readiness is None or readiness.ok or readiness.skipped:
        return None
    from provision.orchestrate import not_ready_error

    return not_ready_error(readiness)
