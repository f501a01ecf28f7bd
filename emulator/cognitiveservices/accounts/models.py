"""Cognitive Services accounts: state, rules (validation, soft delete, restore) and views.

Store kind ``csAccount``, key = lower-cased account id. One document per account name and
resource group, live or soft-deleted::

    {"id", "name", "resourceGroup", "subscriptionId", "location", "kind", "sku", "tags",
     "identity", "properties": {...writable properties as sent...}, "internalId",
     "createdAt": epoch, "etag", "keys": {"key1", "key2"},
     "op": {"id", "kind", "start", "end", "error"},   # latest write (see lro.py)
     "purge": op | None}                                # purge of the soft-deleted account

An account is *soft-deleted* once its ``op`` is a finished, successful delete; it is gone for
good once its ``purge`` operation has finished. Deployments of a soft-deleted account are kept
(invisible) and come back when the account is restored; a purge removes them.

Public for the data plane: ``AccountView``, ``find_account_by_subdomain``, ``get_account``.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from emulator.arm import common as rc
from emulator.arm import lro
from emulator.arm.common import iso, now
from emulator.store import Store

KIND = "csAccount"
DEPLOYMENT_KIND = "csDeployment"
TYPE = "Microsoft.CognitiveServices/accounts"
ACCOUNT_KINDS = ("OpenAI", "AIServices", "CognitiveServices")
NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$")
SUBDOMAIN_RE = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?$")
PURGE_AFTER_SECONDS = 48 * 3600


@dataclass(frozen=True)
class AccountView:
    """What the data plane needs to know about a live account.

    ``provisioning_state()`` is computed at call time (accounts progress by wall time), so
    call it when deciding, not when the view was fetched. Keys are excluded from ``repr``.
    """

    id: str
    name: str
    resource_group: str
    subscription_id: str
    subdomain: str | None
    kind: str
    location: str
    disable_local_auth: bool
    public_network_access: str
    key1: str = field(repr=False)
    key2: str = field(repr=False)
    operation: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def provisioning_state(self, at: float | None = None) -> str:
        """In-progress state while a write runs (``Creating``...), else ``Succeeded``/``Failed``."""
        return lro.provisioning_state(self.operation, at)


def find_account_by_subdomain(store: Store, subdomain: str) -> AccountView | None:
    """The live account (not soft-deleted) whose ``customSubDomainName`` is ``subdomain``.

    Case-insensitive. An account still being created or deleted is returned: check
    ``provisioning_state()`` before serving it.
    """
    wanted = subdomain.lower()
    at = now()
    for doc in store.list(KIND):
        if is_live(doc, at) and (subdomain_of(doc) or "").lower() == wanted:
            return view(doc)
    return None


def get_account(store: Store, account_id: str) -> AccountView | None:
    """The live account with this ARM id (case-insensitive), or None."""
    doc = store.get(KIND, account_id)
    return view(doc) if doc is not None and is_live(doc, now()) else None


def view(doc: dict[str, Any]) -> AccountView:
    """The data-plane view of an account document."""
    props = doc["properties"]
    return AccountView(
        id=doc["id"],
        name=doc["name"],
        resource_group=doc["resourceGroup"],
        subscription_id=doc["subscriptionId"],
        subdomain=subdomain_of(doc),
        kind=doc["kind"],
        location=doc["location"],
        disable_local_auth=bool(props.get("disableLocalAuth")),
        public_network_access=props.get("publicNetworkAccess") or "Enabled",
        key1=doc["keys"]["key1"],
        key2=doc["keys"]["key2"],
        operation=doc.get("op"),
    )


# -- state predicates -----------------------------------------------------------------------
def account_id(sub: str, rg: str, name: str) -> str:
    """Canonical account id."""
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{TYPE}/{name}"


def subdomain_of(doc: dict[str, Any]) -> str | None:
    """The account's custom subdomain, if any."""
    value = doc["properties"].get("customSubDomainName")
    return value or None


