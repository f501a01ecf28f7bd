"""Every ``provision`` command end to end: CliRunner -> real Azure SDKs -> emulator over TLS.

The CLI finds the test's emulator through ``$PROVISION_EMULATOR_STATE`` (its connection.json
names this live process), exactly as a second terminal would find a running ``emulator serve``.
"""

from __future__ import annotations

from typing import Any

import pytest
from e2e_helpers import ACCOUNT, DEPLOYMENTS, RG, Project

from emulator.api import FaultRule
from provision.model import AccountSpec, DeploymentSpec


def _actions(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["action"], c["kind"]) for c in data["changes"]]


def test_lifecycle_validate_plan_up_idempotent_status_outputs_down(project: Project) -> None:
    assert project.run("validate").exit_code == 0

    plan = project.json("plan", code=3)
    assert plan["has_changes"] and plan["summary"]["create"] == 8

    up = project.applied("up", "--yes")
    assert len(up["apply"]["applied"]) == 8

    again = project.applied("up", "--yes")  # idempotent: nothing to apply
    assert again["apply"] is None and not again["plan"]["has_changes"]
    plan = project.json("plan")  # exit 0: no changes pending
    assert plan["summary"]["no-op"] == 8
    assert all(len(c["reason"]) > 8 for c in plan["changes"])

    status = project.json("status")
    assert status["in_sync"] and status["drift"] == []

    out = project.json("outputs")
    assert out["endpoint"] == f"{project.emu.url}/dataplane/aoai-realtime-local/"
    by_name = {d["name"]: d for d in out["deployments"]}
    assert sorted(by_name) == DEPLOYMENTS
    wss = project.emu.url.replace("https://", "wss://") + "/dataplane/aoai-realtime-local/openai"
    assert by_name["gpt-realtime"]["dialect"] == "ga"
    assert by_name["gpt-realtime"]["realtime_url"] == f"{wss}/v1/realtime?model=gpt-realtime"
    # One dialect rule (smoke.realtime.dialects): GA for every model, -preview ones included.
    assert by_name["gpt-4o-realtime-preview"]["dialect"] == "ga"
    assert by_name["gpt-4o-realtime-preview"]["realtime_url"] == (
        f"{wss}/v1/realtime?model=gpt-4o-realtime-preview"
    )

    down = project.applied("down", "--yes", "--purge")
    assert ("delete", "resource_group") in _actions(down["plan"])
    backend = project.backend()
    assert backend.get_resource_group(RG) is None
    assert backend.get_deleted_account("swedencentral", RG, ACCOUNT) is None  # purged
    assert project.json("plan", code=3)["summary"]["create"] == 8


def test_converged_plan_costs_a_handful_of_requests(project: Project) -> None:
    assert project.run("up", "--yes").exit_code == 0
    project.emu.reset_stats()
    assert project.run("plan").exit_code == 0
    arm = [r for r in project.emu.stats()["requests"] if r["service"] == "arm"]
    # RG, account, deployments, role assignments + the model catalog (lifecycle warnings),
    # read concurrently
    assert len(arm) == 5, arm
    assert {r["method"] for r in arm} == {"GET"}


def test_status_reports_drift_and_up_repairs_it(project: Project) -> None:
    assert project.run("up", "--yes").exit_code == 0
    backend = project.backend()
    backend.delete_deployment(RG, ACCOUNT, "gpt-realtime-mini")
    dep = next(d for d in backend.list_deployments(RG, ACCOUNT) if d.name == "gpt-realtime")
    spec = DeploymentSpec(
        "gpt-realtime",
        dep.model,
        dep.version,
        dep.sku,
        2,
        dep.version_upgrade_option or "NoAutoUpgrade",
        tags=dep.tags,
    )
    backend.put_deployment(RG, ACCOUNT, spec)

    status = project.json("status", code=3)
    drift = {(d["action"], d["name"]) for d in status["drift"]}
    assert drift == {("create", "gpt-realtime-mini"), ("update", "gpt-realtime")}
    update = next(d for d in status["drift"] if d["action"] == "update")
    assert update["diffs"] == [{"field": "capacity", "old": 2, "new": 1}]

    assert project.run("up", "--yes").exit_code == 0
    assert project.json("status")["in_sync"]


