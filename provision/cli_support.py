"""What every ``provision`` subcommand shares: options, examples, environment variables, and the
one place that turns an outcome into output and an exit code.

Exit codes (one table for provision, smoke and the emulator; README "Exit codes"):
0 success, 1 failure, 2 bad input, 3 changes pending, 4 not ready, 5 authentication,
6 lifecycle (``--strict-lifecycle``), 7 internal error (a bug), 130 interrupted.
Results go to stdout (``--json``: one JSON document, errors included); progress and errors
go to stderr. Imports stay light: ``provision --help`` must not load azure or numpy.
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
    EXIT_FAILURE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    ProvisionError,
)

ENVIRONMENT_HELP = """\b
Environment variables:
  PROVISION_ENV_DIR             directory of environment files (default ./environments)
  PROVISION_EMULATOR_STATE      emulator target: state directory (default
                                <project>/.emulator/<env>); a running `realtime-emulator
                                serve --state-dir DIR` there is reused
  PROVISION_EMULATOR_PRINCIPAL  emulator target: act as this connection.json principal
                                (default deployer)
  AZURE_SUBSCRIPTION_ID         overrides the file's `subscription` (--subscription wins)
  AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_SECRET
                                sign-in without `az login` (CI, workload identity)
\b
Shell completion (bash; zsh/fish: zsh_source/fish_source):
  eval "$(_PROVISION_COMPLETE=bash_source provision)"
\b
Exit codes: 0 ok, 1 failure, 2 bad input, 3 changes pending, 4 applied but not ready,
5 authentication, 6 lifecycle (--strict-lifecycle), 7 internal error, 130 interrupted.
"""

EXAMPLES = {
    "validate": [
        "provision validate --env dev",
        "provision validate --env-file ci/dev.toml --json",
    ],
    "plan": [
        "provision plan --env dev            # exit 3 when changes are pending",
        "provision plan -e prod --strict-lifecycle --json",
    ],
    "up": [
        "provision up --env local --yes",
        "provision up --env dev --env staging --yes   # several environments, concurrently",
        "provision up --env dev --yes --smoke --wait-timeout 900",
    ],
    "status": [
        "provision status --env dev      # exit 3 on drift",
        "provision status -e dev --json",
    ],
    "outputs": [
        "provision outputs --env dev --format env > .env",
        "provision outputs --env dev --raw AZURE_OPENAI_ENDPOINT",
        "provision outputs --env local --format json",
    ],
    "models": ["provision models --env dev", "provision models --env dev --json"],
    "down": ["provision down --env dev --yes", "provision down --env dev --purge --yes"],
}


def examples(command: str) -> str:
    """The epilog of one subcommand: its own examples only."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[command])


# --------------------------------------------------------------------------- options


class SafePath(click.Path):
    """``click.Path`` that applies the inputs table's rule first (e.g. a NUL byte, a 5000-char
    path) so a bad value is one line and exit 2, never an ``os.stat`` ValueError."""

    def __init__(self, option: str, **kwargs: Any) -> None:
        super().__init__(path_type=Path, **kwargs)
        self.option = option

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from provision.inputs import problem

        found = problem(self.option, value if isinstance(value, str) else str(value))
        if found is not None:
            self.fail(found, param, ctx)
        return super().convert(value, param, ctx)


