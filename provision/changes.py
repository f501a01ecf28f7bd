"""The vocabulary of a plan: ``Create | Update | Replace | Delete | NoOp``, in order.

Changes are frozen values; ``spec`` holds the desired object for writes and ``state`` the
actual object for deletes, so ``apply`` needs nothing else to execute them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

Kind = Literal["resource_group", "account", "deleted_account", "deployment", "role_assignment"]

KIND_LABEL = {
    "resource_group": "resource group",
    "account": "account",
    "deleted_account": "soft-deleted account",
    "deployment": "deployment",
    "role_assignment": "role assignment",
}


@dataclass(frozen=True)
class Ref:
    """Which resource a change is about."""

    kind: Kind
    name: str

    def __str__(self) -> str:
        return f"{KIND_LABEL[self.kind]} {self.name}"


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs: ``old`` (actual) -> ``new`` (desired)."""

    field: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.field}: {self.old!r} -> {self.new!r}"


@dataclass(frozen=True)
class Change:
    """Base class; ``reason`` says why the change (or the absence of one) was decided."""

    ref: Ref
    reason: str

    action: ClassVar[str] = "change"
    destructive: ClassVar[bool] = False
    writes: ClassVar[bool] = True

    def describe(self) -> str:
        return f"{self.action} {self.ref}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action,
            "kind": self.ref.kind,
            "name": self.ref.name,
            "reason": self.reason,
        }
        diffs = getattr(self, "diffs", ())
        if diffs:
            out["diffs"] = [{"field": d.field, "old": d.old, "new": d.new} for d in diffs]
        return out


@dataclass(frozen=True)
class Create(Change):
    spec: Any = None
    restore: bool = False  # account only: recover the soft-deleted account of the same name
    action: ClassVar[str] = "create"


@dataclass(frozen=True)
class Update(Change):
    diffs: tuple[FieldDiff, ...] = ()
    spec: Any = None
    state: Any = None
    action: ClassVar[str] = "update"

    @property
    def wait_only(self) -> bool:
        """True when the resource only needs to finish provisioning (no write)."""
        return all(d.field == "provisioning_state" for d in self.diffs) and all(
            d.old not in ("Failed", "Canceled") for d in self.diffs
        )


@dataclass(frozen=True)
class Replace(Change):
    diffs: tuple[FieldDiff, ...] = ()
    spec: Any = None
    state: Any = None
    action: ClassVar[str] = "replace"
    destructive: ClassVar[bool] = True


@dataclass(frozen=True)
class Delete(Change):
    state: Any = None
    action: ClassVar[str] = "delete"
    destructive: ClassVar[bool] = True


@dataclass(frozen=True)
class NoOp(Change):
    action: ClassVar[str] = "no-op"
    writes: ClassVar[bool] = False


@dataclass(frozen=True)
class Plan:
    """An ordered list of changes for one environment."""

    environment: str
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def pending(self) -> tuple[Change, ...]:
        """Changes that write (everything but NoOps)."""
        return tuple(c for c in self.changes if c.writes)

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)

    @property
    def destructive(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.destructive)

    def summary(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "replace": 0, "delete": 0, "no-op": 0}
        for change in self.changes:
            counts[change.action] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "has_changes": self.has_changes,
            "summary": self.summary(),
            "changes": [c.to_dict() for c in self.changes],
        }
