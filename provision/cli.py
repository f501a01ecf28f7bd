"""The ``provision`` command line: parse, call the library, render, exit with a documented code.

Exit codes: 0 success (plan/status: nothing pending), 1 failure, 2 bad input or usage
(invalid environment file, bad flags, protected environment), 3 changes pending (plan, status),
4 ``up`` applied but the data plane did not accept the granted identities within the timeout.
Results go to stdout (``--json`` for machines); progress and prompts go to stderr.
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from provision.errors import (
    EXIT_CHANGES_PENDING,
    EXIT_FAILURE,
    EXIT_NOT_READY,
    EXIT_OK,
    PreflightError,
    ProvisionError,
    UsageError,
)

EPILOG = """\b
Examples:
  provision validate --env dev
  provision plan --env dev            # exit 3 when changes are pending
  provision up --env local --yes
  provision up --env dev --env staging --yes   # several environments, concurrently
  provision outputs --env local --json
  provision down --env dev --purge --yes
\b
Exit codes: 0 ok, 1 failure, 2 bad input/usage, 3 changes pending (plan, status),
4 applied but not ready (up: the data plane kept refusing within --wait-timeout).
"""


principal_option = click.option(
    "--principal",
    envvar="PROVISION_EMULATOR_PRINCIPAL",
    hidden=True,
    help="Emulator target only: act as this connection.json principal (default deployer).",
)


def env_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--env / --env-file / --env-dir (and the hidden --principal), shared by every command."""
    fn = principal_option(fn)
    fn = click.option(
        "--env-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Directory of environment files (default ./environments).",
    )(fn)
    fn = click.option(
        "--env-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Environment file path (instead of --env).",
    )(fn)
    return click.option(
        "--env", "-e", "env", metavar="NAME", help="Environment name: environments/NAME.toml."
    )(fn)


json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable stdout.")
yes_option = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
protected_option = click.option(
    "--confirm-protected",
    metavar="ENV",
    help="Allow destructive actions on a protected environment (repeat its name).",
)


