"""Provision realtime accounts and deployments on a running emulator through the Azure SDKs.

Tests create resources exactly as users do (``azure-mgmt-*`` against the emulator's ARM), then
dial the data plane. Nothing here reaches outside 127.0.0.1.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from emulator import Emulator
from emulator.sdk import client_options
from emulator.sdk import credential as sdk_credential

RG = "rg-realtime"
OPENAI_USER_ROLE = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"  # Cognitive Services OpenAI User
READER_ROLE = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
TOKEN_AUDIENCE = "https://cognitiveservices.azure.com"


@dataclass
class Account:
    """A provisioned account: what a data-plane client needs."""

    id: str
    subdomain: str
    endpoint: str  # https://127.0.0.1:PORT/dataplane/{sub}/
    key: str
    emu: Emulator

    def ws_base(self) -> str:
        """``wss://127.0.0.1:PORT/dataplane/{sub}``."""
        return self.endpoint.rstrip("/").replace("https://", "wss://", 1)

    def ga_url(self, deployment: str, **extra: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"model": deployment, **extra}.items())
        return f"{self.ws_base()}/openai/v1/realtime?{query}"

    def preview_url(self, deployment: str, api_version: str = "2025-04-01-preview") -> str:
        return f"{self.ws_base()}/openai/realtime?api-version={api_version}&deployment={deployment}"


class Arm:
    """SDK clients signed in as the seeded ``deployer`` (Owner on the subscription)."""

    def __init__(self, emu: Emulator) -> None:
        c = emu.connection
        self.emu = emu
        self.conn = c
        cred = sdk_credential(c)
        self.cs = CognitiveServicesManagementClient(cred, c.subscription_id, **client_options(c))
        self.rm = ResourceManagementClient(cred, c.subscription_id, **client_options(c))
        self.auth = AuthorizationManagementClient(
            cred, c.subscription_id, **client_options(c, polling_interval=None)
        )
        self._group = False

    def account(
        self, name: str, *, kind: str = "AIServices", disable_local_auth: bool = False
    ) -> Account:
        """Create (or update) an account with a custom subdomain equal to its name."""
        if not self._group:
            self.rm.resource_groups.create_or_update(RG, {"location": "eastus2"})
            self._group = True
        body = {
            "location": "eastus2",
            "kind": kind,
            "sku": {"name": "S0"},
            "properties": {"customSubDomainName": name},
        }
        acc = self.cs.accounts.begin_create(RG, name, body).result()
        # keys cannot be listed once local auth is off: read them first, then switch it off
        key = self.cs.accounts.list_keys(RG, name).key1
        if disable_local_auth:
            update = {"properties": {"disableLocalAuth": True}}
            self.cs.accounts.begin_update(RG, name, update).result()
        return Account(acc.id, name, acc.properties.endpoint, key, self.emu)

    def deployment(
        self,
        account: str,
        name: str,
        model: str = "gpt-realtime",
        version: str = "2025-08-28",
        sku: str = "GlobalStandard",
    ) -> None:
        """Deploy a model (the emulator finishes instantly with ``lro_seconds=0``)."""
        body = {
            "sku": {"name": sku, "capacity": 1},
            "properties": {"model": {"format": "OpenAI", "name": model, "version": version}},
        }
        self.cs.deployments.begin_create_or_update(RG, account, name, body).result()

    def assign(self, principal_object_id: str, scope: str, role: str = OPENAI_USER_ROLE) -> None:
        """Give a principal a built-in role at ``scope``."""
        definition = (
            f"/subscriptions/{self.conn.subscription_id}/providers/"
            f"Microsoft.Authorization/roleDefinitions/{role}"
        )
        self.auth.role_assignments.create(
            scope,
            str(uuid.uuid4()),
            {
                "role_definition_id": definition,
                "principal_id": principal_object_id,
                "principal_type": "ServicePrincipal",
            },
        )


def ssl_context(emu: Emulator) -> ssl.SSLContext:
    """A client TLS context trusting the emulator's CA."""
    return ssl.create_default_context(cafile=str(emu.ca_path))


def admin(emu: Emulator, method: str, path: str, body: dict[str, Any]) -> Any:
    """Call an ``/_admin`` hook."""
    req = urllib.request.Request(
        emu.url + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", **emu.admin_headers},
    )
    with urllib.request.urlopen(req, context=ssl_context(emu), timeout=10) as resp:
        return json.loads(resp.read() or b"null")
