"""A request log so tests and benchmarks can count what clients really sent."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

_MAX_RECORDS = 20_000


class RequestStats:
    """Thread-safe log of (service, method, path, status)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []

    def record(self, service: str, method: str, path: str, status: int) -> None:
        """Add one served request."""
        with self._lock:
            if len(self._records) >= _MAX_RECORDS:
                del self._records[: _MAX_RECORDS // 2]
            self._records.append(
                {"service": service, "method": method, "path": path, "status": status}
            )

    def snapshot(self) -> dict[str, Any]:
        """Totals by service and the ordered log."""
        with self._lock:
            records = list(self._records)
        return {
            "total": len(records),
            "by_service": dict(Counter(r["service"] for r in records)),
            "requests": records,
        }

    def reset(self) -> None:
        """Forget everything."""
        with self._lock:
            self._records.clear()
