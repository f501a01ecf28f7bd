"""The Azure backend: official management SDKs behind our ``Backend`` protocol.

With ``azure_errors`` the only modules importing ``azure.*``; import them lazily
(``provision.targets`` does) so that ``provision --help`` stays fast. Every SDK call runs
inside ``azure_errors.map_azure_errors()``, which turns azure-core exceptions into
``provision.errors`` (``raise ... from exc``) with messages built from ARM error codes only:
tokens, keys and secrets never reach exception text.
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
from provision.backends.azure_errors import map_azure_errors
from provision.errors import (
    ConfigError,
    NotFoundError,
)
from provision.model import (
    AccountSpec,
    AccountState,
    CatalogModel,
    DeletedAccountState,
    DeploymentSpec,
    DeploymentState,
    DomainAvailability,
    Principal,
    ResourceGroupState,
    ResourceSku,
    RoleAssignmentState,
    Usage,
    role_guid,
)

# azure-identity logs the whole credential chain as a warning when sign-in fails; without a
# handler Python would print it to stderr (logging.lastResort). Our AuthError already says what
# failed and the fix in one line and keeps the chain for --debug (which configures logging).
logging.getLogger("azure").addHandler(logging.NullHandler())

ARM_SCOPE = "https://management.azure.com/.default"
ACCOUNT_TYPE = "Microsoft.CognitiveServices/accounts"


class RequestCounter(SansIOHTTPPolicy):  # type: ignore[type-arg]  # generic only in stubs
    """Counts ARM requests sent (retries and LRO polls included)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def on_request(self, request: Any) -> None:
        with self._lock:
            self.count += 1


