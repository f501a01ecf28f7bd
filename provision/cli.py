"""The ``provision`` command line: parse, call the library, render, exit with a documented code.

Exit codes (one table for provision, smoke and the emulator; README "Exit codes"): 0 success
(plan/status: nothing pending), 1 failure, 2 bad input, 3 changes pending, 4 applied but not
ready, 5 authentication, 6 lifecycle (``--strict-lifecycle``), 7 internal error, 130
interrupted. Results go to stdout once (``--json``: one JSON document, errors included);
progress, warnings and prompts go to stderr. Shared options and error handling live in
``provision.cli_support``; each command body is parse -> call -> render -> exit code.
"""

from __future__ import annotations

from pathlib import Path

import click

from provision import cli_steps as steps
from provision.cli_support import (
    ENVIRONMENT_HELP,
    Group,
    SafePath,
    common_options,
    emit,
    env_dir_option,
    env_options,
    examples,
    handle_errors,
    json_option,
    protected_option,
    strict_lifecycle_option,
    warn,
    yes_option,
)
from provision.errors import EXIT_CHANGES_PENDING, EXIT_FAILURE, EXIT_OK, UsageError
from provision.version import VERSION


@click.group(
    cls=Group, epilog=ENVIRONMENT_HELP, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(VERSION, "--version", message="provision %(version)s")
def cli() -> None:
    """Provision Azure OpenAI realtime deployments from environments/<env>.toml."""


# --------------------------------------------------------------------------- validate


@cli.command(epilog=examples("validate"))
@env_options
@json_option
@handle_errors
def validate(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    subscription: str | None,
    debug: bool,
    principal: str | None,
    as_json: bool,
) -> int:
    """Check an environment file (no network)."""
    from provision.config import config_warnings, load_environment, with_subscription
    from provision.documents import validate_document

    loaded = with_subscription(load_environment(env, env_file, env_dir), subscription)
    warnings = config_warnings(loaded)
    cfg = loaded.config
    text = f"{loaded.path}: valid ({cfg.target}, {len(cfg.deployments)} deployment(s))"
    emit(validate_document(loaded, warnings), text, as_json)
    warn("\n".join(f"warning: {w}" for w in warnings))
    return EXIT_OK


# --------------------------------------------------------------------------- plan / status


@cli.command(epilog=examples("plan"))
@env_options
@strict_lifecycle_option
@json_option
@handle_errors
def plan(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    subscription: str | None,
    debug: bool,
    principal: str | None,
    strict_lifecycle: bool,
    as_json: bool,
) -> int:
    """Show every change `up` would make, and why nothing else changes. Exit 3 if pending."""
    from provision import lifecycle, render
    from provision.documents import plan_document
    from provision.session import check_preflight, make_plan

    with (
        steps.opened(env, env_file, env_dir, principal, subscription, as_json) as session,
        steps.catalog_alongside(session) as lifecycle_of,
    ):
        the_plan, _ = make_plan(session)
        failures = check_preflight(session, the_plan) if the_plan.has_changes else []
        warnings = lifecycle_of(lifecycle.planned_models(session.desired))
    emit(plan_document(the_plan, failures, warnings), render.plan_text(the_plan), as_json)
    warn(render.lifecycle_text(warnings))
    if failures:
        click.echo(render.preflight_text(failures), err=True)
        return EXIT_FAILURE
    strict = steps.lifecycle_exit(warnings, strict_lifecycle)
    if strict is not None:
        return strict
    return EXIT_CHANGES_PENDING if the_plan.has_changes else EXIT_OK


@cli.command(epilog=examples("status"))
@env_options
@strict_lifecycle_option
@json_option
@handle_errors
def status(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    subscription: str | None,
    debug: bool,
    principal: str | None,
    strict_lifecycle: bool,
    as_json: bool,
) -> int:
    """Report drift between the environment file and the cloud. Exit 3 on drift."""
    from provision import lifecycle, render
    from provision.documents import status_document
    from provision.session import make_plan

    with (
        steps.opened(env, env_file, env_dir, principal, subscription, as_json) as session,
        steps.catalog_alongside(session) as lifecycle_of,
    ):
        the_plan, actual = make_plan(session)
        warnings = lifecycle_of(lifecycle.deployed_models(actual, session.desired))
    emit(status_document(the_plan, warnings), render.drift_text(the_plan), as_json)
    warn(render.lifecycle_text(warnings))
    strict = steps.lifecycle_exit(warnings, strict_lifecycle)
    if strict is not None:
        return strict
    return EXIT_CHANGES_PENDING if the_plan.pending else EXIT_OK


# --------------------------------------------------------------------------- outputs / models


@cli.command(
    epilog=examples("outputs"), short_help="Endpoint and realtime URLs for apps (json/env)."
)
@env_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "env", "table"]),
    help="json (docs/schemas/outputs.schema.json), env (a .env file; never keys) or table "
    "(default).",
)
@click.option(
    "--raw", metavar="KEY", help="Print one value, e.g. AZURE_OPENAI_ENDPOINT or endpoint."
)
@json_option
@handle_errors
def outputs(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    subscription: str | None,
    debug: bool,
    principal: str | None,
    fmt: str | None,
    raw: str | None,
    as_json: bool,
) -> int:
    """Endpoint, deployments, realtime URL and dialect per deployment, for apps to read."""
    from provision import outputs as out

    if as_json and fmt not in (None, "json"):
        raise UsageError(f"--json and --format {fmt} disagree; use one of them")
    with steps.opened(env, env_file, env_dir, principal, subscription, as_json) as session:
        data = steps.outputs_of(session)
    if raw is not None:
        click.echo(out.raw_value(data, raw))
    else:
        click.echo(out.render(data, "json" if as_json else fmt or "table"))
    return EXIT_OK if data["provisioned"] else EXIT_FAILURE


