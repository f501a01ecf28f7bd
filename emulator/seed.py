"""First-start seeding: one tenant, one subscription, a deployer (Owner) and an app principal."""

from __future__ import annotations

import datetime as dt
import uuid

from emulator.entra import principals
from emulator.store import Store

OWNER_ROLE_ID = "8e3af657-a8ff-443c-a75c-2cfc2ebd9f1e"
ROLE_ASSIGNMENT_KIND = "roleAssignment"


def ensure_seeded(store: Store) -> None:
    """Create the tenant, subscription and seeded principals unless they exist."""
    with store.transaction():
        if store.get_meta("tenant_id") is not None:
            return
        store.set_meta("tenant_id", str(uuid.uuid4()))
        subscription_id = str(uuid.uuid4())
        store.set_meta("subscription_id", subscription_id)
        deployer = principals.add(store, "deployer", "Emulator deployer")
        principals.add(store, "app", "Emulator realtime app")
        scope = f"/subscriptions/{subscription_id}"
        put_role_assignment(store, scope, deployer.object_id, OWNER_ROLE_ID, subscription_id)


def put_role_assignment(
    store: Store, scope: str, principal_id: str, role_id: str, subscription_id: str
) -> dict:
    """Store a role assignment document in ARM's wire shape (the shape ARM serves)."""
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{scope}|{principal_id}|{role_id}".lower()))
    now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
    rid = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
    doc = {
        "id": rid,
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"/subscriptions/{subscription_id}/providers/"
            f"Microsoft.Authorization/roleDefinitions/{role_id}",
            "principalId": principal_id,
            "principalType": "ServicePrincipal",
            "scope": scope,
            "condition": None,
            "conditionVersion": None,
            "createdOn": now,
            "updatedOn": now,
            "createdBy": None,
            "updatedBy": None,
            "description": "Seeded by the emulator",
        },
    }
    store.put(ROLE_ASSIGNMENT_KIND, rid, doc)
    return doc