def handle_errors(fn: Callable[..., int | None]) -> Callable[..., None]:
    """Expected errors: one clear message and the documented exit code; bugs: a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        from provision import render

        try:
            code = fn(*args, **kwargs)
        except ProvisionError as exc:
            click.echo(render.error_text(exc), err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception:
            traceback.print_exc()
            click.echo(
                "internal error: this is a bug in provision; please report it with the "
                "traceback above",
                err=True,
            )
            sys.exit(EXIT_FAILURE)
        sys.exit(code or EXIT_OK)

    return wrapper


def _emit(data: Any, text: str, as_json: bool) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


def _confirmer(yes: bool, question: str) -> Callable[[Any], bool]:
    from provision import render

    def confirm(plan: Any) -> bool:
        if yes:
            return True
        if not render.is_interactive():
            raise UsageError(
                f"not applied: {plan.environment} needs confirmation for "
                f"{render.destructive_text(plan)}; re-run with --yes (no terminal to ask)"
            )
        click.echo(render.plan_text(plan), err=True)
        return click.confirm(question, err=True, default=False)

    return confirm


class _OneLineUsage:
    """Click usage errors as one line (``Error: ... (see 'provision up --help')``), exit 2."""

    def make_context(self, info_name: str | None, args: list[str], *a: Any, **kw: Any) -> Any:
        try:
            return super().make_context(info_name, args, *a, **kw)  # type: ignore[misc]
        except click.UsageError as exc:
            _one_line(exc, info_name)
            raise

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)  # type: ignore[misc]
        except click.UsageError as exc:
            _one_line(exc, None)
            raise


def _one_line(exc: click.UsageError, name: str | None) -> None:
    where = f"provision {name}" if name and name != "provision" else "provision"
    if exc.ctx is not None:
        vars(exc)["message"] = f"{exc.message.rstrip('.')}; see '{where} --help'"
        exc.ctx = None  # without a context, click prints the message alone


class _Command(_OneLineUsage, click.Command):
    pass


class _Group(_OneLineUsage, click.Group):
    command_class = _Command


@click.group(cls=_Group, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="realtime-toolkit", message="%(prog)s %(version)s")
def cli() -> None:
    """Provision Azure OpenAI realtime deployments from environments/<env>.toml."""


@cli.command(epilog=EPILOG)
@env_options
@json_option
@handle_errors
def validate(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    principal: str | None,
    as_json: bool,
) -> int:
    """Check an environment file (no network)."""
    from provision.config import load_environment

    loaded = load_environment(env, env_file, env_dir)
    cfg = loaded.config
    data = {
        "environment": cfg.name,
        "file": str(loaded.path),
        "valid": True,
        "target": cfg.target,
        "deployments": [d.name for d in cfg.deployments],
    }
    _emit(
        data, f"{loaded.path}: valid ({cfg.target}, {len(cfg.deployments)} deployment(s))", as_json
    )
    return EXIT_OK


@cli.command(epilog=EPILOG)
@env_options
@json_option
@handle_errors
def plan(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    principal: str | None,
    as_json: bool,
) -> int:
    """Show every change `up` would make, and why nothing else changes. Exit 3 if pending."""
    from provision import render
    from provision.session import check_preflight, make_plan, open_session

    with open_session(env, env_file, env_dir, principal=principal) as session:
        the_plan, _ = make_plan(session)
        failures = check_preflight(session, the_plan) if the_plan.has_changes else []
    data = {**the_plan.to_dict(), "preflight": [f.to_dict() for f in failures]}
    _emit(data, render.plan_text(the_plan), as_json)
    if failures:
        raise PreflightError(failures)
    return EXIT_CHANGES_PENDING if the_plan.has_changes else EXIT_OK


@cli.command(epilog=EPILOG)
@click.option(
    "--env",
    "-e",
    "envs",
    metavar="NAME",
    multiple=True,
    help="Environment name: environments/NAME.toml. Repeat to apply several concurrently.",
)
@click.option(
    "--env-file",
    "env_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Environment file path (instead of --env); repeatable.",
)
@click.option(
    "--env-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of environment files (default ./environments).",
)
@principal_option
@yes_option
@protected_option
@json_option
@click.option("--smoke", "run_smoke", is_flag=True, help="Run `smoke run` after applying.")
@click.option(
    "--no-wait",
    is_flag=True,
    help="Do not wait for the data plane to accept the granted identities.",
)
@click.option(
    "--wait-timeout",
    type=click.FloatRange(min=0, min_open=True, max=86400),
    metavar="SECONDS",
    help="Readiness wait limit (default: [readiness] timeout_seconds, else 600 on Azure, "
    "60 on the emulator).",
)
@handle_errors
def up(
    envs: tuple[str, ...],
    env_files: tuple[Path, ...],
    env_dir: Path | None,
    principal: str | None,
    yes: bool,
    confirm_protected: str | None,
    as_json: bool,
    run_smoke: bool,
    no_wait: bool,
    wait_timeout: float | None,
) -> int:
    """Converge the environment: pre-flight, apply, then wait until the data plane accepts the
    identities granted realtime roles (exit 4 if it does not within --wait-timeout)."""
    from provision import orchestrate, render

    refs = [orchestrate.EnvRef(name=n) for n in envs]
    refs += [orchestrate.EnvRef(file=f) for f in env_files]
    selection = orchestrate.Selection(tuple(refs), env_dir, principal)
    progress = render.Progress()
    options = orchestrate.UpOptions(
        confirm=_confirmer(yes, "Apply destructive changes?"),
        confirm_protected=confirm_protected,
        wait=not no_wait,
        wait_timeout=wait_timeout,
        smoke=run_smoke,
        on_event=progress,
        on_check=progress.check,
        on_step=progress.step,
    )
    with progress:
        report = orchestrate.up(selection, options)
    return _render_report(report, as_json, many=len(refs) > 1)


def _render_report(report: Any, as_json: bool, *, many: bool) -> int:
    """stdout: the result(s); stderr: each environment's error. Returns the exit code."""
    from provision import orchestrate, render

    if not many:
        outcome = report.environments[0]
        if outcome.result is not None:
            _emit(outcome.result.to_dict(), render.up_text(outcome.result), as_json)
            _render_smoke(outcome.result)
        if outcome.error is not None:
            raise outcome.error
        if outcome.result is not None and outcome.exit_code == EXIT_NOT_READY:
            raise orchestrate.not_ready_error(outcome.result.readiness)
        return int(outcome.exit_code)
    texts = []
    for o in report.environments:
        if o.error is not None:
            click.echo(_prefixed(o.environment, render.error_text(o.error)), err=True)
        elif o.result is not None and o.exit_code == EXIT_NOT_READY:
            error = orchestrate.not_ready_error(o.result.readiness)
            click.echo(_prefixed(o.environment, f"error: {error}"), err=True)
        if o.result is not None and report.applied:
            texts.append(_prefixed(o.environment, render.up_text(o.result)))
    if not report.applied:
        failed = sum(1 for o in report.environments if o.error is not None)
        click.echo(
            f"nothing applied: {failed} of {len(report.environments)} environment(s) failed "
            "before any write",
            err=True,
        )
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, default=str))
    elif texts:
        click.echo("\n".join(texts))
    for o in report.environments:
        if o.result is not None:
            _render_smoke(o.result)
    return int(report.exit_code)


