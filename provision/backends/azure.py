"""The write side of the backend: the official management SDKs (PUT/DELETE and their LROs).

``provision.backends.arm.ArmBackend`` builds an ``SdkWriter`` on a command's first write; reads
never import this module (it pulls in azure-core, requests and the generated clients, ≈ 0.3 s).
With ``azure_errors`` the only modules importing ``azure.mgmt``. Every SDK call runs inside
``azure_errors.map_azure_errors()``, which turns azure-core exceptions into ``provision.errors``
(``raise ... from exc``) with messages built from ARM error codes only: tokens, keys and
secrets never reach exception text. Results go through ``convert`` in REST shape (``wire``),
the same mapping the reads use.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices import models as cs
from azure.mgmt.resource.resources import ResourceManagementClient

from provision.backends import convert
from provision.backends.arm import ARM_SCOPE
from provision.backends.azure_errors import map_azure_errors
from provision.backends.connect import (  # noqa: F401  # re-exported: the old import path
    azure_backend,
    emulator_backend,
    emulator_credential,
)
from provision.model import (
    AccountSpec,
    AccountState,
    DeploymentSpec,
    DeploymentState,
    ResourceGroupState,
    RoleAssignmentState,
)

# azure-identity logs the whole credential chain as a warning when sign-in fails; without a
# handler Python would print it to stderr (logging.lastResort). Our AuthError already says what
# failed and the fix in one line and keeps the chain for --debug (which configures logging).
logging.getLogger("azure").addHandler(logging.NullHandler())

# azure-core's own retries are off: provision.backends.retry is the one retry policy, so that
# every retry is counted and bounded by one budget (reads and writes alike).
NO_SDK_RETRY = {"retry_total": 0}


class RequestCounter(SansIOHTTPPolicy):  # type: ignore[type-arg]  # generic only in stubs
    """Counts ARM requests sent (retries and LRO polls included)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def on_request(self, request: Any) -> None:
        with self._lock:
            self.count += 1


