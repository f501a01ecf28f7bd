"""Prove the Azure CLI works against the emulator, and time it.

    python bench/az_cli.py                      # az from the conformance cache (or installed)
    python bench/az_cli.py --timing realistic   # Azure-like write and role-propagation delays
    AZ=/path/to/az python bench/az_cli.py

Starts an emulator (timing profile ``instant`` unless ``--timing realistic``), creates a resource
group and an account with the Python SDK, then runs the CLI session a user types with an empty
AZURE_CONFIG_DIR: ``az cloud register`` by endpoint discovery alone (``/metadata/endpoints``),
``az login --service-principal``, reads, ``az role assignment create --assignee <appId>`` (the
CLI resolves the appId through the emulator's Microsoft Graph), ``az ad sp show``. Traffic to
anything but loopback is sent to a dead proxy, so nothing leaves the machine.

Prints per command: wall time, the ratio to the anchor (``az version``: the CLI's own start-up,
no network), and the emulator requests it caused; exits non-zero if any step fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.api import Emulator, EmulatorConfig  # noqa: E402

# One installer and one clean environment for az, shared with the conformance stage: the venv
# lives in its cache ($CONFORMANCE_CACHE, default .cache/conformance/, git-ignored).
from tests.conformance.azcli import az_environment  # noqa: E402
from tests.conformance.clients import CACHE, azure_cli  # noqa: E402

DEFAULT_VENV = CACHE / "azure-cli"
OPENAI_USER = "Cognitive Services OpenAI User"
RG, ACCOUNT = "rg-azcli", "acct-azcli"


class StepFailed(Exception):
    """A CLI step that did not produce what it should."""


def find_or_install_az() -> Path:
    """``$AZ`` if set, else az from the conformance stage's cached venv (installed on demand)."""
    if os.environ.get("AZ"):
        return Path(os.environ["AZ"])
    return azure_cli()