def is_purged(doc: dict[str, Any], at: float) -> bool:
    """Whether the account was purged (gone for good)."""
    return lro.completed_delete(doc.get("purge"), at)


def is_soft_deleted(doc: dict[str, Any], at: float) -> bool:
    """Whether the account sits in ``deletedAccounts`` (deleted, not yet purged)."""
    return lro.completed_delete(doc.get("op"), at) and not is_purged(doc, at)


def is_live(doc: dict[str, Any], at: float) -> bool:
    """Whether the account exists (including while being created, updated or deleted)."""
    return not lro.completed_delete(doc.get("op"), at)


def deployment_docs(store: Store, account: str) -> list[dict[str, Any]]:
    """Every stored deployment document of an account (including deleted ones)."""
    return store.list(DEPLOYMENT_KIND, account.lower() + "/deployments/")


def busy(store: Store, doc: dict[str, Any], at: float) -> bool:
    """Whether a write on the account or one of its deployments is still in flight."""
    if lro.running(doc.get("op"), at):
        return True
    return any(lro.running(d.get("op"), at) for d in deployment_docs(store, doc["id"]))


def new_document(
    sub: str, rg: str, name: str, location: str, kind: str, at: float
) -> dict[str, Any]:
    """A fresh account document (keys, internal id and creation time assigned here)."""
    return {
        "id": account_id(sub, rg, name),
        "name": name,
        "resourceGroup": rg,
        "subscriptionId": sub,
        "location": location,
        "kind": kind,
        "sku": {"name": "S0"},
        "tags": {},
        "identity": None,
        "properties": {},
        "internalId": uuid.uuid4().hex,
        "createdAt": at,
        "etag": f'"{uuid.uuid4()}"',
        "keys": new_keys(),
        "op": None,
        "purge": None,
    }


def new_keys() -> dict[str, str]:
    """Two fresh 32-hex-digit keys (the shape Azure uses)."""
    return {"key1": secrets.token_hex(16), "key2": secrets.token_hex(16)}


def all_documents(store: Store, sub: str) -> list[dict[str, Any]]:
    """Every account document of the subscription (any state)."""
    return store.list(KIND, f"/subscriptions/{sub}/")


# -- wire shape -----------------------------------------------------------------------------
_OPENAI_ENDPOINTS = (
    "OpenAI Language Model Instance API",
    "OpenAI Realtime API",
    "OpenAI Whisper API",
    "OpenAI Moderations API",
    "OpenAI Dall-E API",
    "OpenAI Sora API",
    "OpenAI Model Scaleset API",
    "Token Service API",
    "Azure OpenAI Legacy API - Latest moniker",
)
_AISERVICES_EXTRA = (
    "AI Foundry API",
    "Azure AI Model Inference API",
    "Speech Services Speech to Text",
    "Speech Services Speech to Text (Standard)",
    "Speech Services Text to Speech",
    "Content Safety",
    "Computer Vision",
    "Translator",
)
_CAPABILITIES = [
    {"name": "VirtualNetworks"},
    {"name": "CustomerManagedKey"},
    {"name": "MaxFineTuneCount", "value": "100"},
    {"name": "MaxRunningFineTuneCount", "value": "1"},
    {"name": "EnableRLSForThrottling", "value": "true"},
    {
        "name": "TrustedServices",
        "value": "Microsoft.CognitiveServices,Microsoft.MachineLearningServices",
    },
]


def endpoint(doc: dict[str, Any], base_url: str) -> str:
    """The account's endpoint on the emulator's data plane (needs a custom subdomain to work)."""
    label = subdomain_of(doc) or f"{doc['location']}.api"
    return f"{base_url}/dataplane/{label}/"


