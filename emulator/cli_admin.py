"""``realtime-emulator config|token|stats``: talk to a running emulator's admin API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from emulator import connection
from emulator.admin_client import AdminError, admin_client
from emulator.cli_common import EXIT_REJECTED, EXIT_UNREACHABLE, CliError, connection_option


@click.group()
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


@click.command()
@click.option("--principal", "name", default="deployer", show_default=True)
@click.option("--scope", default="https://management.azure.com/.default", show_default=True)
@connection_option
def token(state_dir: Path, connection_file: Path | None, name: str, scope: str) -> None:
    """Print an access token for a principal (e.g. for curl)."""
    audience = scope.removesuffix("/.default").removesuffix(".default").rstrip("/")
    body = {"principal": name, "audience": audience}
    click.echo(_admin(state_dir, connection_file, "POST", "/_admin/tokens", body)["access_token"])


@click.command()
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
