"""Helpers shared by the ARM tests."""

from __future__ import annotations

import time
from typing import Any


def wait_until(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Re-evaluate ``predicate`` until it returns something truthy (or fail after timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(interval)