def test_down_leaves_foreign_resources_in_the_group(project: Project) -> None:
    assert project.run("up", "--yes").exit_code == 0
    backend = project.backend()
    foreign = AccountSpec(
        "theirs-acct",
        "swedencentral",
        "OpenAI",
        "S0",
        "theirs-acct",
        "Enabled",
        True,
        tags={"owner": "someone-else"},
    )
    backend.put_account(RG, foreign)
    other = project.emu.add_principal("other-app")
    scope = f"/subscriptions/{backend.subscription_id}/resourceGroups/{RG}"
    backend.put_role_assignment(
        scope,
        "0d0d0d0d-0000-4000-8000-000000000001",
        role_definition_guid="a97b65f3-24c7-4388-baec-2e87135dc908",
        principal_id=other.object_id,
        principal_type="ServicePrincipal",
        description="not ours",
    )

    down = project.applied("down", "--yes")
    kept = {c["name"]: c["reason"] for c in down["plan"]["changes"] if c["action"] == "no-op"}
    assert "theirs-acct" in kept[RG]
    assert backend.get_account(RG, ACCOUNT) is None
    assert backend.get_account(RG, "theirs-acct") is not None
    assert backend.get_resource_group(RG) is not None
    assert [a.name for a in backend.list_role_assignments(scope)] == [
        "0d0d0d0d-0000-4000-8000-000000000001"
    ]


def test_down_keeps_account_holding_a_foreign_deployment(project: Project) -> None:
    assert project.run("up", "--yes").exit_code == 0
    backend = project.backend()
    backend.put_deployment(
        RG,
        ACCOUNT,
        DeploymentSpec(
            "theirs", "gpt-realtime", "2025-08-28", "GlobalStandard", 1, "NoAutoUpgrade"
        ),
    )
    assert project.run("down", "--yes").exit_code == 0
    assert [d.name for d in backend.list_deployments(RG, ACCOUNT)] == ["theirs"]
    assert backend.get_resource_group(RG) is not None
    plan = project.json("plan", code=3)  # ours are gone, theirs is reported, not touched
    noop = next(c for c in plan["changes"] if c["name"] == "theirs")
    assert noop["action"] == "no-op" and "not managed" in noop["reason"]


def test_protected_environment_refuses_down(project: Project) -> None:
    project.write("guarded", append="\n[protection]\nprevent_destroy = true\n")
    assert project.run("up", "--yes", env="guarded").exit_code == 0
    refused = project.run("down", "--yes", env="guarded")
    assert refused.exit_code == 2 and "protected" in refused.stderr
    assert project.backend().get_account(RG, ACCOUNT) is not None
    allowed = project.run("down", "--yes", "--confirm-protected", "guarded", env="guarded")
    assert allowed.exit_code == 0
    assert project.backend().get_account(RG, ACCOUNT) is None


def _soft_deleted(project: Project, policy: str) -> None:
    project.write("local", **{'soft_delete = "purge"': f'soft_delete = "{policy}"'})
    assert project.run("up", "--yes").exit_code == 0
    assert project.run("down", "--yes").exit_code == 0  # soft delete, no purge
    assert project.backend().get_deleted_account("swedencentral", RG, ACCOUNT) is not None


def test_soft_deleted_name_policy_fail(project: Project) -> None:
    _soft_deleted(project, "fail")
    result = project.run("up", "--yes")
    assert result.exit_code == 1
    assert "soft-deleted" in result.stderr and "soft_delete = 'restore'" in result.stderr
    assert project.backend().get_account(RG, ACCOUNT) is None


def test_soft_deleted_name_policy_restore(project: Project) -> None:
    _soft_deleted(project, "restore")
    up = project.applied("up", "--yes")
    assert any(c.get("kind") == "account" for c in up["apply"]["applied"])
    backend = project.backend()
    assert backend.get_deleted_account("swedencentral", RG, ACCOUNT) is None
    assert backend.get_account(RG, ACCOUNT).provisioning_state == "Succeeded"
    assert project.json("plan")["has_changes"] is False


def test_soft_deleted_name_policy_purge(project: Project) -> None:
    _soft_deleted(project, "purge")
    up = project.applied("up", "--yes")
    kinds = [c["kind"] for c in up["apply"]["applied"]][:3]
    assert kinds == ["resource_group", "deleted_account", "account"]
    assert project.json("plan")["has_changes"] is False


