"""Model deployments of an account: state, views and the data-plane lookup.

Store kind ``csDeployment``, key = lower-cased ``{account id}/deployments/{name}``::

    {"id", "name", "accountId", "sku": {"name", "capacity"}, "tags",
     "properties": {"model": {"format", "name", "version"}, "versionUpgradeOption",
                    "raiPolicyName", ...},
     "location", "usageName", "createdAt": epoch,
     "op": {"id", "kind", "start", "end", "error"},   # latest write (see lro.py)
     "adminState": None | "Disabled"}                  # set through /_admin/deployments

A deployment whose ``op`` is a finished delete is gone. Public for the data plane:
``DeploymentView`` and ``get_deployment``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.arm import lro
from emulator.arm.common import now
from emulator.cognitiveservices.accounts import models as account_models
from emulator.store import Store

KIND = account_models.DEPLOYMENT_KIND
TYPE = "Microsoft.CognitiveServices/accounts/deployments"


@dataclass(frozen=True)
class DeploymentView:
    """What the data plane needs to know about a deployment.

    ``provisioning_state()`` is computed at call time: ``Creating``/``Accepted`` while a write
    runs, then ``Succeeded`` or ``Failed``; ``Disabled`` when an admin disabled it. Serve
    requests only when it is ``Succeeded``.
    """

    id: str
    name: str
    model_name: str
    model_version: str
    model_format: str
    sku_name: str
    capacity: int
    operation: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    admin_state: str | None = None

    def provisioning_state(self, at: float | None = None) -> str:
        """The current ``provisioningState``."""
        return state_of(self.operation, self.admin_state, at)


def get_deployment(store: Store, account_id: str, name: str) -> DeploymentView | None:
    """The deployment ``name`` of the live account ``account_id`` (case-insensitive), or None.

    None when the account is absent or soft-deleted, or the deployment is absent or deleted.
    """
    at = now()
    account = store.get(account_models.KIND, account_id)
    if account is None or not account_models.is_live(account, at):
        return None
    doc = store.get(KIND, key(account["id"], name))
    if doc is None or is_gone(doc, at):
        return None
    return view(doc)


def view(doc: dict[str, Any]) -> DeploymentView:
    """The data-plane view of a deployment document."""
    model = doc["properties"]["model"]
    return DeploymentView(
        id=doc["id"],
        name=doc["name"],
        model_name=model["name"],
        model_version=model["version"],
        model_format=model["format"],
        sku_name=doc["sku"]["name"],
        capacity=int(doc["sku"]["capacity"]),
        operation=doc.get("op"),
        admin_state=doc.get("adminState"),
    )


def state_of(op: dict[str, Any] | None, admin_state: str | None, at: float | None = None) -> str:
    """``provisioningState`` from the latest operation and an admin override."""
    if admin_state:
        return admin_state
    return lro.provisioning_state(op, at)


def key(account: str, name: str) -> str:
    """Store key (and canonical id) of a deployment."""
    return f"{account}/deployments/{name}"


def is_gone(doc: dict[str, Any], at: float) -> bool:
    """Whether the deployment was deleted (its delete operation finished successfully)."""
    return lro.completed_delete(doc.get("op"), at)


def in_subscription(store: Store, sub: str, at: float) -> list[dict[str, Any]]:
    """Existing deployments of live accounts in the subscription."""
    live_accounts: dict[str, bool] = {}
    found = []
    for doc in store.list(KIND, f"/subscriptions/{sub}/"):
        account = doc["accountId"].lower()
        if account not in live_accounts:
            adoc = store.get(account_models.KIND, account)
            live_accounts[account] = adoc is not None and account_models.is_live(adoc, at)
        if live_accounts[account] and not is_gone(doc, at):
            found.append(doc)
    return found


def usage_totals(
    store: Store, sub: str, location: str, at: float, exclude: str | None = None
) -> dict[str, int]:
    """Σ capacity per usage name of the deployments in a region (optionally minus one)."""
    totals: dict[str, int] = {}
    for doc in in_subscription(store, sub, at):
        if doc["location"] != location or doc["id"].lower() == (exclude or "").lower():
            continue
        totals[doc["usageName"]] = totals.get(doc["usageName"], 0) + int(doc["sku"]["capacity"])
    return totals


def to_json(doc: dict[str, Any], at: float) -> dict[str, Any]:
    """ARM representation of a deployment."""
    props = dict(doc["properties"])
    props["provisioningState"] = state_of(doc.get("op"), doc.get("adminState"), at)
    capacity = int(doc["sku"]["capacity"])
    props["currentCapacity"] = capacity
    props["rateLimits"] = [
        {"key": "request", "renewalPeriod": 60, "count": capacity},
        {"key": "token", "renewalPeriod": 60, "count": capacity * 1000},
    ]
    body: dict[str, Any] = {
        "id": doc["id"],
        "name": doc["name"],
        "type": TYPE,
        "sku": doc["sku"],
        "etag": doc.get("etag"),
        "systemData": doc.get("systemData") or {},
        "properties": props,
    }
    if doc.get("tags"):
        body["tags"] = doc["tags"]
    return body
