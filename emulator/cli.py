"""``emulator``: run the local Azure emulator and manage its principals and settings.

Exit codes: 0 success, 1 unexpected error, 2 bad usage, 3 cannot serve (port in use, already
running), 4 unusable state directory, 5 no running emulator reachable, 6 request rejected.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import signal
import sqlite3
import ssl
import sys
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from emulator import connection, seed
from emulator.arm import rbac, replication
from emulator.config import EmulatorConfig
from emulator.entra import principals
from emulator.server import STATE_DB, Emulator
from emulator.store import Store

DEFAULT_STATE_DIR = Path(".emulator") / "default"
EXIT_ERROR, EXIT_USAGE, EXIT_SERVE, EXIT_STATE, EXIT_UNREACHABLE, EXIT_REJECTED = 1, 2, 3, 4, 5, 6


class CliError(Exception):
    """A failure reported as one line on stderr with a specific exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def _state_dir_option(func: Any) -> Any:
    return click.option(
        "--state-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_STATE_DIR,
        show_default=True,
        help="Directory holding the emulator's state (tenant, principals, resources, CA).",
    )(func)


def _connection_option(func: Any) -> Any:
    func = click.option(
        "--connection",
        "connection_file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="connection.json of a running emulator [default: STATE_DIR/connection.json].",
    )(func)
    return _state_dir_option(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """A local Azure (Entra ID, Resource Manager, realtime data plane) on 127.0.0.1 over HTTPS."""


# -- serve ---------------------------------------------------------------------------------
@cli.command()
@_state_dir_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="TCP port on 127.0.0.1; 0 picks a free one. Default: the port this state directory "
    "was last served on, if free, else a free one.",
)
@click.option(
    "--lro-seconds",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="How long creations, deployments and deletions stay in progress.",
)
@click.option(
    "--role-propagation-seconds",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Delay before a new role assignment reaches the data plane.",
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
def serve(state_dir: Path, port: int, verbose: bool, **settings: Any) -> None:
    """Run the emulator in the foreground until Ctrl-C; writes STATE_DIR/connection.json."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="emulator: %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    state_dir = _usable_state_dir(state_dir)
    _refuse_if_running(state_dir)
    emulator = Emulator(state_dir, port=port, config=EmulatorConfig(**settings))
    try:
        asyncio.run(_serve(emulator))
    except OSError as exc:
        raise _serve_error(exc, port) from None
    except sqlite3.DatabaseError as exc:
        raise CliError(f"cannot open the state in {state_dir}: {exc}", EXIT_STATE) from None
    click.echo("Emulator stopped.")


async def _serve(emulator: Emulator) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    task = asyncio.create_task(emulator.serve_forever(stop))
    if await _wait_until_serving(emulator, task):
        _print_banner(emulator)
    await task


async def _wait_until_serving(emulator: Emulator, task: asyncio.Task[None]) -> bool:
    """True once this process's connection.json exists (the port is bound)."""
    while not task.done():
        try:
            if connection.load(emulator.connection_file).pid == os.getpid():
                return True
        except ValueError:
            pass
        await asyncio.sleep(0.02)
    return False


def _print_banner(emulator: Emulator) -> None:
    conn = emulator.connection
    ca = conn.ca_bundle
    click.echo(f"Azure emulator listening on {conn.url}")
    click.echo(f"  connection file: {emulator.connection_file}")
    click.echo(f"  tenant {conn.tenant_id}, subscription {conn.subscription_id}")
    click.echo(f"  principals: {', '.join(sorted(conn.principals))} (deployer is Owner)")
    click.echo(f"Trust its CA: export REQUESTS_CA_BUNDLE={ca} SSL_CERT_FILE={ca}")
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


def _usable_state_dir(state_dir: Path) -> Path:
    """Create (if needed) and check the state directory; exit 4 with the reason otherwise."""
    try:
        state_dir = state_dir.expanduser().resolve()
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise CliError(f"cannot use state directory {state_dir}: {reason}", EXIT_STATE) from None
    if not os.access(state_dir, os.R_OK | os.W_OK | os.X_OK):
        raise CliError(f"cannot use state directory {state_dir}: permission denied", EXIT_STATE)
    return state_dir


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


# -- principals ----------------------------------------------------------------------------
@cli.group()
def principal() -> None:
    """Service principals of the emulated tenant (works with or without a running server)."""


@principal.command("add")
@click.argument("name")
@_state_dir_option
@click.option("--display-name", default=None, help="Display name (default: NAME).")
@click.option(
    "--replication-lag",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Seconds during which role assignments without principalType fail with "
    "PrincipalNotFound, as for a principal Entra has not replicated yet.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON, client secret included.")
def principal_add(
    name: str, state_dir: Path, display_name: str | None, replication_lag: float, as_json: bool
) -> None:
    """Register a service principal (no roles) and print its ids."""
    state_dir = _usable_state_dir(state_dir)
    store = _open_store(state_dir)
    try:
        try:
            record = principals.add(store, name, display_name)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_REJECTED) from None
        if replication_lag:
            replication.set_replication_lag(store, record.object_id, replication_lag)
    finally:
        store.close()
    updated = _add_to_connection_file(state_dir, record)
    if as_json:
        click.echo(json.dumps(_principal_json(record), indent=2))
        return
    click.echo(f"Added principal '{record.name}'")
    click.echo(f"  client id: {record.client_id}")
    click.echo(f"  object id: {record.object_id}")
    where = "connection.json of the running emulator" if updated else "the next connection.json"
    click.echo(f"  secret:    not shown; use --json, or read it from {where}")


