"""What ``smoke run`` does once its options parsed: resolve targets, run, report, exit code.

Every failure becomes one line and a code from :mod:`smoke.exits`; only a bug (exit 7) prints
a traceback. Secrets never reach the output: reports are redacted, error texts carry none.
"""

from __future__ import annotations

import asyncio
import json
import sys
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from smoke.environments import EnvironmentRequest, EnvironmentSource, ResolvedEnvironment
from smoke.errors import AuthError, SettingsError, SmokeError, SourceError, UsageError
from smoke.exits import (
    EXIT_AUTH,
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_LIFECYCLE,
    EXIT_USAGE,
)
from smoke.options import RunChoices

if TYPE_CHECKING:
    from smoke.options import SmokeOptions
    from smoke.run import SmokeReport

__all__ = ["RunRequest", "execute"]

NEEDS_PROVISION = (
    "--env/--env-file need the `smoke` command installed with provision "
    "(pip install realtime-toolkit); here use --endpoint URL --deployment NAME"
)


@dataclass(frozen=True, kw_only=True)
class RunRequest:
    """``smoke run``'s parsed options: where to look, what to run, where to report."""

    environment: EnvironmentRequest
    endpoint: str | None = None
    model: str | None = None
    choices: RunChoices = field(default_factory=RunChoices)
    json_output: bool = False
    json_file: Path | None = None
    junit: Path | None = None
    artifacts: Path | None = None
    strict_lifecycle: bool = False
    debug: bool = False

    @classmethod
    def from_cli(cls, v: dict[str, Any]) -> RunRequest:
        """Build the request from Click's keyword arguments (already validated)."""
        pace: Literal["burst", "realtime"] | None = v.get("pace") or (
            "burst" if v.get("fast") else None
        )
        environment = EnvironmentRequest(
            name=v.get("env"),
            env_file=v.get("env_file"),
            env_dir=v.get("env_dir"),
            auth=v.get("auth"),
            subscription=v.get("subscription"),
            debug=bool(v.get("debug")),
            deployments=tuple(v.get("deployments") or ()),
            dialect=v.get("dialect"),
            api_key_env=v.get("api_key_env"),
            principal=v.get("principal"),
            ca_bundle=v.get("ca_bundle"),
            endpoint=v.get("endpoint"),
        )
        choices = RunChoices(
            prompt_wav=v.get("prompt_wav"),
            prompt_text=v.get("prompt_text") or "",
            expect=v.get("expect"),
            text_scenario=bool(v.get("text_scenario", True)),
            tool_call=v.get("tool_call"),
            transcription_model=v.get("transcription_model"),
            voice=v.get("voice") or "alloy",
            timeout_s=v.get("timeout_s"),
            wait_ready_s=v.get("wait_ready_s"),
            concurrency=int(v.get("concurrency") or 4),
            pace=pace,
            transport=v.get("transport"),
            max_first_audio_ms=v.get("max_first_audio_ms"),
            max_total_ms=v.get("max_total_ms"),
        )
        return cls(
            environment=environment,
            endpoint=v.get("endpoint"),
            model=v.get("model"),
            choices=choices,
            json_output=bool(v.get("json_output")),
            json_file=v.get("json_file"),
            junit=v.get("junit"),
            artifacts=v.get("artifacts"),
            strict_lifecycle=bool(v.get("strict_lifecycle")),
            debug=bool(v.get("debug")),
        )


def _resolve(
    req: RunRequest, source: EnvironmentSource | None, stack: ExitStack
) -> ResolvedEnvironment:
    """The targets: from the environment source (``--env``) or from ``--endpoint``."""
    env = req.environment
    if env.name and env.env_file:
        raise UsageError("give --env NAME or --env-file PATH, not both")
    if env.name or env.env_file:
        if source is None:
            raise UsageError(NEEDS_PROVISION)
        return stack.enter_context(source.open(env))
    if not req.endpoint:
        raise UsageError(
            "give --env NAME (or --env-file PATH), or --endpoint URL --deployment NAME"
        )
    from smoke.targets import DEFAULT_KEY_VARIABLE, targets_for_endpoint

    targets = targets_for_endpoint(
        req.endpoint,
        env.deployments,
        model=req.model,
        dialect=env.dialect,
        auth=env.auth or "entra",
        api_key_env=env.api_key_env or DEFAULT_KEY_VARIABLE,
        ca_path=env.ca_bundle,
    )
    return ResolvedEnvironment(targets=targets, label=req.endpoint)


