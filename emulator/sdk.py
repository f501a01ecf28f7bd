"""Point the official Azure SDKs at a running emulator.

The emulator itself never imports the SDKs; these helpers do, lazily, for callers that have them
(tests, benchmarks, the provisioner's emulator target, users' own scripts)::

    from emulator.connection import load
    from emulator.sdk import credential, client_options

    conn = load(".emulator/local/connection.json")
    cs = CognitiveServicesManagementClient(credential(conn), conn.subscription_id,
                                           **client_options(conn))
"""

from __future__ import annotations

from typing import Any

from emulator.connection import Connection

__all__ = ["client_options", "credential"]


def credential(
    conn: Connection, principal: str = "deployer", *, aio: bool = False, **kwargs: Any
) -> Any:
    """A ``ClientSecretCredential`` (sync, or ``aio``) for a principal named in connection.json.

    Instance discovery is off (it would call login.microsoftonline.com) and the emulator's CA is
    trusted. Extra keyword arguments go to the credential (e.g. ``transport=`` to share one
    connection with the management clients). Raises ``KeyError`` for an unknown principal name.
    """
    if aio:
        from azure.identity.aio import ClientSecretCredential
    else:
        from azure.identity import ClientSecretCredential  # type: ignore[assignment]  # sync and aio classes share the name; `aio` picks one
    p = conn.principals[principal]
    return ClientSecretCredential(
        conn.tenant_id,
        p.client_id,
        p.client_secret,
        authority=conn.authority_url,
        disable_instance_discovery=True,
        connection_verify=str(conn.ca_bundle),
        **kwargs,
    )


def client_options(conn: Connection, polling_interval: float | None = 0) -> dict[str, Any]:
    """Keyword arguments for a management client: base URL, CA, LRO polling interval.

    ``polling_interval=None`` leaves it out (``AuthorizationManagementClient`` has no LROs).
    """
    options: dict[str, Any] = {"base_url": conn.arm_url, "connection_verify": str(conn.ca_bundle)}
    if polling_interval is not None:
        options["polling_interval"] = polling_interval
    return options
