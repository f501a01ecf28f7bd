"""``realtime-emulator principal``: service principals of the emulated tenant.

Works on the state directory directly, with or without a running server.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from emulator import connection
from emulator.cli_common import (
    EXIT_REJECTED,
    EXIT_STATE,
    CliError,
    state_dir_option,
    usable_state_dir,
)

if TYPE_CHECKING:
    from emulator.entra.principals import PrincipalRecord
    from emulator.store import Store

STATE_DB = "state.sqlite"  # emulator.server.STATE_DB, without importing the server


@click.group()
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
    from emulator.entra import principals, replication

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
    from emulator.entra import principals

    if not (state_dir / STATE_DB).exists():
        raise CliError(
            f"no emulator state in {state_dir} (run 'realtime-emulator serve' first)", EXIT_STATE
        )
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
    import sqlite3

    from emulator import seed
    from emulator.store import Store

    try:
        store = Store(state_dir / STATE_DB)
        seed.ensure_seeded(store)
    except sqlite3.Error as exc:
        raise CliError(f"cannot open the state in {state_dir}: {exc}", EXIT_STATE) from None
    return store


def _roles_of(store: Store, object_id: str) -> list[dict[str, str]]:
    from emulator.authorization import rbac

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


def _principal_json(record: PrincipalRecord, secret: bool = True) -> dict[str, str]:
    out = {
        "name": record.name,
        "client_id": record.client_id,
        "object_id": record.object_id,
        "display_name": record.display_name,
    }
    if secret:
        out["client_secret"] = record.client_secret
    return out


def _add_to_connection_file(state_dir: Path, record: PrincipalRecord) -> bool:
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