def _run(req: RunRequest, source: EnvironmentSource | None) -> int:
    from smoke.options import build_options

    with ExitStack() as stack:  # keeps the environment (e.g. an embedded emulator) open
        env = _resolve(req, source, stack)
        options = build_options(req.choices, env.defaults)
        for note in env.notes:
            click.echo(f"smoke: {note}", err=True)
        report = asyncio.run(_signed_in_run(env, options))
    from smoke.report_outputs import emit

    emit(report, req)
    code = report.exit_code
    if code == 0 and req.strict_lifecycle and report.warnings:
        return EXIT_LIFECYCLE
    return code


async def _signed_in_run(env: ResolvedEnvironment, options: SmokeOptions) -> SmokeReport:
    """Sign in once (an AuthError stops here, before any progress), then run."""
    from smoke.progress import make_progress
    from smoke.run import run_smoke, sign_in

    await sign_in(env.targets)
    click.echo(
        f"smoke: checking {len(env.targets)} deployment(s) of {env.label or 'the endpoint'} "
        f"over {' and '.join(options.transports)}, up to {options.concurrency} at once",
        err=True,
    )
    progress = make_progress(sys.stderr)
    try:
        return await run_smoke(env.targets, options, progress, signed_in=True)
    finally:
        progress.close()


def _auth_failed(exc: AuthError, debug: bool) -> int:
    lines = str(exc).strip().splitlines()[:3]
    click.secho(f"error: {lines[0]}", fg="red", err=True)
    for line in lines[1:]:
        click.echo(f"  {line}", err=True)
    if debug and exc.debug_detail:
        click.echo(exc.debug_detail, err=True)
    return EXIT_AUTH


def execute(req: RunRequest, source: EnvironmentSource | None = None) -> int:
    """Run ``smoke run`` for ``req``; returns the exit code and never raises.

    Under ``--json`` a failure also prints an error document on stdout
    (``docs/schemas/error.schema.json``), so a pipeline always has JSON to read.
    """
    try:
        return _run(req, source)
    except BaseException as exc:  # noqa: BLE001 - every path maps to one exit code
        if isinstance(exc, SystemExit):
            raise
        code, message = _handle(exc, req)
        if req.json_output:
            _json_error(type(exc).__name__, message, code)
        return code


def _handle(exc: BaseException, req: RunRequest) -> tuple[int, str]:
    if isinstance(exc, SettingsError | UsageError):
        return _fail(str(exc), EXIT_USAGE)
    if isinstance(exc, AuthError):
        return _auth_failed(exc, req.debug), str(exc).splitlines()[0]
    if isinstance(exc, SourceError):
        return _fail(str(exc), exc.exit_code)
    if isinstance(exc, SmokeError):
        return _fail(str(exc), EXIT_FAILED)
    if isinstance(exc, KeyboardInterrupt):
        click.secho("interrupted", fg="red", err=True)
        return EXIT_INTERRUPTED, "interrupted"
    traceback.print_exception(exc)
    click.secho("internal error: this is a bug in smoke; please report it", fg="red", err=True)
    return EXIT_INTERNAL, f"internal error ({type(exc).__name__})"


def _fail(message: str, code: int) -> tuple[int, str]:
    first = " ".join(message.split())[:500]
    click.secho(f"error: {first}", fg="red", err=True)
    return code, first


def _json_error(kind: str, message: str, code: int) -> None:
    document = {
        "format_version": 1,
        "error": {"type": kind, "message": message, "exit_code": code},
    }
    click.echo(json.dumps(document, indent=2))
