"""``realtime-emulator``: run the local Azure emulator and manage its principals and settings.

Exit codes (the toolkit's one table): 0 success, 1 a request the emulator rejected, 2 bad
usage, 7 internal error, 8 cannot serve (port in use, not allowed, already serving), 9 state
directory unusable or missing, 10 no running emulator reachable, 130 interrupted (Ctrl-C).

Subcommands load lazily (:class:`LazyGroup`), so ``--help`` and ``--version`` import click and
the standard library only. ``emulator`` is the deprecated old name of the command
(:func:`deprecated_main`); ``python -m emulator`` runs :func:`main`.
"""

from __future__ import annotations

import importlib
import sys
import traceback

import click

from emulator import __version__
from emulator.cli_common import (
    DEFAULT_STATE_DIR,
    EXIT_ERROR,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_REJECTED,
    EXIT_SERVE,
    EXIT_STATE,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    CliError,
)

__all__ = [
    "DEFAULT_STATE_DIR",
    "EXIT_ERROR",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_REJECTED",
    "EXIT_SERVE",
    "EXIT_STATE",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "PROG_NAME",
    "CliError",
    "cli",
    "deprecated_main",
    "main",
]

PROG_NAME = "realtime-emulator"
DEPRECATED_NAME = "emulator"

# name -> (module:attribute, one-line help shown by the group's --help without importing it)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("emulator.cli_serve:serve", "Run the emulator in the foreground until Ctrl-C."),
    "principal": ("emulator.cli_principal:principal", "Service principals of the tenant."),
    "config": ("emulator.cli_admin:config", "Show or change a running emulator's settings."),
    "token": ("emulator.cli_admin:token", "Print an access token for a principal."),
    "stats": ("emulator.cli_admin:stats", "Print request counts of a running emulator."),
    "sample-url": ("emulator.cli_sample:sample_url", "Print the WebRTC sample page's URL."),
}

EPILOG = """\b
Examples:
  realtime-emulator serve                       # state in ./.emulator/default
  realtime-emulator principal add ci --json     # a new service principal
  realtime-emulator config set throttle_rate=0.3 seed=7
  realtime-emulator token --principal app       # a bearer token, e.g. for curl

\b
Exit codes: 0 ok, 1 rejected by the emulator, 2 bad usage, 7 internal error,
8 cannot serve, 9 state directory unusable, 10 emulator not reachable, 130 interrupted.
"""


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when one is run (or its help is shown)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attribute = target[0].partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"{ctx.info_name or PROG_NAME} {__version__}")
        ctx.exit(0)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EPILOG,
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print the version and exit.",
)
@click.option(
    "--debug", is_flag=True, help="Log at debug level; show the traceback of an internal error."
)
def cli(debug: bool) -> None:
    """A local Azure (Entra ID, Resource Manager, realtime data plane) on 127.0.0.1 over HTTPS."""


def main(argv: list[str] | None = None, prog_name: str = PROG_NAME) -> int:
    """Run the CLI; every failure is one line on stderr and a distinct exit code."""
    args = sys.argv[1:] if argv is None else argv
    try:
        result = cli.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        click.echo(f"{prog_name}: error: {exc.format_message()}{hint}", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        click.echo(f"{prog_name}: error: {exc.format_message()}", err=True)
        return EXIT_USAGE if exc.exit_code == 2 else exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        click.echo(f"{prog_name}: interrupted", err=True)
        return EXIT_INTERRUPTED
    except CliError as exc:
        click.echo(f"{prog_name}: error: {exc}", err=True)
        return exc.code
    except Exception as exc:  # a bug: say so in one line; the traceback only under --debug
        return _internal_error(prog_name, exc, debug="--debug" in args)
    return result if isinstance(result, int) else 0


def _internal_error(prog_name: str, exc: Exception, *, debug: bool) -> int:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    hint = "" if debug else " (rerun with --debug for the traceback)"
    click.echo(
        f"{prog_name}: internal error: {type(exc).__name__}{hint}; please report it", err=True
    )
    return EXIT_INTERNAL


def deprecated_main() -> int:
    """The old ``emulator`` command: same CLI, with a warning (kept for one release)."""
    click.echo(
        f"{DEPRECATED_NAME}: warning: the 'emulator' command is deprecated and will be removed "
        f"in the next release; use '{PROG_NAME}' (or 'python -m emulator')",
        err=True,
    )
    return main(prog_name=DEPRECATED_NAME)