class AzureBackend:
    """``Backend`` over the management SDKs for one subscription.

    ``base_url``/``verify`` point it at another ARM (the emulator); ``me`` skips reading the
    signed-in identity from the token; ``principals`` are named principals (emulator).
    ``transport`` is shared by the three management clients (one connection per host); the
    first client fetches the ARM token once, so concurrent first reads do not each sign in.
    """

    def __init__(
        self,
        credential: Any,
        subscription_id: str,
        *,
        base_url: str | None = None,
        verify: str | None = None,
        polling_interval: float = 5.0,
        me: Principal | None = None,
        principals: dict[str, Principal] | None = None,
        retry: dict[str, Any] | None = None,
        transport: Any = None,
    ) -> None:
        self.subscription_id = subscription_id
        self.counter = RequestCounter()
        self._credential = credential
        self._me = me
        self._principals = principals or {}
        self._kwargs: dict[str, Any] = {
            "polling_interval": polling_interval,
            "per_retry_policies": [self.counter],
            **(retry or {}),
        }
        if base_url:
            self._kwargs["base_url"] = base_url
            self._kwargs["credential_scopes"] = [ARM_SCOPE]
        if verify:
            self._kwargs["connection_verify"] = verify
        if transport is not None:
            self._kwargs["transport"] = transport
        self._transport = transport
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._signed_in = False

    # -- clients (built on first use) --------------------------------------------------------
    def _client(self, name: str) -> Any:
        with self._lock:
            if not self._signed_in:
                with map_azure_errors("signing in to Azure Resource Manager"):
                    self._credential.get_token(ARM_SCOPE)  # cached by the credential after this
                self._signed_in = True
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
        if self._transport is not None:
            self._transport.session.close()

    # -- identity ----------------------------------------------------------------------------
    def signed_in_principal(self) -> Principal:
        if self._me is None:
            with map_azure_errors("reading the signed-in identity"):
                token = self._credential.get_token(ARM_SCOPE).token
            self._me = convert.principal_from_token(token)
        return self._me

    def named_principal(self, name: str) -> Principal:
        if name not in self._principals:
            known = ", ".join(sorted(self._principals)) or "none"
            problem = f"principal emulator:{name} is unknown to the target (known: {known})"
            raise ConfigError("<target>", [("role_assignments", problem)])
        return self._principals[name]

    def role_definition_guid(self, scope: str, role_name: str) -> str:
        with map_azure_errors(f"looking up role {role_name!r}"):
            found = list(
                self._auth.role_definitions.list(scope, filter=f"roleName eq '{role_name}'")
            )
        if not found:
            raise ConfigError("<target>", [("role_assignments", f"no role named {role_name!r}")])
        return role_guid(found[0].id)

    # -- resource groups ---------------------------------------------------------------------
    def get_resource_group(self, name: str) -> ResourceGroupState | None:
        try:
            with map_azure_errors(f"reading resource group {name}"):
                rg = self._rm.resource_groups.get(name)
        except NotFoundError:
            return None
        return convert.rg_state(rg)

    def put_resource_group(
        self, name: str, location: str, tags: dict[str, str]
    ) -> ResourceGroupState:
        with map_azure_errors(f"writing resource group {name}"):
            rg = self._rm.resource_groups.create_or_update(
                name, {"location": location, "tags": tags}
            )
        return convert.rg_state(rg)

    def delete_resource_group(self, name: str) -> None:
        with map_azure_errors(f"deleting resource group {name}"):
            self._rm.resource_groups.begin_delete(name).result()

    def list_resource_ids(self, resource_group: str) -> list[str]:
        try:
            with map_azure_errors(f"listing resources in {resource_group}"):
                return [r.id for r in self._rm.resources.list_by_resource_group(resource_group)]
        except NotFoundError as exc:
            if exc.code == "ResourceGroupNotFound":
                raise
        # An ARM without the generic resource list (the emulator): its only tracked resource
        # type in a group is the Cognitive Services account, so list those instead.
        with map_azure_errors(f"listing accounts in {resource_group}"):
            return [a.id for a in self._cs.accounts.list_by_resource_group(resource_group)]

    # -- accounts ----------------------------------------------------------------------------
    def get_account(self, resource_group: str, name: str) -> AccountState | None:
        try:
            with map_azure_errors(f"reading account {name}"):
                acct = self._cs.accounts.get(resource_group, name)
        except NotFoundError:
            return None
        return convert.account_state(acct)

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
        return convert.account_state(acct)

    def delete_account(self, resource_group: str, name: str) -> None:
        with map_azure_errors(f"deleting account {name}"):
            self._cs.accounts.begin_delete(resource_group, name).result()

    def get_deleted_account(
        self, location: str, resource_group: str, name: str
    ) -> DeletedAccountState | None:
        try:
            with map_azure_errors(f"reading soft-deleted account {name}"):
                acct = self._cs.deleted_accounts.get(location, resource_group, name)
        except NotFoundError:
            return None
        props = acct.properties
        return DeletedAccountState(
            name=acct.name or name,
            location=acct.location or location,
            resource_group=resource_group,
            custom_subdomain=props.custom_sub_domain_name if props else None,
            deletion_date=props.deletion_date if props else None,
            scheduled_purge_date=props.scheduled_purge_date if props else None,
        )

    def purge_deleted_account(self, location: str, resource_group: str, name: str) -> None:
        with map_azure_errors(f"purging soft-deleted account {name}"):
            self._cs.deleted_accounts.begin_purge(location, resource_group, name).result()

    def list_keys(self, resource_group: str, name: str) -> tuple[str, str]:
        with map_azure_errors(f"listing keys of {name}"):
            keys = self._cs.accounts.list_keys(resource_group, name)
        return keys.key1, keys.key2

    def check_domain_availability(self, subdomain: str, kind: str) -> DomainAvailability:
        with map_azure_errors(f"checking subdomain {subdomain}"):
            result = self._cs.check_domain_availability(subdomain, ACCOUNT_TYPE, kind=kind)
        return DomainAvailability(subdomain, bool(result.is_subdomain_available), result.reason)

    # -- deployments -------------------------------------------------------------------------
    def list_deployments(self, resource_group: str, account: str) -> list[DeploymentState]:
        with map_azure_errors(f"listing deployments of {account}"):
            return [
                convert.deployment_state(d)
                for d in self._cs.deployments.list(resource_group, account)
            ]

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
            return convert.deployment_state(poller.result())

    def delete_deployment(self, resource_group: str, account: str, name: str) -> None:
        with map_azure_errors(f"deleting deployment {name}"):
            self._cs.deployments.begin_delete(resource_group, account, name).result()

    # -- discovery ---------------------------------------------------------------------------
    def list_usages(self, location: str) -> list[Usage]:
        with map_azure_errors(f"listing quota usages in {location}"):
            return [
                Usage(u.name.value, float(u.current_value or 0), float(u.limit or 0))
                for u in self._cs.usages.list(location)
                if u.name is not None
            ]

    def list_models(self, location: str) -> list[CatalogModel]:
        with map_azure_errors(f"listing the model catalog in {location}"):
            return [
                convert.catalog_model(m)
                for m in self._cs.models.list(location)
                if m.model is not None
            ]

    def list_resource_skus(self) -> list[ResourceSku]:
        with map_azure_errors("listing Cognitive Services SKUs"):
            return [convert.resource_sku(s) for s in self._cs.resource_skus.list()]

    def list_rai_policies(self, resource_group: str, account: str) -> list[str]:
        try:
            with map_azure_errors(f"listing RAI policies of {account}"):
                return [p.name for p in self._cs.rai_policies.list(resource_group, account)]
        except NotFoundError:
            return []  # no such account yet, or an ARM without the list (the emulator)

    # -- role assignments --------------------------------------------------------------------
    def list_role_assignments(self, scope: str) -> list[RoleAssignmentState]:
        with map_azure_errors("listing role assignments"):
            items = list(self._auth.role_assignments.list_for_scope(scope, filter="atScope()"))
        return [
            RoleAssignmentState(
                name=ra.name,
                scope=ra.scope or "",
                principal_id=ra.principal_id,
                principal_type=convert.plain(ra.principal_type),
                role_definition_guid=role_guid(ra.role_definition_id),
                description=ra.description,
            )
            for ra in items
            if (ra.scope or "").lower() == scope.lower()
        ]

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
        return RoleAssignmentState(
            name,
            scope,
            principal_id,
            convert.plain(ra.principal_type),
            role_definition_guid,
            ra.description,
        )

    def delete_role_assignment(self, scope: str, name: str) -> None:
        with map_azure_errors("deleting role assignment"):
            self._auth.role_assignments.delete(scope, name)