def _render_smoke(result: Any) -> None:
    if result.smoke is None:
        return
    from smoke.report import render_console

    render_console(result.smoke, sys.stderr)


def _prefixed(env: str, text: str) -> str:
    return "\n".join(f"[{env}] {line}" for line in text.splitlines())


@cli.command(epilog=EPILOG)
@env_options
@json_option
@handle_errors
def status(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    principal: str | None,
    as_json: bool,
) -> int:
    """Report drift between the environment file and the cloud. Exit 3 on drift."""
    from provision import render
    from provision.session import make_plan, open_session

    with open_session(env, env_file, env_dir, principal=principal) as session:
        the_plan, _ = make_plan(session)
    drift = [c.to_dict() for c in the_plan.pending]
    data = {"environment": the_plan.environment, "in_sync": not drift, "drift": drift}
    _emit(data, render.drift_text(the_plan), as_json)
    return EXIT_CHANGES_PENDING if drift else EXIT_OK


@cli.command(epilog=EPILOG)
@env_options
@json_option
@handle_errors
def outputs(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    principal: str | None,
    as_json: bool,
) -> int:
    """Endpoint, deployments, realtime URL and dialect per deployment."""
    from provision import render
    from provision.session import build_outputs, open_session

    with open_session(env, env_file, env_dir, principal=principal) as session:
        data = build_outputs(session)
    _emit(data, render.outputs_text(data), as_json)
    return EXIT_OK if data["provisioned"] else EXIT_FAILURE


@cli.command(epilog=EPILOG)
@env_options
@click.option("--purge", is_flag=True, help="Purge the soft-deleted account (frees the name).")
@yes_option
@protected_option
@json_option
@handle_errors
def down(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    principal: str | None,
    purge: bool,
    yes: bool,
    confirm_protected: str | None,
    as_json: bool,
) -> int:
    """Delete what this environment owns; foreign resources are never touched."""
    from provision import orchestrate, render

    selection = orchestrate.Selection((orchestrate.EnvRef(env, env_file),), env_dir, principal)
    progress = render.Progress()
    options = orchestrate.DownOptions(
        purge=purge,
        confirm=_confirmer(yes, "Delete these resources?"),
        confirm_protected=confirm_protected,
        on_event=progress,
        on_step=progress.step,
    )
    with progress:
        report = orchestrate.down(selection, options)
    outcome = report.environments[0]
    if outcome.error is not None:
        raise outcome.error
    result = outcome.result
    assert result is not None  # an outcome carries a result or an error
    text = (
        render.plan_text(result.plan, title="Teardown")
        + "\n"
        + render.result_text(result.result, result.plan)
    )
    _emit(result.to_dict(), text, as_json)
    return EXIT_OK


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="provision")
