"""Default ``emulator serve`` timing is Azure's: writes take ~2 s with the account locked, so
concurrent deployment writes meet ``409 RequestConflict``; ``provision up`` still converges
(issue 9). Conformance stage: it waits on real seconds by design."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    Account,
    AccountProperties,
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)
from azure.mgmt.resource.resources import ResourceManagementClient
from click.testing import CliRunner

from emulator.api import sdk_client_options, sdk_credential
from tests.conformance.served import Served, serve

pytestmark = pytest.mark.conformance

ROOT = Path(__file__).resolve().parents[2]
RG, ACCOUNT = "rg-realtime-local", "aoai-realtime-local"
OWNED = {"managed-by": "provision", "environment": "local"}
MODELS = [
    ("gpt-realtime", "2025-08-28"),
    ("gpt-realtime-mini", "2025-10-06"),
    ("gpt-4o-realtime-preview", "2024-12-17"),
    ("gpt-4o-mini-realtime-preview", "2024-12-17"),
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = serve(tmp_path / "state")  # no timing flags: the default profile
    try:
        yield running
    finally:
        running.stop()


def _clients(served: Served) -> tuple[ResourceManagementClient, CognitiveServicesManagementClient]:
    conn = served.connection
    options = {**sdk_client_options(conn, polling_interval=None), "retry_total": 0}
    cred = sdk_credential(conn)
    return (
        ResourceManagementClient(cred, conn.subscription_id, **options),
        CognitiveServicesManagementClient(cred, conn.subscription_id, **options),
    )


def _deployment(model: str, version: str) -> Deployment:
    return Deployment(
        tags=OWNED,
        sku=Sku(name="GlobalStandard", capacity=1),
        properties=DeploymentProperties(
            model=DeploymentModel(format="OpenAI", name=model, version=version)
        ),
    )


def test_concurrent_writes_conflict_and_provision_up_converges(
    served: Served, tmp_path: Path
) -> None:
    rmc, cs = _clients(served)
    # Tagged as provision tags what it manages, so that `up` adopts what these writes left.
    owned = OWNED
    rmc.resource_groups.create_or_update(RG, {"location": "swedencentral", "tags": owned})
    account = Account(
        tags=owned,
        kind="OpenAI",
        sku=Sku(name="S0"),
        location="swedencentral",
        properties=AccountProperties(custom_sub_domain_name=ACCOUNT),
    )
    created = cs.accounts.begin_create(RG, ACCOUNT, account)
    assert cs.accounts.get(RG, ACCOUNT).properties.provisioning_state != "Succeeded"  # takes time
    created.result()

    start = Barrier(len(MODELS))

    def write(model: tuple[str, str]) -> str:
        start.wait(timeout=30)  # all four PUTs leave together
        try:
            cs.deployments.begin_create_or_update(
                RG, ACCOUNT, model[0], _deployment(*model), polling=False
            )
        except HttpResponseError as exc:
            return str(exc.error.code if exc.error else exc.status_code)
        return "accepted"

    with ThreadPoolExecutor(len(MODELS)) as pool:
        outcomes = list(pool.map(write, MODELS))
    assert outcomes.count("accepted") >= 1, outcomes
    assert outcomes.count("RequestConflict") >= 1, outcomes
    assert set(outcomes) <= {"accepted", "RequestConflict"}, outcomes

    from provision.cli import cli

    envs = tmp_path / "environments"
    envs.mkdir()
    (envs / "local.toml").write_text((ROOT / "environments" / "local.toml").read_text())
    env = {"PROVISION_EMULATOR_STATE": str(served.state_dir)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        result = CliRunner().invoke(cli, ["up", "--yes", "--env", "local", "--env-dir", str(envs)])
        assert result.exit_code == 0, result.output + served.log_tail()
        again = CliRunner().invoke(cli, ["plan", "--env", "local", "--env-dir", str(envs)])
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert again.exit_code == 0, again.output  # nothing pending
    states = {d.name: d.properties.provisioning_state for d in cs.deployments.list(RG, ACCOUNT)}
    assert states == {name: "Succeeded" for name, _ in MODELS}
