"""Service principals of the emulated tenant (app registrations with one client secret)."""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass

from emulator.store import Store

KIND = "principal"


@dataclass(frozen=True)
class PrincipalRecord:
    """A service principal as the directory knows it."""

    name: str
    object_id: str
    client_id: str
    display_name: str
    client_secret: str

    def secret_matches(self, candidate: str) -> bool:
        """Constant-time secret comparison."""
        return hmac.compare_digest(self.client_secret.encode(), candidate.encode())

    def __repr__(self) -> str:
        return f"PrincipalRecord(name={self.name!r}, object_id={self.object_id!r})"


def add(store: Store, name: str, display_name: str | None = None) -> PrincipalRecord:
    """Register a new service principal; ``name`` must be unique in the tenant."""
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError("a principal name uses letters, digits, '-' and '_' only")
    with store.transaction():
        if by_name(store, name) is not None:
            raise ValueError(f"principal '{name}' already exists")
        record = PrincipalRecord(
            name=name,
            object_id=str(uuid.uuid4()),
            client_id=str(uuid.uuid4()),
            display_name=display_name or name,
            client_secret=secrets.token_urlsafe(30),
        )
        store.put(KIND, record.object_id, record.__dict__)
    return record


def all_principals(store: Store) -> list[PrincipalRecord]:
    """Every principal in the tenant."""
    return [PrincipalRecord(**doc) for doc in store.list(KIND)]


def by_object_id(store: Store, object_id: str) -> PrincipalRecord | None:
    """Look up by object id (the ``oid`` claim)."""
    doc = store.get(KIND, object_id)
    return PrincipalRecord(**doc) if doc else None


def by_client_id(store: Store, client_id: str) -> PrincipalRecord | None:
    """Look up by application (client) id."""
    wanted = client_id.lower()
    return next((p for p in all_principals(store) if p.client_id.lower() == wanted), None)


def by_name(store: Store, name: str) -> PrincipalRecord | None:
    """Look up by the emulator-local name (``deployer``, ``app``, ...)."""
    return next((p for p in all_principals(store) if p.name == name), None)