class SdkWriter:
    """The writes of ``Backend`` over the management SDKs for one subscription.

    ``credential`` is a ``TokenCredential`` (``tokens.SdkCredential``: the read path's token
    source); ``base_url``/``verify`` point it at another ARM (the emulator). One ``requests``
    session is shared by the three clients (one connection per host).
    """

    def __init__(
        self,
        credential: Any,
        subscription_id: str,
        *,
        base_url: str | None = None,
        verify: str | None = None,
        polling_interval: float = 5.0,
    ) -> None:
        self.subscription_id = subscription_id
        self.counter = RequestCounter()
        self._credential = credential
        self._transport = shared_transport(verify)
        self._kwargs: dict[str, Any] = {
            "polling_interval": polling_interval,
            "per_retry_policies": [self.counter],
            "transport": self._transport,
            **NO_SDK_RETRY,
        }
        if base_url:
            self._kwargs["base_url"] = base_url
            self._kwargs["credential_scopes"] = [ARM_SCOPE]
        if verify:
            self._kwargs["connection_verify"] = verify
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _client(self, name: str) -> Any:
        with self._lock:
            if name not in self._clients:
                factory = {
                    "cs": CognitiveServicesManagementClient,
                    "rm": ResourceManagementClient,
                    "auth": AuthorizationManagementClient,
                }[name]
                self._clients[name] = factory(
                    self._credential, self.subscription_id, **self._kwargs
                )
            return self._clients[name]

    @property
    def _cs(self) -> Any:
        return self._client("cs")

    @property
    def _rm(self) -> Any:
        return self._client("rm")

    @property
    def _auth(self) -> Any:
        return self._client("auth")

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self._transport.session.close()

    # -- resource groups ---------------------------------------------------------------------
    def put_resource_group(
        self, name: str, location: str, tags: dict[str, str]
    ) -> ResourceGroupState:
        with map_azure_errors(f"writing resource group {name}"):
            rg = self._rm.resource_groups.create_or_update(
                name, {"location": location, "tags": tags}
            )
        return convert.rg_state(convert.wire(rg))

    def delete_resource_group(self, name: str) -> None:
        with map_azure_errors(f"deleting resource group {name}"):
            self._rm.resource_groups.begin_delete(name).result()

    # -- accounts ----------------------------------------------------------------------------
    def put_account(
        self, resource_group: str, spec: AccountSpec, *, restore: bool = False
    ) -> AccountState:
        body = cs.Account(
            location=spec.location,
            kind=spec.kind,
            sku=cs.Sku(name=spec.sku),
            tags=spec.tags,
            properties=cs.AccountProperties(
                custom_sub_domain_name=spec.custom_subdomain,
                public_network_access=spec.public_network_access,
                disable_local_auth=spec.disable_local_auth,
                restore=True if restore else None,
            ),
        )
        with map_azure_errors(f"writing account {spec.name}"):
            acct = self._cs.accounts.begin_create(resource_group, spec.name, body).result()
        return convert.account_state(convert.wire(acct))

    def delete_account(self, resource_group: str, name: str) -> None:
        with map_azure_errors(f"deleting account {name}"):
            self._cs.accounts.begin_delete(resource_group, name).result()

    def purge_deleted_account(self, location: str, resource_group: str, name: str) -> None:
        with map_azure_errors(f"purging soft-deleted account {name}"):
            self._cs.deleted_accounts.begin_purge(location, resource_group, name).result()

    # -- deployments -------------------------------------------------------------------------
    def put_deployment(
        self, resource_group: str, account: str, spec: DeploymentSpec
    ) -> DeploymentState:
        body = cs.Deployment(
            sku=cs.Sku(name=spec.sku, capacity=spec.capacity),
            tags=spec.tags,
            properties=cs.DeploymentProperties(
                model=cs.DeploymentModel(
                    format=spec.model_format, name=spec.model, version=spec.version
                ),
                version_upgrade_option=spec.version_upgrade_option,
                rai_policy_name=spec.rai_policy,
            ),
        )
        with map_azure_errors(f"writing deployment {spec.name}"):
            poller = self._cs.deployments.begin_create_or_update(
                resource_group, account, spec.name, body
            )
            return convert.deployment_state(convert.wire(poller.result()))

    def delete_deployment(self, resource_group: str, account: str, name: str) -> None:
        with map_azure_errors(f"deleting deployment {name}"):
            self._cs.deployments.begin_delete(resource_group, account, name).result()

    # -- role assignments --------------------------------------------------------------------
    def put_role_assignment(
        self,
        scope: str,
        name: str,
        *,
        role_definition_guid: str,
        principal_id: str,
        principal_type: str,
        description: str,
    ) -> RoleAssignmentState:
        role_id = (
            f"/subscriptions/{self.subscription_id}/providers/Microsoft.Authorization"
            f"/roleDefinitions/{role_definition_guid}"
        )
        params = RoleAssignmentCreateParameters(
            role_definition_id=role_id,
            principal_id=principal_id,
            principal_type=principal_type,
            description=description,
        )
        with map_azure_errors("writing role assignment"):
            ra = self._auth.role_assignments.create(scope, name, params)
        state = convert.role_assignment_state(convert.wire(ra))
        # What we asked for names it; the answer's scope/guid may be spelled differently.
        return RoleAssignmentState(
            name, scope, principal_id, state.principal_type, role_definition_guid, state.description
        )

    def delete_role_assignment(self, scope: str, name: str) -> None:
        with map_azure_errors("deleting role assignment"):
            self._auth.role_assignments.delete(scope, name)


def shared_transport(verify: str | None = None) -> Any:
    """One ``requests`` session, at most one connection per host, for every client of a
    command: each ``provision`` command is a new process, so every extra connection is a full
    TLS handshake."""
    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=1, pool_block=True))
    kwargs: dict[str, Any] = {"connection_verify": verify} if verify else {}
    return RequestsTransport(session=session, session_owner=False, **kwargs)