def test_quota_preflight_fails_before_any_write(project: Project) -> None:
    project.admin(
        "PATCH",
        "/_admin/quota",
        {
            "location": "swedencentral",
            "usageName": "OpenAI.GlobalStandard.gpt-realtime",
            "limit": 0,
        },
    )
    result = project.run("up", "--yes")
    assert result.exit_code == 1
    assert "[quota] quota OpenAI.GlobalStandard.gpt-realtime" in result.stderr
    assert "fix:" in result.stderr and "Traceback" not in result.output
    assert all(
        r["method"] in ("GET", "POST")
        for r in project.emu.stats()["requests"]
        if r["service"] == "arm"
    )  # POST = checkDomainAvailability
    assert project.backend().get_resource_group(RG) is None


def test_region_preflight_names_the_fix(project: Project) -> None:
    project.write("local", **{'location = "swedencentral"': 'location = "westeurope"'})
    result = project.run("plan")
    assert result.exit_code == 1
    assert "gpt-realtime is not offered for kind OpenAI in westeurope" in result.stderr
    assert "swedencentral" in result.stderr
    assert project.backend().get_resource_group(RG) is None


def test_request_conflict_and_throttling_are_retried(project: Project) -> None:
    cfg = project.emu.config
    cfg.faults.append(
        FaultRule(
            match=r"/deployments/gpt-realtime$",
            method="PUT",
            status=409,
            code="RequestConflict",
            times=2,
        )
    )
    cfg.faults.append(
        FaultRule(
            match=r"/roleAssignments/", method="PUT", status=400, code="PrincipalNotFound", times=1
        )
    )
    # 429 without Retry-After (SDK backoff), and random 429s with Retry-After: 1 s (honoured).
    cfg.faults.append(
        FaultRule(match=r"/resourcegroups/", method="PUT", status=429, code="Throttled", times=2)
    )
    cfg.throttle_rate, cfg.seed = 0.05, 7
    up = project.applied("up", "--yes")
    assert up["apply"]["retries"] >= 3
    statuses = project.arm_statuses()
    assert statuses.count(409) == 2 and statuses.count(429) >= 3
    cfg.throttle_rate = 0.0
    assert project.json("plan")["has_changes"] is False


def test_up_after_partial_failure_converges(project: Project) -> None:
    project.emu.config.faults.append(
        FaultRule(
            match=r"/deployments/gpt-realtime-mini$",
            method="PUT",
            kind="lro",
            code="InternalServerError",
            message="Injected LRO failure.",
            times=1,
        )
    )
    failed = project.run("up", "--yes")
    assert failed.exit_code == 1
    assert "create deployment gpt-realtime-mini failed" in failed.stderr
    assert "not attempted: create role assignment" in failed.stderr
    status = project.json("status", code=3)
    assert {d["name"] for d in status["drift"]} >= {"gpt-realtime-mini"}
    assert project.run("up", "--yes").exit_code == 0
    assert project.json("plan")["has_changes"] is False


@pytest.mark.slow
def test_up_smoke_hook_runs_smoke_against_the_same_world(project: Project) -> None:
    text = (project.envs / "local.toml").read_text()
    head, _, tail = text.partition("[[deployments]]")
    one = "[[deployments]]" + tail.split("[[deployments]]")[0]
    rest = "[[role_assignments]]" + tail.split("[[role_assignments]]", 1)[1]
    (project.envs / "local.toml").write_text(head + one + rest)
    result = project.run("up", "--yes", "--smoke")
    assert result.exit_code == 0, result.output
    assert "1/1 deployment(s) passed" in result.output


def test_account_sku_refused_by_preflight_before_any_write(project: Project) -> None:
    project.write("local", **{'sku = "S0"': 'sku = "4d"'})
    plan = project.run("plan")
    assert plan.exit_code == 1
    assert "SKU 4d is not offered for kind OpenAI in swedencentral" in plan.stderr
    assert "set account.sku to one of: S0" in plan.stderr
    up = project.run("up", "--yes")
    assert up.exit_code == 1 and "re-run" not in up.stderr  # no advice that cannot help
    assert [s for s in project.emu.stats()["requests"] if s["method"] in ("PUT", "DELETE")] == []
    assert project.backend().get_resource_group(RG) is None
