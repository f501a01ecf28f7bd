"""``realtime-emulator serve``: run the emulator in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from emulator import connection
from emulator.cli_common import (
    EXIT_INTERRUPTED,
    EXIT_SERVE,
    EXIT_STATE,
    CliError,
    state_dir_option,
    usable_state_dir,
)

if TYPE_CHECKING:
    from emulator.server import Emulator


@click.command()
@state_dir_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="TCP port on 127.0.0.1; 0 picks a free one. Default: the port this state directory "
    "was last served on, if free, else a free one.",
)
@click.option(
    "--timing",
    type=click.Choice(["realistic", "instant"]),
    default="realistic",
    show_default=True,
    help="realistic: account and deployment writes take ~2 s (the account is locked, so "
    "concurrent writes meet 409 RequestConflict) and role assignments reach the data plane "
    "after ~5 s, as on Azure. instant: everything at once (unit tests).",
)
@click.option(
    "--lro-seconds",
    type=click.FloatRange(min=0),
    default=None,
    help="How long creations, deployments and deletions stay in progress [default: from --timing].",
)
@click.option(
    "--role-propagation-seconds",
    type=click.FloatRange(min=0),
    default=None,
    help="Delay before a new role assignment reaches the data plane [default: from --timing].",
)
@click.option(
    "--throttle-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Fraction of ARM requests answered 429 with Retry-After.",
)
@click.option(
    "--error-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Fraction of ARM requests answered 500.",
)
@click.option(
    "--realtime-throttle-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Fraction of realtime WebSocket handshakes refused with 429 and Retry-After.",
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Extra delay added to every ARM request.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the fault generator (same seed, same faults).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every request to stderr.")
@click.pass_context
def serve(ctx: click.Context, state_dir: Path, port: int, verbose: bool, **settings: Any) -> None:
    """Run the emulator in the foreground until Ctrl-C; writes STATE_DIR/connection.json.

    \b
    Examples:
      realtime-emulator serve                      # ./.emulator/default, realistic timing
      realtime-emulator serve --port 8443 --timing instant
      realtime-emulator serve --throttle-rate 0.3 --seed 7 -v
    """
    # Heavy imports here, not at module level: `--help` must not pay for aiohttp.
    import asyncio
    import sqlite3

    from emulator.config import EmulatorConfig
    from emulator.server import Emulator

    debug = bool(ctx.find_root().params.get("debug"))
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING,
        format="emulator: %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    state_dir = usable_state_dir(state_dir)
    _refuse_if_running(state_dir)
    given = {name: value for name, value in settings.items() if value is not None}
    emulator = Emulator(state_dir, port=port, config=EmulatorConfig(**given))
    try:
        received = asyncio.run(_serve(emulator))
    except OSError as exc:
        raise _serve_error(exc, port) from None
    except sqlite3.DatabaseError as exc:
        raise CliError(f"cannot open the state in {state_dir}: {exc}", EXIT_STATE) from None
    click.echo("Emulator stopped.")
    # SIGTERM is a requested stop (0); Ctrl-C is an interruption like in every other CLI (130).
    if received == signal.SIGINT:
        ctx.exit(EXIT_INTERRUPTED)


async def _serve(emulator: Emulator) -> int | None:
    """Serve until SIGINT or SIGTERM; returns the signal that stopped it."""
    import asyncio

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[int] = []

    def on_signal(signum: int) -> None:
        received.append(signum)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    ready = asyncio.Event()
    task = asyncio.create_task(emulator.serve_forever(stop, ready))
    ready_wait = asyncio.create_task(ready.wait())
    await asyncio.wait({task, ready_wait}, return_when=asyncio.FIRST_COMPLETED)
    ready_wait.cancel()
    if ready.is_set():
        _print_banner(emulator)
    await task  # re-raises a start-up failure (port in use, bad state)
    return received[0] if received else None


def _print_banner(emulator: Emulator) -> None:
    conn = emulator.connection
    ca = conn.ca_bundle
    click.echo(f"Azure emulator listening on {conn.url}")
    click.echo(f"  connection file: {emulator.connection_file}")
    click.echo(f"  tenant {conn.tenant_id}, subscription {conn.subscription_id}")
    click.echo(f"  principals: {', '.join(sorted(conn.principals))} (deployer is Owner)")
    click.echo(f"Trust its CA: export REQUESTS_CA_BUNDLE={ca} SSL_CERT_FILE={ca}")
    # The sample URL carries a secret token: printed on request only, never in this banner.
    click.echo(
        "WebRTC sample page: realtime-emulator sample-url "
        f"--state-dir {emulator.state_dir} --deployment NAME"
    )
    click.echo("Press Ctrl-C to stop.")
    sys.stdout.flush()


def _serve_error(exc: OSError, port: int) -> CliError:
    if exc.errno == errno.EADDRINUSE:
        return CliError(
            f"port {port} is already in use (choose another with --port, or --port 0)", EXIT_SERVE
        )
    if exc.errno == errno.EACCES:
        return CliError(f"not allowed to listen on port {port} (try a port above 1023)", EXIT_SERVE)
    return CliError(f"cannot serve: {exc.strerror or exc}", EXIT_SERVE)


def _refuse_if_running(state_dir: Path) -> None:
    path = state_dir / connection.FILE_NAME
    try:
        current = connection.load(path)
    except ValueError:
        return
    if current.pid != os.getpid() and _alive(current.pid):
        raise CliError(
            f"an emulator (pid {current.pid}) is already serving {state_dir} at {current.url}; "
            f"stop it or use another --state-dir (delete {path} if that process is not ours)",
            EXIT_SERVE,
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
