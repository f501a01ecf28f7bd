"""``realtime-emulator sample-url``: the ready-to-open URL of the WebRTC sample page.

The URL carries the running emulator's ``sample_token`` (from ``connection.json``, 0600) in its
fragment, so only the owner of the state directory can build it. It goes to this command's
stdout only: ``serve`` never prints it, because its output often ends up in log files.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import click

from emulator import connection
from emulator.cli_common import EXIT_UNREACHABLE, EXIT_USAGE, CliError, connection_option


def sample_page_url(conn: connection.Connection, subdomain: str, deployment: str) -> str:
    """``{url}/samples/webrtc/{subdomain}/{deployment}#token=…`` for a running emulator."""
    path = f"/samples/webrtc/{quote(subdomain, safe='')}/{quote(deployment, safe='')}"
    return f"{conn.url}{path}#token={quote(conn.sample_token, safe='')}"


@click.command("sample-url")
@click.option("--deployment", required=True, help="Deployment name, e.g. gpt-realtime.")
@click.option(
    "--account",
    "subdomain",
    default=None,
    help="The account's custom subdomain [default: the one account holding DEPLOYMENT].",
)
@connection_option
def sample_url(
    state_dir: Path, connection_file: Path | None, deployment: str, subdomain: str | None
) -> None:
    """Print the WebRTC sample page's URL, secret token included (valid until the next start).

    \b
    Examples:
      realtime-emulator sample-url --deployment gpt-realtime
      realtime-emulator sample-url --account myaccount --deployment gpt-realtime
    """
    file = connection_file or state_dir / connection.FILE_NAME
    try:
        conn = connection.load(file)
    except ValueError:
        raise CliError(
            f"no running emulator: cannot read {file} (start one with 'realtime-emulator serve')",
            EXIT_UNREACHABLE,
        ) from None
    if not conn.sample_token:
        raise CliError(f"{file} has no sample_token: restart the emulator", EXIT_UNREACHABLE)
    if subdomain is None:
        subdomain = _account_of(file.parent, deployment)
    click.echo(sample_page_url(conn, subdomain, deployment))


def _account_of(state_dir: Path, deployment: str) -> str:
    """The subdomain of the one live account with a deployment of that name."""
    # Imported here: the store is needed only for this lookup, not for `--help`.
    from emulator.arm.common import now
    from emulator.cognitiveservices.accounts import models as accounts
    from emulator.cognitiveservices.deployments import models as deployments
    from emulator.dispatch import STATE_DB
    from emulator.store import Store

    store = Store(state_dir / STATE_DB)
    try:
        at = now()
        found: set[str] = set()
        for doc in store.list(deployments.KIND):
            if doc["name"].lower() != deployment.lower() or deployments.is_gone(doc, at):
                continue
            account = store.get(accounts.KIND, doc["accountId"].lower())
            if account is not None and accounts.is_live(account, at):
                found.add(accounts.subdomain_of(account) or "")
    finally:
        store.close()
    found.discard("")
    if len(found) == 1:
        return found.pop()
    where = f"several accounts ({', '.join(sorted(found))})" if found else "no account"
    raise CliError(f"{where} has a deployment '{deployment}': pass --account", EXIT_USAGE)