@principal.command("list")
@_state_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (without secrets).")
def principal_list(state_dir: Path, as_json: bool) -> None:
    """List principals with their role assignments."""
    if not (state_dir / STATE_DB).exists():
        raise CliError(f"no emulator state in {state_dir} (run 'emulator serve' first)", EXIT_STATE)
    store = _open_store(_usable_state_dir(state_dir))
    try:
        rows = [(p, _roles_of(store, p.object_id)) for p in principals.all_principals(store)]
    finally:
        store.close()
    if as_json:
        out = [{**_principal_json(p, secret=False), "roles": r} for p, r in rows]
        click.echo(json.dumps(out, indent=2))
        return
    for record, held in sorted(rows, key=lambda row: row[0].name):
        roles_text = "; ".join(f"{r['role']} at {r['scope']}" for r in held) or "no roles"
        click.echo(f"{record.name:<16} {record.client_id}  {roles_text}")


def _open_store(state_dir: Path) -> Store:
    try:
        store = Store(state_dir / STATE_DB)
        seed.ensure_seeded(store)
    except sqlite3.Error as exc:
        raise CliError(f"cannot open the state in {state_dir}: {exc}", EXIT_STATE) from None
    return store


def _roles_of(store: Store, object_id: str) -> list[dict[str, str]]:
    out = []
    for assignment in rbac.assignments_of(store, object_id):
        role = rbac.role_of(assignment)
        out.append(
            {
                "role": role.name if role else assignment["properties"]["roleDefinitionId"],
                "scope": assignment["properties"]["scope"],
            }
        )
    return out


def _principal_json(record: principals.PrincipalRecord, secret: bool = True) -> dict[str, str]:
    out = {
        "name": record.name,
        "client_id": record.client_id,
        "object_id": record.object_id,
        "display_name": record.display_name,
    }
    if secret:
        out["client_secret"] = record.client_secret
    return out


