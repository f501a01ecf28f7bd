"""Replacements end to end: an account whose kind changes, a deployment whose model changes.

Both are destructive: ``up`` without ``--yes`` and without a terminal refuses (exit 2) and
changes nothing; ``up --yes`` deletes, purges (soft_delete = purge), re-creates, redeploys,
re-grants and waits for the data plane; the next plan is clean.
"""

from __future__ import annotations

from e2e_helpers import ACCOUNT, DEPLOYMENTS, RG, Project

MINI = 'name = "gpt-realtime-mini"\nmodel = "gpt-realtime-mini"\nversion = "2025-10-06"'
MINI_ON_GPT_REALTIME = 'name = "gpt-realtime-mini"\nmodel = "gpt-realtime"\nversion = "2025-08-28"'


def _applied(up: dict) -> list[tuple[str, str]]:
    return [(c["action"], c["kind"]) for c in up["apply"]["applied"]]


def test_account_kind_change_replaces_the_account(project: Project) -> None:
    assert project.run("up", "--yes").exit_code == 0
    project.write("local", **{'kind = "OpenAI"': 'kind = "AIServices"'})

    plan = project.json("plan", code=3)
    account = next(c for c in plan["changes"] if c["kind"] == "account")
    assert account["action"] == "replace"
    assert account["diffs"] == [{"field": "kind", "old": "OpenAI", "new": "AIServices"}]
    assert "purge" in account["reason"]

    refused = project.run("up")  # CliRunner: no terminal to ask
    assert refused.exit_code == 2, refused.output
    line = refused.stderr.strip().splitlines()[-1]
    assert line.startswith("error: not applied: local needs confirmation for replace account")
    assert "'OpenAI' -> 'AIServices'" in line and "--yes" in line
    backend = project.backend()
    assert backend.get_account(RG, ACCOUNT).kind == "OpenAI"  # untouched

    up = project.applied("up", "--yes")
    applied = _applied(up)
    # The group is tagged "readiness pending" first (provision.marker), then the account replaced.
    assert applied[:2] == [("update", "resource_group"), ("replace", "account")]
    assert applied.count(("create", "deployment")) == 4
    assert applied.count(("create", "role_assignment")) == 2
    assert up["readiness"]["ready"] is True and len(up["readiness"]["checks"]) == 8
    assert backend.get_account(RG, ACCOUNT).kind == "AIServices"
    assert backend.get_deleted_account("swedencentral", RG, ACCOUNT) is None  # purged
    assert sorted(d.name for d in backend.list_deployments(RG, ACCOUNT)) == DEPLOYMENTS
    final = project.json("plan")
    assert final["has_changes"] is False


def test_account_replacement_under_fail_policy_is_refused_before_any_write(
    project: Project,
) -> None:
    assert project.run("up", "--yes").exit_code == 0
    project.write(
        "local",
        **{
            'kind = "OpenAI"': 'kind = "AIServices"',
            'soft_delete = "purge"': 'soft_delete = "fail"',
        },
    )
    project.emu.reset_stats()
    result = project.run("up", "--yes")
    assert result.exit_code == 1
    assert "forbids purging it. Set soft_delete = 'purge'" in result.stderr
    assert {r["method"] for r in project.emu.stats()["requests"] if r["service"] == "arm"} == {
        "GET"
    }


def test_deployment_model_change_replaces_the_deployment(project: Project) -> None:
    assert project.run("up", "--yes").exit_code == 0
    project.write("local", **{MINI: MINI_ON_GPT_REALTIME})

    plan = project.json("plan", code=3)
    pending = [
        (c["action"], c["kind"], c["name"]) for c in plan["changes"] if c["action"] != "no-op"
    ]
    assert pending == [("replace", "deployment", "gpt-realtime-mini")]

    refused = project.run("up")
    assert refused.exit_code == 2 and "replace deployment gpt-realtime-mini" in refused.stderr

    up = project.applied("up", "--yes")
    assert _applied(up) == [("update", "resource_group"), ("replace", "deployment")]  # + marker
    mini = [c for c in up["readiness"]["checks"] if c["deployment"] == "gpt-realtime-mini"]
    assert len(mini) == 2 and all(c["ready"] and c["dialect"] == "ga" for c in mini)
    deployed = {d.name: d for d in project.backend().list_deployments(RG, ACCOUNT)}
    assert (deployed["gpt-realtime-mini"].model, deployed["gpt-realtime-mini"].version) == (
        "gpt-realtime",
        "2025-08-28",
    )
    assert project.json("plan")["has_changes"] is False
