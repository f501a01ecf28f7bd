"""``connection.json``: how clients find and authenticate to a running emulator."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILE_NAME = "connection.json"
DEFAULT_STATE_DIR = Path(".emulator") / "default"
"""Where ``realtime-emulator`` keeps its state unless told otherwise (relative to the cwd)."""


@dataclass(frozen=True)
class Principal:
    """A service principal seeded in (or added to) the emulator's tenant."""

    name: str
    client_id: str
    client_secret: str
    object_id: str
    display_name: str

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return (
            f"Principal(name={self.name!r}, client_id={self.client_id!r}, "
            f"object_id={self.object_id!r})"
        )


@dataclass(frozen=True)
class Connection:
    """Everything a client needs to talk to one emulator."""

    url: str
    arm_url: str
    authority_url: str
    data_plane_url: str
    ca_bundle: Path
    tenant_id: str
    subscription_id: str
    port: int
    pid: int
    principals: dict[str, Principal] = field(default_factory=dict)
    graph_url: str = ""
    """Where the Microsoft Graph subset is served (``{url}/graph/``; append ``v1.0/…``)."""
    admin_key: str = field(default="", repr=False)
    """Bearer credential of the ``/_admin`` API (new on every start; the file is 0600)."""
    sample_token: str = field(default="", repr=False)
    """Bearer credential of the WebRTC sample page's backend (new on every start)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (includes secrets: the file is written 0600)."""
        return {
            "url": self.url,
            "arm_url": self.arm_url,
            "authority_url": self.authority_url,
            "data_plane_url": self.data_plane_url,
            "ca_bundle": str(self.ca_bundle),
            "tenant_id": self.tenant_id,
            "subscription_id": self.subscription_id,
            "port": self.port,
            "pid": self.pid,
            "principals": {
                name: {
                    "client_id": p.client_id,
                    "client_secret": p.client_secret,
                    "object_id": p.object_id,
                    "display_name": p.display_name,
                }
                for name, p in self.principals.items()
            },
            "graph_url": self.graph_url,
            "admin_key": self.admin_key,
            "sample_token": self.sample_token,
        }


def load(path: Path) -> Connection:
    """Read a ``connection.json``; raises ``ValueError`` with the file name if it is malformed."""
    try:
        raw = json.loads(Path(path).read_text())
        principals = {
            name: Principal(name=name, **fields) for name, fields in raw["principals"].items()
        }
        return Connection(
            url=raw["url"],
            arm_url=raw["arm_url"],
            authority_url=raw["authority_url"],
            data_plane_url=raw["data_plane_url"],
            ca_bundle=Path(raw["ca_bundle"]),
            tenant_id=raw["tenant_id"],
            subscription_id=raw["subscription_id"],
            port=int(raw["port"]),
            pid=int(raw["pid"]),
            principals=principals,
            graph_url=str(raw.get("graph_url", "")),
            admin_key=str(raw.get("admin_key", "")),
            sample_token=str(raw.get("sample_token", "")),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a valid emulator connection file ({exc})") from None


def write(path: Path, connection: Connection) -> None:
    """Write atomically with owner-only permissions."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(connection.to_dict(), handle, indent=2)
    os.replace(tmp, path)