# ----------------------------------------------------------------------------- factories


def shared_transport(verify: str | None = None) -> Any:
    """One ``requests`` session, at most one connection per host, for every client of a
    command: each ``provision`` command is a new process, so every extra connection is a full
    TLS handshake (on loopback the handshake costs more than waiting for the connection)."""
    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=1, pool_block=True))
    kwargs: dict[str, Any] = {"connection_verify": verify} if verify else {}
    return RequestsTransport(session=session, session_owner=False, **kwargs)


def azure_backend(subscription_id: str) -> AzureBackend:
    """A backend for real Azure with ``DefaultAzureCredential`` (CLI, env vars, MI...)."""
    from azure.identity import DefaultAzureCredential

    return AzureBackend(
        DefaultAzureCredential(),
        subscription_id,
        polling_interval=5.0,
        retry=NO_SDK_RETRY,
        transport=shared_transport(),
    )


def emulator_credential(connection: Any, principal: str = "deployer", **kwargs: Any) -> Any:
    """A ``ClientSecretCredential`` for a principal named in the emulator's connection.json
    (``kwargs``, e.g. a shared ``transport``, go to the credential when the API takes them)."""
    import inspect

    from emulator.api import sdk_credential

    if kwargs and not _takes_kwargs(inspect.signature(sdk_credential)):
        kwargs = {}  # an emulator.api without pass-through: the credential opens its own
    return sdk_credential(connection, principal, **kwargs)


def _takes_kwargs(signature: Any) -> bool:
    return any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())


# azure-core's own retries are off: provision.backends.retry is the one retry policy, so that
# every retry is counted and bounded by one budget (reads and writes alike).
NO_SDK_RETRY = {"retry_total": 0}


def emulator_backend(
    connection: Any, subscription_id: str | None = None, *, principal: str = "deployer"
) -> AzureBackend:
    """A backend acting as the emulator principal ``principal``, trusting its CA."""
    principals = {
        name: Principal(p.object_id, "ServicePrincipal")
        for name, p in connection.principals.items()
    }
    transport = shared_transport(str(connection.ca_bundle))
    return AzureBackend(
        emulator_credential(connection, principal, transport=transport),
        subscription_id or connection.subscription_id,
        base_url=connection.arm_url,
        verify=str(connection.ca_bundle),
        polling_interval=1.0,
        me=principals.get(principal),
        principals=principals,
        retry=NO_SDK_RETRY,
        transport=transport,
    )