principal_option = click.option(
    "--principal",
    envvar="PROVISION_EMULATOR_PRINCIPAL",
    hidden=True,
    help="Emulator target only: act as this connection.json principal (default deployer).",
)
env_dir_option = click.option(
    "--env-dir",
    type=SafePath("--env-dir", file_okay=False),
    help="Directory of environment files (default $PROVISION_ENV_DIR or ./environments).",
)
subscription_option = click.option(
    "--subscription",
    metavar="ID",
    help="Azure subscription id; overrides $AZURE_SUBSCRIPTION_ID and the file's subscription.",
)
debug_option = click.option(
    "--debug", is_flag=True, help="Show full details of errors (e.g. the credential chain)."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable stdout.")
yes_option = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
protected_option = click.option(
    "--confirm-protected",
    metavar="ENV",
    help="Allow destructive actions on a protected environment (repeat its name).",
)
strict_lifecycle_option = click.option(
    "--strict-lifecycle",
    is_flag=True,
    help="Exit 6 when a model version is deprecated, retires within [lifecycle] warn_days "
    "(default 90) or has a newer GA version, or smoke uses the preview protocol.",
)


def common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--subscription, --debug and the hidden --principal (every command that opens a target)."""
    for option in (principal_option, debug_option, subscription_option):
        fn = option(fn)
    return fn


def env_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """-e/--env, --env-file, --env-dir plus the common options."""
    fn = common_options(fn)
    fn = env_dir_option(fn)
    fn = click.option(
        "--env-file",
        type=SafePath("--env-file", dir_okay=False),
        help="Environment file path (instead of --env).",
    )(fn)
    return click.option(
        "--env", "-e", "env", metavar="NAME", help="Environment name: environments/NAME.toml."
    )(fn)


# --------------------------------------------------------------------------- output


def emit(data: Any, text: str, as_json: bool) -> None:
    """The command's result, once, on stdout."""
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


def warn(lines: str) -> None:
    """Warnings go to stderr (stdout stays parseable)."""
    if lines:
        click.echo(lines, err=True)


def _json_error(exc: BaseException, code: int) -> None:
    from provision.documents import error_document

    click.echo(json.dumps(error_document(exc, code), indent=2, default=str))


def _expected(exc: ProvisionError, as_json: bool, debug: bool) -> int:
    from provision import render

    code = int(getattr(exc, "exit_code", EXIT_FAILURE))
    click.echo(render.error_text(exc), err=True)
    detail = getattr(exc, "detail", None) or getattr(exc, "debug_detail", None)
    if debug and detail:
        click.echo(str(detail), err=True)
    if as_json:
        _json_error(exc, code)
    return code


def _interrupted(exc: BaseException, as_json: bool) -> int:
    click.echo("interrupted (Ctrl-C): stopped; re-run the command to converge", err=True)
    if as_json:
        _json_error(exc, EXIT_INTERRUPTED)
    return EXIT_INTERRUPTED


def _internal(exc: BaseException, as_json: bool) -> int:
    traceback.print_exc()
    click.echo(
        "internal error: this is a bug in provision; please report it with the traceback above",
        err=True,
    )
    if as_json:
        _json_error(exc, EXIT_INTERNAL)
    return EXIT_INTERNAL


def handle_errors(fn: Callable[..., int | None]) -> Callable[..., None]:
    """Expected errors: one clear message and the documented exit code (plus a JSON error
    document on stdout under --json); Ctrl-C: 130, no traceback; bugs: traceback, exit 7."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        as_json = bool(kwargs.get("as_json"))
        debug = bool(kwargs.get("debug"))
        try:
            from provision.inputs import check_options

            check_options(kwargs)  # every input checked before any work (one line, exit 2)
            code = fn(*args, **kwargs)
        except ProvisionError as exc:
            code = _expected(exc, as_json, debug)
        except KeyboardInterrupt as exc:
            code = _interrupted(exc, as_json)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            code = _internal(exc, as_json)
        sys.exit(code or EXIT_OK)

    return wrapper


# --------------------------------------------------------------------------- usage errors


class OneLineUsageError(click.UsageError):
    """A click usage error rewritten as one line (``Error: ...; see 'provision up --help'``)."""


def _one_line(exc: click.UsageError, name: str | None, wants_json: bool) -> click.UsageError:
    """``exc`` as one line without click's usage block (exit 2 kept); under ``--json`` also
    a JSON error document on stdout. A subcommand's error passing through the group is
    returned as it is."""
    if isinstance(exc, OneLineUsageError):
        return exc
    where = f"provision {name}" if name and name != "provision" else "provision"
    message = exc.format_message()  # names the parameter of a BadParameter
    if exc.ctx is not None:
        message = f"{message.rstrip('.')}; see '{where} --help'"
    if wants_json:
        _json_error(click.UsageError(message), exc.exit_code)
    return OneLineUsageError(message)  # without a context click prints the message alone


class _OneLineUsage(click.Command):
    """Usage errors as one line (or a JSON error document under ``--json``)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        wants_json = "--json" in args  # before parsing consumes ``args``
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line(exc, info_name, wants_json) from None


class Command(_OneLineUsage):
    """A subcommand with one-line usage errors."""


class Group(_OneLineUsage, click.Group):
    """The ``provision`` group: one-line usage errors; its subcommands are :class:`Command`."""

    command_class = Command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        wants_json = "--json" in args
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            raise _one_line(exc, None, wants_json) from None
