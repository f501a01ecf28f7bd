"""The state store stays consistent when several processes write to one state directory."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from emulator.store import Store


def _writer(path: str, worker: int, count: int) -> None:
    store = Store(Path(path))
    for i in range(count):
        with store.transaction():
            current = store.get("counter", "c") or {"n": 0}
            store.put("counter", "c", {"n": current["n"] + 1})
            store.put("item", f"w{worker}-{i}", {"worker": worker, "i": i})
    store.close()


def test_concurrent_processes_never_lose_writes(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    Store(db).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(db), w, 50)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    store = Store(db)
    assert store.get("counter", "c") == {"n": 150}
    assert len(store.list("item")) == 150


def test_keys_are_case_insensitive_and_prefix_listing_escapes_wildcards(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.put("account", "/Subscriptions/X/RG_1/a", {"v": 1})
    store.put("account", "/subscriptions/x/rg%1/b", {"v": 2})
    assert store.get("account", "/SUBSCRIPTIONS/x/rg_1/A") == {"v": 1}
    assert [d["v"] for d in store.list("account", "/subscriptions/x/rg_1/")] == [1]
    assert store.delete("account", "/subscriptions/x/RG_1/a") is True
    assert store.get("account", "/subscriptions/x/rg_1/a") is None


def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    with pytest.raises(RuntimeError, match="boom"), store.transaction():
        store.put("k", "a", {"v": 1})
        raise RuntimeError("boom")
    assert store.get("k", "a") is None
