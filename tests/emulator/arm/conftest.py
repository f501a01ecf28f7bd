"""Fixtures for the ARM tests: the real management SDKs (sync and async) and raw HTTPS."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from azure.identity import ClientSecretCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.aio import (
    CognitiveServicesManagementClient as AsyncCognitiveServicesManagementClient,
)
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.aio import (
    ResourceManagementClient as AsyncResourceManagementClient,
)

from emulator.api import Emulator, sdk_credential
from emulator.api import sdk_client_options as client_options

ARM_AUDIENCE = "https://management.azure.com"


def _common(emu: Emulator) -> dict[str, Any]:
    return client_options(emu.connection)


def credential(emu: Emulator, name: str = "deployer") -> ClientSecretCredential:
    """A sync credential for a seeded principal."""
    return sdk_credential(emu.connection, name)


@pytest.fixture
def sub(emulator: Emulator) -> str:
    """The seeded subscription id."""
    return emulator.connection.subscription_id


@pytest.fixture
def rmc(emulator: Emulator) -> Iterator[ResourceManagementClient]:
    """Sync resource client."""
    with ResourceManagementClient(
        credential(emulator), emulator.connection.subscription_id, **_common(emulator)
    ) as client:
        yield client


@pytest.fixture
def auth(emulator: Emulator) -> Iterator[AuthorizationManagementClient]:
    """Sync authorization client (no client retries: statuses surface as they are)."""
    with AuthorizationManagementClient(
        credential(emulator),
        emulator.connection.subscription_id,
        base_url=emulator.connection.arm_url,
        connection_verify=str(emulator.connection.ca_bundle),
        retry_total=0,
    ) as client:
        yield client


@pytest.fixture
def cs(emulator: Emulator) -> Iterator[CognitiveServicesManagementClient]:
    """Sync Cognitive Services client."""
    with CognitiveServicesManagementClient(
        credential(emulator), emulator.connection.subscription_id, **_common(emulator)
    ) as client:
        yield client


@dataclass
class AsyncClients:
    """Async resource and Cognitive Services clients sharing one credential."""

    rmc: AsyncResourceManagementClient
    cs: AsyncCognitiveServicesManagementClient


@pytest.fixture
async def aclients(emulator: Emulator) -> AsyncIterator[AsyncClients]:
    """Async clients (aio transport, CA passed explicitly)."""
    c = emulator.connection
    p = c.principals["deployer"]
    cred = AsyncClientSecretCredential(
        c.tenant_id,
        p.client_id,
        p.client_secret,
        authority=c.authority_url,
        connection_verify=str(c.ca_bundle),
    )
    async with (
        cred,
        AsyncResourceManagementClient(cred, c.subscription_id, **_common(emulator)) as rmc,
        AsyncCognitiveServicesManagementClient(cred, c.subscription_id, **_common(emulator)) as csc,
    ):
        yield AsyncClients(rmc, csc)


@dataclass
class Reply:
    """A raw HTTP answer."""

    status: int
    headers: dict[str, str]
    body: Any


class Raw:
    """Plain HTTPS requests with the deployer's management token (or none)."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.token = emu.mint_token("deployer", ARM_AUDIENCE)
        self.ssl = ssl.create_default_context(cafile=str(emu.ca_path))

    def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        auth: bool = True,
        api_version: str | None = "2025-09-01",
    ) -> Reply:
        url = self.emu.url + path
        if api_version:
            url += ("&" if "?" in url else "?") + f"api-version={api_version}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        elif api_version is None and path.startswith("/_admin"):
            headers.update(self.emu.admin_headers)
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, context=self.ssl) as resp:  # noqa: S310
                return self._reply(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as exc:
            return self._reply(exc.code, dict(exc.headers), exc.read())

    @staticmethod
    def _reply(status: int, headers: dict[str, str], payload: bytes) -> Reply:
        lowered = {k.lower(): v for k, v in headers.items()}
        return Reply(status, lowered, json.loads(payload) if payload.strip() else None)

    def admin(self, method: str, path: str, body: Any) -> Reply:
        """An ``/_admin`` call (no api-version, no token)."""
        return self(method, path, body, auth=False, api_version=None)


@pytest.fixture
def raw(emulator: Emulator) -> Raw:
    """Raw HTTPS requester."""
    return Raw(emulator)


@pytest.fixture
def make_account(rmc: ResourceManagementClient, cs: CognitiveServicesManagementClient) -> Any:
    """Create (resource group and) account through the SDK; returns the SDK ``Account``."""
    from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Sku

    def make(
        rg: str = "rg1",
        name: str = "acct1",
        *,
        kind: str = "OpenAI",
        location: str = "eastus2",
        subdomain: str | None = None,
        **props: Any,
    ) -> Any:
        rmc.resource_groups.create_or_update(rg, {"location": location})
        account = Account(
            kind=kind,
            sku=Sku(name="S0"),
            location=location,
            properties=AccountProperties(custom_sub_domain_name=subdomain or name, **props),
        )
        return cs.accounts.begin_create(rg, name, account).result()

    return make


@pytest.fixture
def make_deployment(cs: CognitiveServicesManagementClient) -> Any:
    """Create a deployment through the SDK (waits for the LRO); returns the SDK object."""
    from azure.mgmt.cognitiveservices.models import (
        Deployment,
        DeploymentModel,
        DeploymentProperties,
        Sku,
    )

    def make(
        rg: str,
        account: str,
        name: str,
        *,
        model: str = "gpt-realtime",
        version: str | None = "2025-08-28",
        sku: str = "GlobalStandard",
        capacity: int | None = 1,
        wait: bool = True,
    ) -> Any:
        body = Deployment(
            sku=Sku(name=sku, capacity=capacity),
            properties=DeploymentProperties(
                model=DeploymentModel(format="OpenAI", name=model, version=version),
                version_upgrade_option="NoAutoUpgrade",
                rai_policy_name="Microsoft.DefaultV2",
            ),
        )
        if not wait:
            return cs.deployments.begin_create_or_update(rg, account, name, body, polling=False)
        return cs.deployments.begin_create_or_update(rg, account, name, body).result()

    return make
