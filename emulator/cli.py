"""``emulator``: run the local Azure emulator and manage its principals and settings.

Exit codes: 0 success, 1 unexpected error, 2 bad usage, 3 cannot serve (port in use, already
running), 4 unusable state directory, 5 no running emulator reachable, 6 request rejected.
``serve`` lives in :mod:`emulator.cli_serve`, shared pieces in :mod:`emulator.cli_common`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from emulator import connection, seed
from emulator.admin_client import AdminError, admin_client
from emulator.authorization import rbac
from emulator.cli_common import (
    DEFAULT_STATE_DIR,
    EXIT_ERROR,
    EXIT_REJECTED,
    EXIT_SERVE,
    EXIT_STATE,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    CliError,
    connection_option,
    state_dir_option,
    usable_state_dir,
)
from emulator.cli_serve import serve
from emulator.entra import principals, replication
from emulator.server import STATE_DB
from emulator.store import Store

__all__ = [
    "DEFAULT_STATE_DIR",
    "EXIT_ERROR",
    "EXIT_REJECTED",
    "EXIT_SERVE",
    "EXIT_STATE",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "CliError",
    "cli",
    "main",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """A local Azure (Entra ID, Resource Manager, realtime data plane) on 127.0.0.1 over HTTPS."""


cli.add_command(serve)


# -- principals ----------------------------------------------------------------------------
@cli.group()
def principal() -> None:
    """Service principals of the emulated tenant (works with or without a running server)."""


@principal.command("add")
@click.argument("name")
@state_dir_option
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
    state_dir = usable_state_dir(state_dir)
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
@state_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (without secrets).")
def principal_list(state_dir: Path, as_json: bool) -> None:
    """List principals with their role assignments."""
    if not (state_dir / STATE_DB).exists():
        raise CliError(f"no emulator state in {state_dir} (run 'emulator serve' first)", EXIT_STATE)
    store = _open_store(usable_state_dir(state_dir))
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
@connection_option
def config_show(state_dir: Path, connection_file: Path | None) -> None:
    """Print the current settings as JSON."""
    click.echo(json.dumps(_admin(state_dir, connection_file, "GET", "/_admin/config"), indent=2))


@config.command("set")
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@connection_option
def config_set(state_dir: Path, connection_file: Path | None, assignments: tuple[str, ...]) -> None:
    """Change settings, e.g. ``throttle_rate=0.2 seed=7`` (values are JSON when they parse)."""
    changes = dict(_parse_assignment(item) for item in assignments)
    result = _admin(state_dir, connection_file, "PATCH", "/_admin/config", changes)
    click.echo(json.dumps(result, indent=2))


@cli.command()
@click.option("--principal", "name", default="deployer", show_default=True)
@click.option("--scope", default="https://management.azure.com/.default", show_default=True)
@connection_option
def token(state_dir: Path, connection_file: Path | None, name: str, scope: str) -> None:
    """Print an access token for a principal (e.g. for curl)."""
    audience = scope.removesuffix("/.default").removesuffix(".default").rstrip("/")
    body = {"principal": name, "audience": audience}
    click.echo(_admin(state_dir, connection_file, "POST", "/_admin/tokens", body)["access_token"])


@cli.command()
@connection_option
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
    """Call the admin endpoint of the emulator named by the connection file, with its key."""
    file = connection_file or state_dir / connection.FILE_NAME
    try:
        conn = connection.load(file)
    except ValueError:
        raise CliError(
            f"no running emulator: cannot read {file} (start one with 'realtime-emulator serve')",
            EXIT_UNREACHABLE,
        ) from None
    try:
        return admin_client(conn).request(method, path, body)
    except AdminError as exc:
        raise CliError(str(exc), EXIT_UNREACHABLE if exc.status == 0 else EXIT_REJECTED) from None


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
