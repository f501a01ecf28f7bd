"""The readiness-pending marker (pure): added with the plan's first change, read back on rerun,
never on a resource group this environment does not own."""

from __future__ import annotations

from prov_helpers import actual_from_dict, make_desired

from provision.backends.fake import FakeBackend
from provision.changes import Create, NoOp, Update
from provision.marker import MARKER_TAG, PENDING, clear, mark, pending
from provision.model import ActualState, ResourceGroupState, ownership_tags
from provision.plan import diff


def _owned_group(extra: dict[str, str] | None = None) -> ActualState:
    desired = make_desired()
    actual = actual_from_dict(
        {"resource_group": {"name": "rg-dev", "location": "swedencentral", "tags": "owned"}},
        desired,
    )
    assert actual.resource_group is not None
    tags = {**actual.resource_group.tags, **(extra or {})}
    rg = ResourceGroupState("rg-dev", "swedencentral", tags)
    return ActualState(resource_group=rg)


def test_a_new_group_is_created_with_the_marker() -> None:
    desired = make_desired()
    marked = mark(diff(desired, ActualState()), desired, ActualState())
    first = marked.changes[0]
    assert isinstance(first, Create) and first.spec.tags[MARKER_TAG] == PENDING


def test_an_unchanged_owned_group_gets_a_tag_update() -> None:
    desired, actual = make_desired(), _owned_group()
    plan = diff(desired, actual)
    assert isinstance(plan.changes[0], NoOp)
    first = mark(plan, desired, actual).changes[0]
    assert isinstance(first, Update) and first.spec.tags[MARKER_TAG] == PENDING
    assert "readiness pending" in first.reason


def test_pending_is_read_from_the_tag() -> None:
    desired = make_desired()
    assert pending(desired, _owned_group({MARKER_TAG: PENDING})) is True
    assert pending(desired, _owned_group()) is False
    assert pending(desired, ActualState()) is False  # nothing yet: the plan creates and marks


def test_a_foreign_group_is_never_tagged_and_always_proves() -> None:
    desired = make_desired()
    foreign = ActualState(resource_group=ResourceGroupState("rg-dev", "swedencentral", {}))
    plan = diff(desired, foreign)
    assert mark(plan, desired, foreign) == plan
    assert pending(desired, foreign) is True


def test_clear_removes_only_the_marker() -> None:
    desired = make_desired()
    backend = FakeBackend()
    tags = {**ownership_tags("dev"), "project": "x", MARKER_TAG: PENDING}
    actual = ActualState(resource_group=ResourceGroupState("rg-dev", "swedencentral", tags))
    assert clear(backend, desired, actual) is True
    written = backend.groups["rg-dev"].tags
    assert MARKER_TAG not in written and written["project"] == "x"
    assert clear(backend, desired, ActualState()) is False
