"""The ``smoke`` command line.

Exit codes:
  0  every deployment passed every check
  1  at least one check failed (including refused handshakes, timeouts, dropped connections)
  2  bad input: options, environment file, prompt WAV, missing key variable
  3  internal error (a bug: the traceback is printed; please report it)

Results go to stdout (the table, or JSON with ``--json``); progress and errors go to stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import click

from smoke.errors import SmokeError, UsageError
from smoke.prompts import (
    DEFAULT_TEXT_PROMPT,
    Prompt,
    default_prompt,
    prompt_from_wav,
    select_prompts,
)
from smoke.readiness import ReadinessPolicy
from smoke.realtime.dialects import SessionSettings
from smoke.report import render_console, step_summary, to_json, to_junit, write_artifacts
from smoke.run import SmokeOptions, SmokeReport, Target, run_smoke
from smoke.scenarios import ScenarioOptions

__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "RunRequest", "execute", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

EPILOG = """\b
Examples:
  smoke run --env local
  smoke run --env dev --deployment gpt-realtime --json --junit smoke.xml
  smoke run --endpoint https://my-aoai.openai.azure.com --deployment gpt-realtime --auth key
  smoke run --env dev --prompt me.wav --prompt-text "repeat after me red fox" --expect "red fox"

\b
Exit codes: 0 all passed, 1 a check failed, 2 bad input, 3 internal error.
"""


@dataclass(kw_only=True)
class RunRequest:
    """Everything ``smoke run`` needs; ``provision up --smoke`` builds one too."""

    env: str | None = None
    env_dir: Path | None = None
    deployments: tuple[str, ...] = ()
    endpoint: str | None = None
    model: str | None = None
    dialect: str | None = None
    auth: str | None = None
    api_key_env: str | None = None
    principal: str = "app"
    ca_bundle: Path | None = None
    prompt_wav: Path | None = None
    prompt_text: str = ""
    expect: str | None = None
    text_scenario: bool = True
    transcription_model: str | None = None
    voice: str = "alloy"
    timeout_s: float | None = None
    wait_ready_s: float | None = None
    concurrency: int = 4
    fast: bool = False
    json_output: bool = False
    junit: Path | None = None
    artifacts: Path | None = None


@dataclass(frozen=True, kw_only=True)
class _Resolved:
    targets: list[Target]
    timeout_s: float | None = None
    wait_s: float | None = None
    prompts: tuple[str, ...] = ()
    transcription_model: str | None = None


def _targets(req: RunRequest, resources: ExitStack) -> _Resolved:
    from smoke.targets import DEFAULT_KEY_VARIABLE, targets_for_endpoint, targets_for_environment

    if req.env:
        resolved = targets_for_environment(
            req.env,
            resources=resources,
            env_dir=req.env_dir,
            deployments=req.deployments,
            auth=req.auth,
            dialect=req.dialect,
            api_key_env=req.api_key_env,
            principal=req.principal,
            ca_path=req.ca_bundle,
            endpoint=req.endpoint,
        )
        return _Resolved(
            targets=resolved.targets,
            timeout_s=resolved.timeout_s,
            wait_s=resolved.wait_for_access_s,
            prompts=resolved.prompts,
            transcription_model=resolved.transcription_model,
        )
    if not req.endpoint:
        raise UsageError("give --env NAME, or --endpoint URL with --deployment NAME")
    targets = targets_for_endpoint(
        req.endpoint,
        req.deployments,
        model=req.model,
        dialect=req.dialect,
        auth=req.auth or "entra",
        api_key_env=req.api_key_env or DEFAULT_KEY_VARIABLE,
        ca_path=req.ca_bundle,
    )
    return _Resolved(targets=targets)


def _prompts(req: RunRequest, names: tuple[str, ...]) -> tuple[Prompt, ...]:
    if req.prompt_wav is None:
        if req.expect is not None or req.prompt_text:
            raise UsageError("--prompt-text/--expect need --prompt WAV")
        return tuple(select_prompts(names)) if names else (default_prompt(),)
    return (prompt_from_wav(req.prompt_wav, req.prompt_text, req.expect or ""),)


def build_options(req: RunRequest, resolved: _Resolved) -> SmokeOptions:
    """Turn a request (plus the environment's [smoke] defaults) into run options."""
    if req.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    timeout = req.timeout_s or resolved.timeout_s or 60.0
    wait = req.wait_ready_s if req.wait_ready_s is not None else resolved.wait_s
    wait = 120.0 if wait is None else wait
    transcription = req.transcription_model or resolved.transcription_model
    settings = SessionSettings(voice=req.voice, transcription_model=transcription)
    return SmokeOptions(
        prompts=_prompts(req, resolved.prompts),
        text_prompt=DEFAULT_TEXT_PROMPT if req.text_scenario else None,
        scenario=ScenarioOptions(settings=settings, timeout_s=timeout, pace=0 if req.fast else 1),
        readiness=ReadinessPolicy(budget_s=wait),
        concurrency=req.concurrency,
    )


def emit(report: SmokeReport, req: RunRequest) -> None:
    """Write every requested output for ``report``."""
    if req.json_output:
        render_console(report, sys.stderr)
        click.echo(json.dumps(to_json(report), indent=2))
    else:
        render_console(report, sys.stdout)
    if req.junit is not None:
        req.junit.parent.mkdir(parents=True, exist_ok=True)
        req.junit.write_text(to_junit(report), encoding="utf-8")
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as out:
            out.write(step_summary(report))
    if req.artifacts is not None:
        written = write_artifacts(report, req.artifacts)
        click.echo(f"artifacts: {len(written)} file(s) in {req.artifacts}", err=True)


def execute(req: RunRequest) -> int:
    """Run ``smoke run`` for ``req`` and return the exit code (never raises)."""
    try:
        with ExitStack() as resources:  # keeps an embedded emulator alive for the run
            resolved = _targets(req, resources)
            options = build_options(req, resolved)
            click.echo(
                f"smoke: checking {len(resolved.targets)} deployment(s), "
                f"up to {options.concurrency} at once",
                err=True,
            )
            report = asyncio.run(run_smoke(resolved.targets, options))
        emit(report, req)
    except UsageError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        return EXIT_USAGE
    except SmokeError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        click.secho("interrupted", fg="red", err=True)
        return EXIT_FAILED
    except Exception:
        traceback.print_exc()
        click.secho("internal error: this is a bug in smoke; please report it", fg="red", err=True)
        return EXIT_INTERNAL
    return EXIT_OK if report.passed else EXIT_FAILED


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Prove that realtime deployments serve speech to the identity that will use them."""


@main.command("run", epilog=EPILOG)
@click.option("--env", "env", metavar="NAME", help="Environment file environments/NAME.toml.")
@click.option(
    "--env-dir", type=click.Path(path_type=Path, file_okay=False), help="Where env files live."
)
@click.option(
    "--deployment", "deployments", multiple=True, metavar="NAME", help="Only these (repeatable)."
)
@click.option(
    "--endpoint", metavar="URL", help="Account endpoint, e.g. https://NAME.openai.azure.com."
)
@click.option("--model", metavar="MODEL", help="Model of --deployment (picks the dialect).")
@click.option(
    "--dialect", type=click.Choice(["auto", "ga", "preview"]), default="auto", show_default=True
)
@click.option("--auth", type=click.Choice(["entra", "key"]), help="Default: entra (keyless).")
@click.option("--api-key-env", metavar="VAR", help="Read the API key from VAR (--auth key).")
@click.option("--principal", default="app", show_default=True, help="Emulator principal to act as.")
@click.option(
    "--ca-bundle", type=click.Path(path_type=Path, dir_okay=False), help="Trust this CA (PEM)."
)
@click.option(
    "--prompt", "prompt_wav", type=click.Path(path_type=Path, dir_okay=False), help="Your own WAV."
)
@click.option("--prompt-text", default="", help="What --prompt says (checks input transcription).")
@click.option("--expect", metavar="WORDS", help="Words the reply to --prompt must contain.")
@click.option(
    "--text/--no-text",
    "text_scenario",
    default=True,
    show_default=True,
    help="Also run text-in → audio-out.",
)
@click.option(
    "--transcription-model", metavar="MODEL", help="Enable input transcription (e.g. whisper-1)."
)
@click.option("--voice", default="alloy", show_default=True)
@click.option(
    "--timeout", "timeout_s", type=click.FloatRange(min=1), help="Seconds per scenario [60]."
)
@click.option(
    "--wait-ready",
    "wait_ready_s",
    type=click.FloatRange(min=0),
    help="Seconds to retry 401/403/404/429 [120].",
)
@click.option("--concurrency", type=click.IntRange(min=1), default=4, show_default=True)
@click.option(
    "--fast",
    is_flag=True,
    envvar="SMOKE_FAST",
    help="Send audio as fast as possible instead of in real time (env: SMOKE_FAST=1).",
)
@click.option(
    "--json", "json_output", is_flag=True, help="JSON report on stdout (table on stderr)."
)
@click.option(
    "--junit", type=click.Path(path_type=Path, dir_okay=False), help="Write JUnit XML here."
)
@click.option(
    "--artifacts", type=click.Path(path_type=Path, file_okay=False), help="Write WAV + JSONL here."
)
def run_command(**kwargs: object) -> None:
    """Run the realtime audio round-trip against every deployment."""
    req = RunRequest(**{k: v for k, v in kwargs.items() if k != "dialect"})  # type: ignore[arg-type]
    req = replace(req, dialect=None if kwargs["dialect"] == "auto" else str(kwargs["dialect"]))
    sys.exit(execute(req))
