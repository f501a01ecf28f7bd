"""Persistent emulator state: JSON documents in SQLite, safe across threads and processes.

Every service keeps its resources as ``(kind, key) -> document``. Keys are case-folded
resource ids, because Azure compares names case-insensitively. Reads always go to the
database, so separate processes serving one state directory see one world.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, key)
)
"""


class Store:
    """Document store over one SQLite file (WAL mode, immediate write transactions)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._depth = 0

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group reads and writes atomically; other processes wait (``BEGIN IMMEDIATE``).

        Nested use joins the outer transaction.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        """The document stored under ``key`` (case-insensitive), or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM docs WHERE kind = ? AND key = ?", (kind, key.lower())
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        """Insert or replace a document."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO docs (kind, key, doc) VALUES (?, ?, ?)",
                (kind, key.lower(), json.dumps(doc, separators=(",", ":"))),
            )

    def delete(self, kind: str, key: str) -> bool:
        """Remove a document; returns whether it existed."""
        with self._lock:
            cur = self._db.execute(
                "DELETE FROM docs WHERE kind = ? AND key = ?", (kind, key.lower())
            )
        return cur.rowcount > 0

    def list(self, kind: str, prefix: str = "") -> list[dict[str, Any]]:
        """All documents of a kind whose key starts with ``prefix`` (case-insensitive)."""
        pattern = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._lock:
            rows = self._db.execute(
                "SELECT doc FROM docs WHERE kind = ? AND key LIKE ? ESCAPE '\\' ORDER BY key",
                (kind, pattern + "%"),
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def get_meta(self, name: str) -> Any:
        """A value from the ``meta`` kind (tenant id, subscription id, ...)."""
        doc = self.get("meta", name)
        return None if doc is None else doc["value"]

    def set_meta(self, name: str, value: Any) -> None:
        """Store a value in the ``meta`` kind."""
        self.put("meta", name, {"value": value})
