"""Table-driven tests of the pure planners: ``plan_cases/*.json`` = {desired, actual} -> changes.

Each case has ``environment`` (a patch over the base environment in prov_helpers), ``actual``
(shorthand: ``"tags": "owned"``) and either ``changes`` or ``error``; ``down`` selects the
teardown planner. Every change, and above all every no-op, must explain itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from prov_helpers import actual_from_dict, make_desired

from provision.changes import Create, NoOp, Plan
from provision.errors import PlanError
from provision.plan import diff
from provision.teardown import plan_down

CASES = sorted((Path(__file__).parent / "plan_cases").glob("*.json"))


def _run(case: dict[str, Any]) -> Plan:
    desired = make_desired(case.get("environment"))
    actual = actual_from_dict(case.get("actual", {}), desired)
    if "down" in case:
        return plan_down(desired, actual, purge=case["down"]["purge"])
    return diff(desired, actual)


def test_there_are_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_plan_case(path: Path) -> None:
    case = json.loads(path.read_text())
    assert case.get("description"), "every case says what it shows"
    if "error" in case:
        with pytest.raises(PlanError) as info:
            _run(case)
        assert case["error"] in str(info.value)
        return
    plan = _run(case)
    got = [(c.action, c.ref.kind, c.ref.name) for c in plan.changes]
    want = [(c["action"], c["kind"], c["name"]) for c in case["changes"]]
    assert len(got) == len(want), f"{got}\n!=\n{want}"
    for change, expected in zip(plan.changes, case["changes"], strict=True):
        assert change.action == expected["action"], (change, expected)
        assert change.ref.kind == expected["kind"], (change, expected)
        if expected["name"] is not None:
            assert change.ref.name == expected["name"], (change, expected)
        if "fields" in expected:
            assert [d.field for d in getattr(change, "diffs", ())] == expected["fields"]
        if "restore" in expected:
            assert isinstance(change, Create) and change.restore == expected["restore"]
        assert change.reason.strip(), f"{change} has no reason"
    for name, text in case.get("reason_contains", {}).items():
        reasons = [c.reason for c in plan.changes if c.ref.name == name]
        assert reasons and text in reasons[0], (name, reasons)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_noop_explains_itself(path: Path) -> None:
    case = json.loads(path.read_text())
    if "error" in case:
        return
    noops = [c for c in _run(case).changes if isinstance(c, NoOp)]
    for noop in noops:
        assert len(noop.reason) > 8, f"no-op {noop.ref} lacks a real reason: {noop.reason!r}"


def test_converged_plan_has_no_changes_and_json_round_trips() -> None:
    case = json.loads(
        (Path(__file__).parent / "plan_cases/converged_is_all_noops.json").read_text()
    )
    plan = _run(case)
    assert not plan.has_changes
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["summary"]["no-op"] == len(plan.changes)
    assert all(c["reason"] for c in data["changes"])


def test_destructive_changes_are_flagged() -> None:
    case = json.loads(
        (Path(__file__).parent / "plan_cases/model_name_change_is_replace.json").read_text()
    )
    plan = _run(case)
    assert [c.ref.name for c in plan.destructive] == ["gpt-realtime"]


def test_diff_is_pure_and_deterministic() -> None:
    case = json.loads(
        (Path(__file__).parent / "plan_cases/empty_creates_everything.json").read_text()
    )
    assert _run(case) == _run(case)
