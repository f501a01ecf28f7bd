"""The Azure CLI (latest from PyPI, in a throwaway venv) against ``emulator serve``.

The session a user types: register the emulator as a cloud by endpoint discovery alone, sign in
as a service principal, create a group, an OpenAI account and one deployment per realtime model
(the CLI sends ``sku.capacity`` as a string), assign a role to the app by its appId (Graph
lookups), list assignments and deployments, show the service principal. Default ``serve`` timing
(realistic: writes take about 2 s), one CLI session per module.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from emulator.api import admin_client
from tests.conformance.azcli import Az, az_environment
from tests.conformance.served import Served

# One worker runs the whole module: its fixtures (served emulator, sign-in, resources) once.
pytestmark = [pytest.mark.timeout(1500), pytest.mark.xdist_group("azure-cli")]

RG, ACCOUNT, LOCATION = "rg-azcli", "aoai-azcli", "swedencentral"
OPENAI_USER = "Cognitive Services OpenAI User"
REALTIME_MODELS = [
    ("gpt-realtime", "2025-08-28"),
    ("gpt-realtime-mini", "2025-10-06"),
    ("gpt-4o-realtime-preview", "2024-12-17"),
    ("gpt-4o-mini-realtime-preview", "2024-12-17"),
]


@pytest.fixture(scope="module")
def az(
    served: Served, az_executable: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Az]:
    conn = served.connection
    runner = Az(
        az_executable,
        az_environment(tmp_path_factory.mktemp("azure-config"), conn.ca_bundle),
        secrets=[p.client_secret for p in conn.principals.values()],
    )
    yield runner


@pytest.fixture(scope="module")
def signed_in(az: Az, served: Served) -> dict[str, Any]:
    """Cloud registered by discovery and a service-principal sign-in."""
    conn = served.connection
    # Only the Resource Manager URL: login, audience and Graph come from /metadata/endpoints.
    az.run(
        "cloud", "register", "-n", "LocalEmulator", "--endpoint-resource-manager", conn.url + "/"
    )
    az.run("cloud", "set", "-n", "LocalEmulator")
    deployer = conn.principals["deployer"]
    accounts = az.run(
        "login",
        "--service-principal",
        "-u",
        deployer.client_id,
        "-p",
        deployer.client_secret,
        "--tenant",
        conn.tenant_id,
    )
    return {"accounts": accounts}


@pytest.fixture(scope="module")
def account(az: Az, signed_in: dict[str, Any]) -> dict[str, Any]:
    az.run("group", "create", "-n", RG, "-l", LOCATION)
    return az.run(
        "cognitiveservices", "account", "create", "-n", ACCOUNT, "-g", RG, "--kind", "OpenAI",
        "--sku", "S0", "-l", LOCATION, "--custom-domain", ACCOUNT, "--yes",
    )  # fmt: skip


def test_cloud_registered_by_discovery_points_at_the_emulator(
    az: Az, signed_in: dict[str, Any], served: Served
) -> None:
    cloud = az.run("cloud", "show", "-n", "LocalEmulator")
    url = served.connection.url
    assert cloud["endpoints"]["resourceManager"] == url + "/"
    assert cloud["endpoints"]["activeDirectory"] == url
    assert cloud["endpoints"]["microsoftGraphResourceId"] == url + "/graph/"


def test_service_principal_login_lists_the_subscription(
    signed_in: dict[str, Any], served: Served
) -> None:
    [subscription] = signed_in["accounts"]
    assert subscription["id"] == served.connection.subscription_id
    assert subscription["tenantId"] == served.connection.tenant_id
    assert subscription["user"]["type"] == "servicePrincipal"


def test_account_create_succeeds(account: dict[str, Any]) -> None:
    assert account["properties"]["provisioningState"] == "Succeeded"
    assert account["kind"] == "OpenAI"
    assert account["properties"]["endpoint"]


def _wait_for_deployment(az: Az, name: str, timeout_s: float = 90) -> dict[str, Any]:
    """Poll ``deployment show`` until the write finished (the CLI's create does not wait)."""
    deadline = time.monotonic() + timeout_s
    while True:
        shown = az.run(
            "cognitiveservices", "account", "deployment", "show", "-g", RG, "-n", ACCOUNT,
            "--deployment-name", name,
        )  # fmt: skip
        state = shown["properties"]["provisioningState"]
        if state != "Creating" and state != "Updating":
            return dict(shown)
        assert time.monotonic() < deadline, f"{name} still {state} after {timeout_s} s"


def test_one_deployment_per_realtime_model_with_capacity_as_sent_by_the_cli(
    az: Az, account: dict[str, Any]
) -> None:
    # `deployment create` sends {"sku": {"capacity": "1"}} and returns at once (polling=False):
    # with realistic timing the write is still in progress, and the account stays locked until
    # it finishes, so each create waits for the previous one, as on Azure.
    for model, version in REALTIME_MODELS:
        created = az.run(
            "cognitiveservices", "account", "deployment", "create", "-g", RG, "-n", ACCOUNT,
            "--deployment-name", model, "--model-name", model, "--model-version", version,
            "--model-format", "OpenAI", "--sku-name", "GlobalStandard", "--sku-capacity", "1",
        )  # fmt: skip
        assert created["properties"]["provisioningState"] in ("Creating", "Succeeded"), created
        assert (created["sku"]["name"], created["sku"]["capacity"]) == ("GlobalStandard", 1)
        assert _wait_for_deployment(az, model)["properties"]["provisioningState"] == "Succeeded"
    listed = az.run("cognitiveservices", "account", "deployment", "list", "-g", RG, "-n", ACCOUNT)
    assert sorted(d["name"] for d in listed) == sorted(m for m, _ in REALTIME_MODELS)
    assert {d["properties"]["model"]["version"] for d in listed} == {v for _, v in REALTIME_MODELS}


def test_parallel_creates_on_one_account_meet_request_conflict(
    az: Az, account: dict[str, Any]
) -> None:
    # Four `az … deployment create … &` at once: the first write holds the account's lock for
    # ~2 s (realistic timing) and the others arrive meanwhile, as in a pipeline that fans out.
    names = [f"parallel-{i}" for i in range(4)]
    base = [
        "cognitiveservices", "account", "deployment", "create", "-g", RG, "-n", ACCOUNT,
        "--model-name", "gpt-realtime-mini", "--model-version", "2025-10-06",
        "--model-format", "OpenAI", "--sku-name", "GlobalStandard", "--sku-capacity", "1",
    ]  # fmt: skip
    with ThreadPoolExecutor(len(names)) as pool:
        results = list(pool.map(lambda n: az.call(*base, "--deployment-name", n), names))
    accepted = [n for n, r in zip(names, results, strict=True) if r.returncode == 0]
    conflicts = [r for r in results if r.returncode != 0]
    assert accepted, [r.stderr[-500:] for r in results]
    assert conflicts, "four concurrent writes on one account all went through"
    assert all("RequestConflict" in r.stderr for r in conflicts), [
        r.stderr[-500:] for r in conflicts
    ]
    for name in accepted:
        _wait_for_deployment(az, name)
        az.run("cognitiveservices", "account", "deployment", "delete", "-g", RG, "-n", ACCOUNT,
               "--deployment-name", name)  # fmt: skip


def test_role_assignment_by_app_id_resolves_through_graph(
    az: Az, account: dict[str, Any], served: Served
) -> None:
    app = served.connection.principals["app"]
    admin = admin_client(served.connection)
    admin.reset_stats()
    created = az.run(
        "role", "assignment", "create", "--assignee", app.client_id, "--role", OPENAI_USER,
        "--scope", account["id"],
    )  # fmt: skip
    assert created["principalId"] == app.object_id
    assert created["principalType"] == "ServicePrincipal"
    graph_calls = [r for r in admin.stats()["requests"] if r["service"] == "graph"]
    assert graph_calls, "the CLI resolved the appId without asking Graph"
    assert all(r["status"] == 200 for r in graph_calls), graph_calls

    listed = az.run("role", "assignment", "list", "--scope", account["id"])
    mine = [a for a in listed if a["principalId"] == app.object_id]
    assert [a["roleDefinitionName"] for a in mine] == [OPENAI_USER]
    # The CLI names the principal from Graph (directoryObjects/getByIds).
    assert mine[0]["principalName"] == app.client_id


def test_ad_sp_show_list_and_app_show_by_app_id(
    az: Az, signed_in: dict[str, Any], served: Served
) -> None:
    app = served.connection.principals["app"]
    shown = az.run("ad", "sp", "show", "--id", app.client_id)
    assert shown["id"] == app.object_id
    assert shown["appId"] == app.client_id
    assert shown["displayName"] == app.display_name
    listed = az.run("ad", "sp", "list", "--display-name", app.display_name)
    assert [sp["id"] for sp in listed] == [app.object_id]
    registration = az.run("ad", "app", "show", "--id", app.client_id)
    assert registration["appId"] == app.client_id and registration["id"] != app.object_id
