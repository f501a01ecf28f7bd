"""Readiness after ``up``: which identities are probed (pure), and the wait against the emulator.

The emulator keeps a new role assignment invisible to the data plane for
``role_propagation_seconds``; ``up`` must wait it out (and say so), or fail with exit 4.
"""

from __future__ import annotations

import json

from e2e_helpers import DEPLOYMENTS, Project
from prov_helpers import APP, ME, make_desired

from provision.apply import ApplyResult
from provision.changes import Create, Delete, Ref, Update
from provision.readiness import needs_wait, plan_checks, summarize

OTHER = "00000000-0000-0000-0000-0000000000b1"


def _probes(desired, **kwargs):  # type: ignore[no-untyped-def]
    probes, notes = plan_checks(desired, **kwargs)
    return sorted({(p.deployment, p.identity.label, p.identity.principal) for p in probes}), notes


def test_emulator_probes_every_named_principal_and_self() -> None:
    desired = make_desired()  # emulator:app + self, two deployments
    known = {APP.object_id: "app", ME.object_id: "deployer"}
    probes, notes = _probes(desired, target="emulator", self_principal="deployer", known=known)
    assert probes == sorted(
        (d, label, principal)
        for d in ("gpt-realtime", "gpt-4o-realtime-preview")
        for label, principal in (("emulator:app", "app"), ("self (emulator:deployer)", "deployer"))
    )
    assert notes == []


def test_azure_probes_only_self_and_says_why() -> None:
    desired = make_desired(
        {
            "target": "azure",
            "role_assignments": [
                {"principal": "self"},
                {"principal": OTHER, "principal_type": "ServicePrincipal"},
                {"principal": "self", "role": "Cognitive Services Contributor"},
            ],
        }
    )
    probes, notes = _probes(desired, target="azure", self_principal=None, known={})
    assert {(label, principal) for _, label, principal in probes} == {("self", None)}
    assert any(OTHER in n and "cannot act as" in n for n in notes)
    assert any("Cognitive Services Contributor" in n and "not checked" in n for n in notes)
    assert any("only the signed-in identity" in n for n in notes)


def test_wait_only_after_data_plane_writes() -> None:
    def result(*changes):  # type: ignore[no-untyped-def]
        return ApplyResult("dev", applied=tuple(changes))

    assert not needs_wait(None)
    assert not needs_wait(result(Create(Ref("resource_group", "rg"), "new")))
    assert not needs_wait(result(Delete(Ref("deployment", "d"), "gone")))
    assert needs_wait(result(Create(Ref("role_assignment", "r"), "new")))
    assert needs_wait(result(Update(Ref("deployment", "d"), "capacity")))


def test_refusals_are_summarized_by_status_code_and_meaning() -> None:
    assert summarize(()) == "accepted at first attempt"
    text = summarize(
        (
            (404, "DeploymentNotFound: The API deployment ..."),
            (401, "PermissionDenied: The principal ..."),
            (401, "PermissionDenied: The principal ..."),
        )
    )
    assert text == (
        "refused 3x: 404 DeploymentNotFound (deployment not visible yet) x1, "
        "401 PermissionDenied (role not effective yet) x2"
    )


def test_up_waits_for_role_propagation_then_reports_ready(project: Project) -> None:
    project.emu.config.role_propagation_seconds = 2.0
    up = project.applied("up", "--yes")
    ready = up["readiness"]
    assert ready["ready"] is True and ready["skipped"] is None
    checks = {(c["deployment"], c["identity"]) for c in ready["checks"]}
    assert checks == {
        (d, who) for d in DEPLOYMENTS for who in ("emulator:app", "self (emulator:deployer)")
    }
    for check in ready["checks"]:
        assert check["ready"] and check["error"] is None
        assert check["refusals"] and {r["status"] for r in check["refusals"]} == {401}
        assert 1.0 <= check["waited_s"] < 10, check
        assert "role not effective yet" in check["summary"]
    assert {c["dialect"] for c in ready["checks"]} == {"ga"}  # GA for every model by default

    again = project.applied("up", "--yes")  # nothing changed: nothing to wait for
    assert again["apply"] is None and again["readiness"] is None


def test_up_readiness_timeout_is_exit_4_with_a_clear_message(project: Project) -> None:
    project.emu.config.role_propagation_seconds = 120.0
    result = project.run("up", "--yes", "--json", "--wait-timeout", "0.3")
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("error: local: applied, but the data plane did not accept 8 of 8")
    assert "within 0.3s" in error and "401 PermissionDenied" in error and "smoke run" in error
    (data,) = json.loads(result.stdout)["environments"]
    assert data["readiness"]["ready"] is False and len(data["apply"]["applied"]) == 8
    assert all(not c["ready"] and c["error"] for c in data["readiness"]["checks"])


def test_no_wait_and_env_file_setting_skip_the_wait(project: Project) -> None:
    project.emu.config.role_propagation_seconds = 120.0
    up = project.applied("up", "--yes", "--no-wait")
    assert up["readiness"] is None and len(up["apply"]["applied"]) == 8

    capacity = {'sku = "GlobalStandard"\ncapacity = 1': 'sku = "GlobalStandard"\ncapacity = 2'}
    project.write("local", append="\n[readiness]\ntimeout_seconds = 0.2\n", **capacity)
    text = project.run("up", "--yes")  # a deployment update: wait again, 0.2 s at most
    assert text.exit_code == 4, text.output
    assert "NOT ready" in text.stdout and "within 0.2s" in text.stdout