def _add_to_connection_file(state_dir: Path, record: principals.PrincipalRecord) -> bool:
    """Add the principal to a running emulator's connection.json so clients can use it."""
    path = state_dir / connection.FILE_NAME
    try:
        current = connection.load(path)
    except ValueError:
        return False
    added = connection.Principal(
        name=record.name,
        client_id=record.client_id,
        client_secret=record.client_secret,
        object_id=record.object_id,
        display_name=record.display_name,
    )
    connection.write(path, replace(current, principals={**current.principals, record.name: added}))
    return True


# -- talking to a running emulator -------------------------------------------------------------
@cli.group()
def config() -> None:
    """Show or change the settings of a running emulator (faults, timing, propagation)."""


@config.command("show")
@_connection_option
def config_show(state_dir: Path, connection_file: Path | None) -> None:
    """Print the current settings as JSON."""
    click.echo(json.dumps(_admin(state_dir, connection_file, "GET", "/_admin/config"), indent=2))


@config.command("set")
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@_connection_option
def config_set(state_dir: Path, connection_file: Path | None, assignments: tuple[str, ...]) -> None:
    """Change settings, e.g. ``throttle_rate=0.2 seed=7`` (values are JSON when they parse)."""
    changes = dict(_parse_assignment(item) for item in assignments)
    result = _admin(state_dir, connection_file, "PATCH", "/_admin/config", changes)
    click.echo(json.dumps(result, indent=2))


@cli.command()
@click.option("--principal", "name", default="deployer", show_default=True)
@click.option("--scope", default="https://management.azure.com/.default", show_default=True)
@_connection_option
def token(state_dir: Path, connection_file: Path | None, name: str, scope: str) -> None:
    """Print an access token for a principal (e.g. for curl)."""
    audience = scope.removesuffix("/.default").removesuffix(".default").rstrip("/")
    body = {"principal": name, "audience": audience}
    click.echo(_admin(state_dir, connection_file, "POST", "/_admin/tokens", body)["access_token"])


@cli.command()
@_connection_option
def stats(state_dir: Path, connection_file: Path | None) -> None:
    """Print request counts of a running emulator by service."""
    snapshot = _admin(state_dir, connection_file, "GET", "/_admin/stats")
    click.echo(json.dumps({"total": snapshot["total"], "by_service": snapshot["by_service"]}))


def _parse_assignment(item: str) -> tuple[str, Any]:
    key, sep, raw = item.partition("=")
    if not sep or not key:
        raise click.UsageError(f"expected KEY=VALUE, got '{item}'")
    try:
        return key.strip(), json.loads(raw)
    except json.JSONDecodeError:
        return key.strip(), raw


def _admin(
    state_dir: Path, connection_file: Path | None, method: str, path: str, body: Any = None
) -> Any:
    """Call the admin endpoint of the emulator named by the connection file."""
    file = connection_file or state_dir / connection.FILE_NAME
    try:
        conn = connection.load(file)
    except ValueError:
        raise CliError(
            f"no running emulator: cannot read {file} (start one with 'emulator serve')",
            EXIT_UNREACHABLE,
        ) from None
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(conn.url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        context = ssl.create_default_context(cafile=str(conn.ca_bundle))
        with urllib.request.urlopen(request, context=context, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise CliError(_error_text(exc), EXIT_REJECTED) from None
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "reason", None) or exc
        message = f"cannot reach the emulator at {conn.url}: {reason}"
        raise CliError(message, EXIT_UNREACHABLE) from None


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        error = json.loads(exc.read())["error"]
        return f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {exc.code}"


# -- entry point ---------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every failure is one line on stderr and a distinct exit code."""
    try:
        result = cli.main(args=argv, prog_name="emulator", standalone_mode=False)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        click.echo(f"emulator: error: {exc.format_message()}{hint}", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        click.echo(f"emulator: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except click.Abort:
        click.echo("emulator: aborted", err=True)
        return 130
    except CliError as exc:
        click.echo(f"emulator: error: {exc}", err=True)
        return exc.code
    except KeyboardInterrupt:  # before the signal handlers were installed
        return 130
    return result if isinstance(result, int) else 0
