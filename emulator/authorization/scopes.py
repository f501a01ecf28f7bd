"""Whether the scope of a new role assignment exists, answered the way ARM answers.

ARM resolves the resource group and the parent resource of an extension resource (a role
assignment is one) before the Authorization provider sees the request: a missing group is
404 ``ResourceGroupNotFound``, a missing resource 404 ``ResourceNotFound`` (Azure/azure-cli#15243
shows the latter for a role assignment on a storage account that does not exist). The emulator
holds only Cognitive Services accounts and their deployments, so a resource of any other type
does not exist here either.
"""

from __future__ import annotations

from emulator.arm import common as rc
from emulator.cognitiveservices.accounts import models as am
from emulator.cognitiveservices.deployments import models as dm
from emulator.store import Store


def require_existing(store: Store, scope: str) -> None:
    """Raise 404 unless ``scope`` (canonical, subscription already checked) exists.

    The tenant root, management groups and the subscription always exist; a resource group
    exists until its deletion completes; accounts exist until deleted (soft-deleted ones do not).
    """
    parts = [p for p in scope.split("/") if p]
    if len(parts) < 4 or parts[0].lower() != "subscriptions" or parts[2] != "resourceGroups":
        return
    at = rc.now()
    sub, rg = parts[1], parts[3]
    group = rc.require_group_for_read(store, sub, rg, at)
    resource = parts[4:]  # providers/{ns}/{type}/{name}[/{type}/{name}...]
    if not resource:
        return
    namespace, types, names = resource[1], resource[2::2], resource[3::2]
    full_type = "/".join([namespace, *types])
    missing = rc.resource_not_found(full_type, "/".join(names), group["name"])
    if namespace.lower() != "microsoft.cognitiveservices" or types[0].lower() != "accounts":
        raise missing
    account = store.get(am.KIND, am.account_id(sub, group["name"], names[0]))
    if account is None or not am.is_live(account, at):
        raise missing
    if len(types) == 1:
        return
    if len(types) > 2 or types[1].lower() != "deployments":
        raise missing
    deployment = store.get(dm.KIND, dm.key(account["id"], names[1]))
    if deployment is None or dm.is_gone(deployment, at):
        raise missing