class Runner:
    """Runs az steps, timing each and counting the emulator requests it caused."""

    def __init__(self, az: Path, env: dict[str, str], emu: Emulator, secrets: list[str]) -> None:
        self.az, self.env, self.emu, self.secrets = az, env, emu, secrets
        self.rows: list[tuple[str, float, int, str]] = []

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def run(self, label: str, args: list[str], check: Callable[[Any], None] | None = None) -> Any:
        """Run ``az ARGS -o json``; raise StepFailed on a non-zero exit or failed check."""
        before = self.emu.stats()["total"]
        started = time.perf_counter()
        proc = subprocess.run(
            [str(self.az), *args, "-o", "json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        elapsed = time.perf_counter() - started
        requests = self.emu.stats()["total"] - before
        if proc.returncode != 0:
            self.rows.append((label, elapsed, requests, "FAILED"))
            raise StepFailed(
                f"{label}: exit {proc.returncode}\n{self._redact(proc.stderr.strip())}"
            )
        output = json.loads(proc.stdout) if proc.stdout.strip() else None
        try:
            if check is not None:
                check(output)
        except (AssertionError, KeyError, TypeError) as exc:
            self.rows.append((label, elapsed, requests, "FAILED"))
            raise StepFailed(
                f"{label}: unexpected output {self._redact(str(output))[:400]}"
            ) from exc
        self.rows.append((label, elapsed, requests, "ok"))
        return output

    def report(self) -> None:
        """Print the timing table; the first row is the anchor (CLI start-up)."""
        anchor = self.rows[0][1] if self.rows else 0.0
        print(f"\n{'step':<44} {'seconds':>8} {'x anchor':>9} {'requests':>9}  result")
        for label, elapsed, requests, result in self.rows:
            ratio = elapsed / anchor if anchor else 0.0
            print(f"{label:<44} {elapsed:>8.2f} {ratio:>9.2f} {requests:>9}  {result}")


def prepare_account(emu: Emulator) -> str:
    """Create the resource group and account with the Python SDK; return the account id."""
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
    from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Sku
    from azure.mgmt.resource.resources import ResourceManagementClient

    from emulator.api import sdk_client_options as client_options
    from emulator.api import sdk_credential as credential

    c = emu.connection
    cred = credential(c)
    kw = client_options(c)
    ResourceManagementClient(cred, c.subscription_id, **kw).resource_groups.create_or_update(
        RG, {"location": "eastus2"}
    )
    account = Account(
        kind="OpenAI",
        sku=Sku(name="S0"),
        location="eastus2",
        properties=AccountProperties(custom_sub_domain_name=ACCOUNT),
    )
    cs = CognitiveServicesManagementClient(cred, c.subscription_id, **kw)
    return str(cs.accounts.begin_create(RG, ACCOUNT, account).result().id)


def run_steps(runner: Runner, emu: Emulator, account_id: str) -> None:
    """The CLI session a user would type."""
    c = emu.connection
    app = c.principals["app"]
    deployer = c.principals["deployer"]
    runner.run("az version (anchor: CLI start-up)", ["version"])
    # Endpoint discovery only: login, audiences and Graph come from /metadata/endpoints.
    runner.run(
        "az cloud register (discovery)",
        ["cloud", "register", "-n", "LocalEmu", "--endpoint-resource-manager", c.arm_url],
    )
    runner.run("az cloud set", ["cloud", "set", "-n", "LocalEmu"])
    runner.run(
        "az login --service-principal",
        [
            "login",
            "--service-principal",
            "-u",
            deployer.client_id,
            "-p",
            deployer.client_secret,
            "--tenant",
            c.tenant_id,
        ],
        lambda out: _expect(out[0]["id"] == c.subscription_id),
    )
    runner.run(
        "az account show", ["account", "show"], lambda out: _expect(out["tenantId"] == c.tenant_id)
    )
    runner.run("az group show", ["group", "show", "-n", RG], lambda out: _expect(out["name"] == RG))
    runner.run(
        "az cognitiveservices account show",
        ["cognitiveservices", "account", "show", "-n", ACCOUNT, "-g", RG],
        lambda out: _expect(out["id"] == account_id and out["properties"]["endpoint"]),
    )
    runner.run(
        "az role assignment create --assignee <appId>",
        ["role", "assignment", "create", "--role", OPENAI_USER, "--assignee", app.client_id,
         "--scope", account_id],
        lambda out: _expect(out["principalId"] == app.object_id),
    )  # fmt: skip
    runner.run(
        "az role assignment list",
        ["role", "assignment", "list", "--scope", account_id],
        lambda out: _expect(any(a["principalId"] == app.object_id for a in out)),
    )
    runner.run(
        "az ad sp show --id <appId>",
        ["ad", "sp", "show", "--id", app.client_id],
        lambda out: _expect(out["id"] == app.object_id),
    )
    runner.run(
        "az account get-access-token",
        ["account", "get-access-token"],
        lambda out: _expect(bool(out["accessToken"])),
    )


def _expect(condition: object) -> None:
    if not condition:
        raise AssertionError("unexpected output")


def main() -> int:
    """Run the benchmark; 0 when every step worked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument(
        "--timing",
        choices=("instant", "realistic"),
        default="instant",
        help="emulator timing profile (default instant: CLI overhead only)",
    )
    args = parser.parse_args()
    az = find_or_install_az()
    work = Path(tempfile.mkdtemp(prefix="az-bench-"))
    try:
        with Emulator(work / "state", config=EmulatorConfig(timing=args.timing)) as emu:
            started = time.perf_counter()
            account_id = prepare_account(emu)
            print(
                f"emulator at {emu.url} (timing profile {args.timing}); "
                f"account ready in {time.perf_counter() - started:.2f} s"
            )
            principals = emu.connection.principals.values()
            runner = Runner(
                az,
                az_environment(work / "azure", emu.ca_path),
                emu,
                [p.client_secret for p in principals],
            )
            try:
                run_steps(runner, emu, account_id)
            except (StepFailed, subprocess.TimeoutExpired) as exc:
                runner.report()
                print(f"\nFAILED: {exc}", file=sys.stderr)
                return 1
            runner.report()
            total = sum(row[1] for row in runner.rows)
            print(f"\nall {len(runner.rows)} az steps passed in {total:.2f} s")
            return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