def endpoints(doc: dict[str, Any], base_url: str) -> dict[str, str]:
    """The ``endpoints`` map: every API of the kind on the same emulator host."""
    url = endpoint(doc, base_url)
    names: tuple[str, ...] = ("Token Service API",)
    if doc["kind"] == "OpenAI":
        names = _OPENAI_ENDPOINTS
    elif doc["kind"] == "AIServices":
        names = _OPENAI_ENDPOINTS + _AISERVICES_EXTRA
    return {name: url for name in names}


def to_json(
    doc: dict[str, Any], base_url: str, at: float, *, deleted: bool = False
) -> dict[str, Any]:
    """The ARM representation of an account (or, with ``deleted``, of a deleted account)."""
    props = {k: v for k, v in doc["properties"].items() if k != "restore"}
    props.setdefault("publicNetworkAccess", "Enabled")
    props.setdefault(
        "networkAcls", {"defaultAction": "Allow", "ipRules": [], "virtualNetworkRules": []}
    )
    props.update(
        provisioningState=lro.provisioning_state(doc.get("op"), at) if not deleted else "Succeeded",
        endpoint=endpoint(doc, base_url),
        endpoints=endpoints(doc, base_url),
        internalId=doc["internalId"],
        dateCreated=iso(doc["createdAt"]),
        capabilities=_CAPABILITIES,
        privateEndpointConnections=[],
        isMigrated=False,
        callRateLimit={
            "rules": [
                {
                    "key": "openai",
                    "renewalPeriod": 1,
                    "count": 30,
                    "matchPatterns": [{"path": "openai/*", "method": "*"}],
                }
            ]
        },
    )
    rid = doc["id"]
    if deleted:
        deleted_at = doc["op"]["end"]
        props["deletionDate"] = iso(deleted_at)
        props["scheduledPurgeDate"] = iso(deleted_at + PURGE_AFTER_SECONDS)
        rid = deleted_id(doc)
    body: dict[str, Any] = {
        "id": rid,
        "name": doc["name"],
        "type": TYPE,
        "etag": doc["etag"],
        "location": doc["location"],
        "kind": doc["kind"],
        "sku": doc["sku"],
        "tags": doc.get("tags") or {},
        "properties": props,
        "systemData": doc.get("systemData") or {},
    }
    if doc.get("identity"):
        body["identity"] = doc["identity"]
    return body


def deleted_id(doc: dict[str, Any]) -> str:
    """The ``deletedAccounts`` id of a soft-deleted account."""
    return (
        f"/subscriptions/{doc['subscriptionId']}/providers/Microsoft.CognitiveServices/locations/"
        f"{doc['location']}/resourceGroups/{doc['resourceGroup']}/deletedAccounts/{doc['name']}"
    )


def require_live(store: Store, sub: str, rg: str, name: str, at: float) -> dict[str, Any]:
    """The live account document named in a request (404 group or account absent)."""
    group = rc.require_group_for_read(store, sub, rg, at)
    doc = store.get(KIND, account_id(sub, group["name"], name))
    if doc is None or not is_live(doc, at):
        raise rc.resource_not_found(TYPE, name, group["name"])
    return doc


def find_live(store: Store, sub: str, rg: str, name: str, at: float) -> dict[str, Any] | None:
    """Like ``require_live`` but None when the account (not the group) is absent."""
    group = rc.require_group_for_read(store, sub, rg, at)
    doc = store.get(KIND, account_id(sub, group["name"], name))
    return doc if doc is not None and is_live(doc, at) else None


def live_in(store: Store, prefix: str, at: float) -> list[dict[str, Any]]:
    """Live account documents under an id prefix (a subscription or a resource group)."""
    return [d for d in store.list(KIND, prefix) if is_live(d, at)]


def soft_deleted_in(store: Store, sub: str, at: float) -> list[dict[str, Any]]:
    """Soft-deleted (not purged) accounts of the subscription."""
    return [d for d in store.list(KIND, f"/subscriptions/{sub}/") if is_soft_deleted(d, at)]