@cli.command(epilog=examples("models"), short_help="Realtime models and free quota in the region.")
@env_options
@json_option
@handle_errors
def models(
    env: str | None,
    env_file: Path | None,
    env_dir: Path | None,
    subscription: str | None,
    debug: bool,
    principal: str | None,
    as_json: bool,
) -> int:
    """Realtime models, versions, SKUs and free quota in the environment's region."""
    from provision import models_command

    with steps.opened(env, env_file, env_dir, principal, subscription, as_json) as session:
        doc = models_command.read(session)
    emit(doc, models_command.models_text(doc), as_json)
    return EXIT_OK


# --------------------------------------------------------------------------- up / down


@cli.command(
    epilog=examples("up"), short_help="Apply the plan, then wait until the data plane is ready."
)
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
    type=SafePath("--env-file", dir_okay=False),
    help="Environment file path (instead of --env); repeatable.",
)
@env_dir_option
@common_options
@yes_option
@protected_option
@json_option
@click.option("--smoke", "run_smoke", is_flag=True, help="Run the smoke checks after applying.")
@click.option(
    "--no-wait", is_flag=True, help="Do not wait for the data plane to accept the identities."
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
    subscription: str | None,
    debug: bool,
    principal: str | None,
    yes: bool,
    confirm_protected: str | None,
    as_json: bool,
    run_smoke: bool,
    no_wait: bool,
    wait_timeout: float | None,
) -> int:
    """Converge the environment: plan (shown first), pre-flight, apply, then wait until the
    data plane accepts the identities granted realtime roles (exit 4 if not in time)."""
    from provision import orchestrate, render
    from provision.progress import Progress

    refs = [orchestrate.EnvRef(name=n) for n in envs] + [
        orchestrate.EnvRef(file=p) for p in env_files
    ]
    selection = orchestrate.Selection(tuple(refs), env_dir, principal, subscription)
    with Progress(plain=as_json) as progress:
        options = orchestrate.UpOptions(
            confirm=steps.confirmer(yes, "Apply destructive changes?"),
            confirm_protected=confirm_protected,
            wait=not no_wait,
            wait_timeout=wait_timeout,
            smoke=run_smoke,
            on_event=progress,
            on_check=progress.check,
            on_step=progress.step,
            on_wait=progress.waiting,
            on_check_started=progress.check_started,
            on_plan=steps.show_plan("Plan"),
        )
        report = orchestrate.up(selection, options)
    return steps.report_outcomes(report, as_json, render.up_text, "up")


@cli.command(epilog=examples("down"), short_help="Delete what this environment owns.")
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
    subscription: str | None,
    debug: bool,
    principal: str | None,
    purge: bool,
    yes: bool,
    confirm_protected: str | None,
    as_json: bool,
) -> int:
    """Delete what this environment owns; foreign resources are never touched."""
    from provision import orchestrate, render
    from provision.progress import Progress

    ref = orchestrate.EnvRef(name=env, file=env_file)
    selection = orchestrate.Selection((ref,), env_dir, principal, subscription)
    with Progress(plain=as_json) as progress:
        options = orchestrate.DownOptions(
            purge=purge,
            confirm=steps.confirmer(yes, "Delete these resources?"),
            confirm_protected=confirm_protected,
            on_event=progress,
            on_step=progress.step,
            on_plan=steps.show_plan("Teardown"),
        )
        report = orchestrate.down(selection, options)
    return steps.report_outcomes(report, as_json, render.down_text, "down")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="provision")
