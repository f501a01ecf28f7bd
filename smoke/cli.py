"""The ``smoke`` command line: ``make_cli(environments)`` builds it, ``main`` runs it alone.

``smoke run --env NAME`` needs an :class:`~smoke.environments.EnvironmentSource`, which
provision supplies (the installed ``smoke`` command is ``provision.smoke_entry:main``, calling
``make_cli(environments=…)``). Without one (``python -m smoke``) only ``--endpoint`` works.

Exit codes (the shared table, :mod:`smoke.exits`): 0 all passed, 1 a check failed, 2 bad input,
5 authentication failed, 6 ``--strict-lifecycle`` and the preview protocol, 7 internal error,
130 interrupted. Results go to stdout (the table, or JSON with ``--json``); progress and
errors go to stderr, each error as one line (plus the fix, for sign-in failures).

Imports are lazy: ``smoke --help`` and ``--version`` load Click and this package's light
modules only.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from smoke.exits import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from smoke.version import VERSION

if TYPE_CHECKING:
    from smoke.environments import EnvironmentSource

__all__ = ["SmokeGroup", "main", "make_cli"]

GROUP_EPILOG = """\b
Examples:
  smoke run -e local
  smoke run -e dev --json --junit smoke.xml
  smoke run --endpoint https://my-aoai.openai.azure.com --deployment gpt-realtime

\b
Exit codes: 0 passed, 1 a check failed, 2 bad input, 5 sign-in failed,
6 strict lifecycle, 7 internal error, 130 interrupted.
"""


class SmokeGroup(click.Group):
    """A Click group whose errors are one line on stderr with the shared exit codes.

    Click's own usage errors print a usage block; here they are ``error: …`` and exit 2, and
    Ctrl-C is ``interrupted`` and exit 130, however the command is invoked.
    """

    def main(  # same parameters as click; never returns in standalone mode
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        sys.exit(self._run_standalone(args, prog_name, complete_var, **extra))

    def _run_standalone(
        self,
        args: Sequence[str] | None,
        prog_name: str | None,
        complete_var: str | None,
        **extra: Any,
    ) -> int:
        try:
            code = super().main(args, prog_name or "smoke", complete_var, False, **extra)
        except click.exceptions.UsageError as exc:
            _error_line(_usage_message(exc))
            return EXIT_USAGE
        except click.exceptions.Exit as exc:
            return int(exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            _error_line("interrupted")
            return EXIT_INTERRUPTED
        except click.ClickException as exc:
            _error_line(exc.format_message())
            return exc.exit_code
        return int(code) if isinstance(code, int) else EXIT_OK


def _usage_message(exc: click.exceptions.UsageError) -> str:
    message = " ".join(exc.format_message().split())
    return f"{message} (see 'smoke run --help')"


def _error_line(message: str) -> None:
    click.secho(f"error: {message}" if message != "interrupted" else message, fg="red", err=True)


def make_cli(environments: EnvironmentSource | None = None) -> click.Command:
    """The ``smoke`` command; ``environments`` resolves ``--env`` (None: ``--endpoint`` only)."""

    @click.group(
        cls=SmokeGroup,
        context_settings={"help_option_names": ["-h", "--help"]},
        epilog=GROUP_EPILOG,
    )
    @click.version_option(VERSION, "--version", prog_name="smoke", message="%(prog)s %(version)s")
    def cli() -> None:
        """Prove that realtime deployments serve speech to the identity that will use them."""

    from smoke.cli_run import run_command

    cli.add_command(run_command(environments))
    return cli


# ``smoke`` without provision (``python -m smoke``, tests): ``--endpoint`` only.
main = make_cli()
