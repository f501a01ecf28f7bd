"""The ``Backend`` for Azure and the emulator: reads over ARM REST, writes through the SDKs.

Reads (GETs, ``listKeys``, ``checkDomainAvailability``) go over ``provision.backends.http``
with the api-versions the SDK clients of our pinned versions use, ARM paging (``nextLink``,
followed only on the same host, so the token never leaves ARM) and the one error translation
(``arm_errors``). Writes (PUT/DELETE with ARM's long-running operations) go through the
official management clients (``provision.backends.azure``), imported only when a command first
writes. Both share one ``TokenSource``. A 401 on a token that came from the encrypted cache is
answered once with a new token (the cache may outlive a restarted emulator's keys).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from provision.backends import convert
from provision.backends.arm_errors import api_error, error_of_body
from provision.backends.http import HttpsPool, Response, TransportError
from provision.backends.tokens import TokenSource
from provision.errors import AzureApiError, ConfigError, NotFoundError
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
from provision.version import VERSION

if TYPE_CHECKING:
    from provision.backends.azure import SdkWriter

ARM_SCOPE = "https://management.azure.com/.default"
ACCOUNT_TYPE = "Microsoft.CognitiveServices/accounts"
# The default api-versions of azure-mgmt-cognitiveservices 14.1, azure-mgmt-resource 26 and
# azure-mgmt-authorization 4 (what the SDK path sent before reads moved here).
CS_API = "2025-09-01"
RM_API = "2025-04-01"
AUTH_API = "2022-04-01"
_CS = "providers/Microsoft.CognitiveServices"
_AUTH = "providers/Microsoft.Authorization"
USER_AGENT = f"realtime-toolkit-provision/{VERSION}"


def _q(segment: str) -> str:
    return quote(segment, safe="")


class ArmBackend:
    """``Backend`` for one subscription at ``base_url`` (ARM or the emulator's ARM).

    ``me`` is the identity acting (emulator: known from connection.json; Azure: read from the
    token); ``principals`` are the emulator's named principals; ``writer`` builds the SDK
    writer on first write.
    """

    def __init__(
        self,
        pool: HttpsPool,
        tokens: TokenSource,
        subscription_id: str,
        base_url: str,
        *,
        writer: Callable[[], SdkWriter],
        me: Principal | None = None,
        principals: dict[str, Principal] | None = None,
    ) -> None:
        self.subscription_id = subscription_id
        self.pool = pool
        self.tokens = tokens
        self._base = base_url.rstrip("/")
        self._host = urlsplit(self._base).netloc.lower()
        self._writer_factory = writer
        self._writer: SdkWriter | None = None
        self._writer_lock = threading.Lock()
        self._me = me
        self._principals = principals or {}

    @property
    def _sub(self) -> str:
        return f"/subscriptions/{_q(self.subscription_id)}"

    def _account_path(self, resource_group: str, name: str) -> str:
        return f"{self._sub}/resourceGroups/{_q(resource_group)}/{_CS}/accounts/{_q(name)}"

    # -- transport ---------------------------------------------------------------------------
    def _send(self, what: str, method: str, url: str, body: Any = None) -> Response:
        data = json.dumps(body).encode() if body is not None else None
        token = self.tokens.access(ARM_SCOPE)
        answer = self._once(what, method, url, data, token.token)
        if answer.status == 401:
            renewed = self.tokens.renew(ARM_SCOPE)
            if renewed is not None:
                answer = self._once(what, method, url, data, renewed.token)
        if answer.status >= 400:
            code, message = error_of_body(answer.body)
            message = message or f"Operation returned an invalid status '{answer.reason}'"
            raise api_error(what, answer.status, code, message, answer.header)
        return answer

    def _once(self, what: str, method: str, url: str, data: bytes | None, token: str) -> Response:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "x-ms-client-request-id": str(uuid.uuid4()),
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            return self.pool.request(method, url, headers, data)
        except TransportError as exc:
            raise AzureApiError(f"{what}: {exc}", code="ConnectionError") from None

    def _url(self, path: str, api_version: str, **query: str) -> str:
        pairs = [*query.items(), ("api-version", api_version)]
        encoded = "&".join(f"{quote(k, safe='$')}={quote(v, safe='')}" for k, v in pairs)
        return f"{self._base}{path}?{encoded}"

    def _get(self, what: str, path: str, api_version: str, **query: str) -> dict[str, Any]:
        return _doc(self._send(what, "GET", self._url(path, api_version, **query)))

    def _list(self, what: str, path: str, api_version: str, **query: str) -> Iterator[Any]:
        """Every item of a paged ARM list (``value`` + ``nextLink``)."""
        url: str | None = self._url(path, api_version, **query)
        while url:
            doc = _doc(self._send(what, "GET", url))
            yield from doc.get("value") or []
            url = doc.get("nextLink") or None
            if url and url.startswith("/"):
                url = self._base + url  # a relative link: same host
            if url and urlsplit(url).netloc.lower() != self._host:
                raise AzureApiError(f"{what}: nextLink points to another host; not followed")

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.pool.close()

    # -- identity ----------------------------------------------------------------------------
    def signed_in_principal(self) -> Principal:
        if self._me is None:
            self._me = convert.principal_from_token(self.tokens.access(ARM_SCOPE).token)
        return self._me

    def named_principal(self, name: str) -> Principal:
        if name not in self._principals:
            known = ", ".join(sorted(self._principals)) or "none"
            problem = f"principal emulator:{name} is unknown to the target (known: {known})"
            raise ConfigError("<target>", [("role_assignments", problem)])
        return self._principals[name]

    def role_definition_guid(self, scope: str, role_name: str) -> str:
        path = f"{quote(scope, safe='/')}/{_AUTH}/roleDefinitions"
        found = list(
            self._list(
                f"looking up role {role_name!r}",
                path,
                AUTH_API,
                **{"$filter": f"roleName eq '{role_name}'"},
            )
        )
        if not found:
            raise ConfigError("<target>", [("role_assignments", f"no role named {role_name!r}")])
        return role_guid(found[0].get("id") or "")

    # -- resource groups ---------------------------------------------------------------------
    def get_resource_group(self, name: str) -> ResourceGroupState | None:
        try:
            doc = self._get(
                f"reading resource group {name}", f"{self._sub}/resourcegroups/{_q(name)}", RM_API
            )
        except NotFoundError:
            return None
        return convert.rg_state(doc)

    def list_resource_ids(self, resource_group: str) -> list[str]:
        group = f"{self._sub}/resourceGroups/{_q(resource_group)}"
        try:
            items = self._list(
                f"listing resources in {resource_group}", f"{group}/resources", RM_API
            )
            return [r.get("id") or "" for r in items]
        except NotFoundError as exc:
            if exc.code == "ResourceGroupNotFound":
                raise
        # An ARM without the generic resource list (the emulator): its only tracked resource
        # type in a group is the Cognitive Services account, so list those instead.
        accounts = self._list(
            f"listing accounts in {resource_group}", f"{group}/{_CS}/accounts", CS_API
        )
        return [a.get("id") or "" for a in accounts]

    # -- accounts ----------------------------------------------------------------------------
    def get_account(self, resource_group: str, name: str) -> AccountState | None:
        try:
            doc = self._get(
                f"reading account {name}", self._account_path(resource_group, name), CS_API
            )
        except NotFoundError:
            return None
        return convert.account_state(doc)

    def get_deleted_account(
        self, location: str, resource_group: str, name: str
    ) -> DeletedAccountState | None:
        path = (
            f"{self._sub}/{_CS}/locations/{_q(location)}/resourceGroups/{_q(resource_group)}"
            f"/deletedAccounts/{_q(name)}"
        )
        try:
            doc = self._get(f"reading soft-deleted account {name}", path, CS_API)
        except NotFoundError:
            return None
        return convert.deleted_account_state({"name": name, **doc}, location, resource_group)

    def list_keys(self, resource_group: str, name: str) -> tuple[str, str]:
        url = self._url(f"{self._account_path(resource_group, name)}/listKeys", CS_API)
        doc = _doc(self._send(f"listing keys of {name}", "POST", url))
        return str(doc.get("key1") or ""), str(doc.get("key2") or "")

    def check_domain_availability(self, subdomain: str, kind: str) -> DomainAvailability:
        url = self._url(f"{self._sub}/{_CS}/checkDomainAvailability", CS_API)
        body = {"subdomainName": subdomain, "type": ACCOUNT_TYPE, "kind": kind}
        doc = _doc(self._send(f"checking subdomain {subdomain}", "POST", url, body))
        return DomainAvailability(
            subdomain, bool(doc.get("isSubdomainAvailable")), doc.get("reason")
        )

    # -- deployments -------------------------------------------------------------------------
    def list_deployments(self, resource_group: str, account: str) -> list[DeploymentState]:
        path = f"{self._account_path(resource_group, account)}/deployments"
        return [
            convert.deployment_state(d)
            for d in self._list(f"listing deployments of {account}", path, CS_API)
        ]

    # -- discovery ---------------------------------------------------------------------------
    def list_usages(self, location: str) -> list[Usage]:
        path = f"{self._sub}/{_CS}/locations/{_q(location)}/usages"
        items = self._list(f"listing quota usages in {location}", path, CS_API)
        return [u for u in map(convert.usage, items) if u is not None]

    def list_models(self, location: str) -> list[CatalogModel]:
        path = f"{self._sub}/{_CS}/locations/{_q(location)}/models"
        items = self._list(f"listing the model catalog in {location}", path, CS_API)
        return [m for m in map(convert.catalog_model, items) if m is not None]

    def list_resource_skus(self) -> list[ResourceSku]:
        items = self._list("listing Cognitive Services SKUs", f"{self._sub}/{_CS}/skus", CS_API)
        return [convert.resource_sku(s) for s in items]

    def list_rai_policies(self, resource_group: str, account: str) -> list[str]:
        path = f"{self._account_path(resource_group, account)}/raiPolicies"
        try:
            items = self._list(f"listing RAI policies of {account}", path, CS_API)
            return [p.get("name") or "" for p in items]
        except NotFoundError:
            return []  # no such account yet, or an ARM without the list

    # -- role assignments --------------------------------------------------------------------
    def list_role_assignments(self, scope: str) -> list[RoleAssignmentState]:
        path = f"{quote(scope, safe='/')}/{_AUTH}/roleAssignments"
        items = self._list("listing role assignments", path, AUTH_API, **{"$filter": "atScope()"})
        states = [convert.role_assignment_state(ra) for ra in items]
        return [s for s in states if s.scope.lower() == scope.lower()]

    # -- writes: the SDK clients, built on first use -----------------------------------------
    @property
    def writer(self) -> SdkWriter:
        with self._writer_lock:
            if self._writer is None:
                self._writer = self._writer_factory()
            return self._writer

    def put_resource_group(
        self, name: str, location: str, tags: dict[str, str]
    ) -> ResourceGroupState:
        return self.writer.put_resource_group(name, location, tags)

    def delete_resource_group(self, name: str) -> None:
        self.writer.delete_resource_group(name)

    def put_account(
        self, resource_group: str, spec: AccountSpec, *, restore: bool = False
    ) -> AccountState:
        return self.writer.put_account(resource_group, spec, restore=restore)

    def delete_account(self, resource_group: str, name: str) -> None:
        self.writer.delete_account(resource_group, name)

    def purge_deleted_account(self, location: str, resource_group: str, name: str) -> None:
        self.writer.purge_deleted_account(location, resource_group, name)

    def put_deployment(
        self, resource_group: str, account: str, spec: DeploymentSpec
    ) -> DeploymentState:
        return self.writer.put_deployment(resource_group, account, spec)

    def delete_deployment(self, resource_group: str, account: str, name: str) -> None:
        self.writer.delete_deployment(resource_group, account, name)

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
        return self.writer.put_role_assignment(
            scope,
            name,
            role_definition_guid=role_definition_guid,
            principal_id=principal_id,
            principal_type=principal_type,
            description=description,
        )

    def delete_role_assignment(self, scope: str, name: str) -> None:
        self.writer.delete_role_assignment(scope, name)


def _doc(answer: Response) -> dict[str, Any]:
    try:
        doc = json.loads(answer.body) if answer.body else {}
    except ValueError:
        raise AzureApiError(f"ARM answered {answer.status} with a body that is not JSON") from None
    return doc if isinstance(doc, dict) else {}
