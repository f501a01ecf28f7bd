"""Role assignments and the life of their scope: the scope must exist, and assignments go when
their resource group is deleted or their account purged (a soft delete keeps them)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from emulator import Emulator

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
CS = "Microsoft.CognitiveServices"


def _assign(emu: Emulator, auth: AuthorizationManagementClient, scope: str, role: str) -> str:
    sub = emu.connection.subscription_id
    params = RoleAssignmentCreateParameters(
        role_definition_id=f"/subscriptions/{sub}/providers/Microsoft.Authorization/"
        f"roleDefinitions/{role}",
        principal_id=emu.connection.principals["app"].object_id,
        principal_type="ServicePrincipal",
    )
    return str(auth.role_assignments.create(scope, str(uuid.uuid4()), params).name)


def _names(auth: AuthorizationManagementClient) -> set[str]:
    return {str(a.name) for a in auth.role_assignments.list_for_subscription()}


def test_the_scope_must_exist(
    emulator: Emulator, auth: AuthorizationManagementClient, make_account: Any, sub: str
) -> None:
    rg = f"/subscriptions/{sub}/resourceGroups/rg-ghost"
    with pytest.raises(ResourceNotFoundError) as no_group:
        _assign(emulator, auth, rg, READER)
    assert no_group.value.error.code == "ResourceGroupNotFound"
    assert "rg-ghost" in no_group.value.error.message
    make_account("rg1", "acct1")
    account = f"/subscriptions/{sub}/resourceGroups/rg1/providers/{CS}/accounts/acct1"
    for missing in (
        account.replace("acct1", "acct-ghost"),
        account + "/deployments/ghost",
        f"/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/s",
    ):
        with pytest.raises(ResourceNotFoundError) as info:
            _assign(emulator, auth, missing, READER)
        assert info.value.error.code == "ResourceNotFound", missing
    # the subscription, an existing group and an existing account are fine
    for scope in (f"/subscriptions/{sub}", f"/subscriptions/{sub}/resourceGroups/RG1", account):
        assert _assign(emulator, auth, scope, READER)


def test_a_deployment_is_a_scope_until_it_is_deleted(
    emulator: Emulator,
    auth: AuthorizationManagementClient,
    cs: CognitiveServicesManagementClient,
    make_account: Any,
    make_deployment: Any,
) -> None:
    account = make_account("rg1", "acct1")
    make_deployment("rg1", "acct1", "rt")
    on_deployment = _assign(emulator, auth, f"{account.id}/deployments/rt", OPENAI_USER)
    on_account = _assign(emulator, auth, str(account.id), OPENAI_USER)
    # a deployment has no soft delete: deleting it takes the assignments at it along
    cs.deployments.begin_delete("rg1", "acct1", "rt").result()
    left = _names(auth)
    assert on_deployment not in left and on_account in left


def test_purge_removes_the_accounts_assignments_and_soft_delete_keeps_them(
    emulator: Emulator,
    auth: AuthorizationManagementClient,
    cs: CognitiveServicesManagementClient,
    make_account: Any,
    make_deployment: Any,
    sub: str,
) -> None:
    doomed = make_account("rg1", "acct1")
    make_account("rg1", "acct2")
    make_deployment("rg1", "acct1", "rt")
    on_rg = _assign(emulator, auth, f"/subscriptions/{sub}/resourceGroups/rg1", READER)
    on_account = _assign(emulator, auth, str(doomed.id), OPENAI_USER)
    on_deployment = _assign(emulator, auth, f"{doomed.id}/deployments/rt", OPENAI_USER)
    on_sibling = _assign(emulator, auth, str(doomed.id).replace("acct1", "acct2"), OPENAI_USER)
    cs.accounts.begin_delete("rg1", "acct1").result()
    assert {on_account, on_deployment} <= _names(auth)  # soft-deleted: may still be restored
    cs.deleted_accounts.begin_purge("eastus2", "rg1", "acct1").result()
    left = _names(auth)
    assert on_account not in left and on_deployment not in left
    assert {on_rg, on_sibling} <= left


def test_deleting_a_resource_group_removes_the_assignments_under_it(
    emulator: Emulator,
    auth: AuthorizationManagementClient,
    rmc: ResourceManagementClient,
    make_account: Any,
    sub: str,
) -> None:
    account = make_account("rg1", "acct1")
    rmc.resource_groups.create_or_update("rg10", {"location": "eastus2"})
    on_rg = _assign(emulator, auth, f"/subscriptions/{sub}/resourceGroups/rg1", READER)
    on_account = _assign(emulator, auth, str(account.id), OPENAI_USER)
    on_rg10 = _assign(emulator, auth, f"/subscriptions/{sub}/resourceGroups/rg10", READER)
    on_sub = _assign(emulator, auth, f"/subscriptions/{sub}", READER)
    rmc.resource_groups.begin_delete("rg1").result()
    left = _names(auth)
    assert on_rg not in left and on_account not in left
    assert {on_rg10, on_sub} <= left  # segment boundary: rg10 is not under rg1
    with pytest.raises(ResourceNotFoundError) as info:
        _assign(emulator, auth, f"/subscriptions/{sub}/resourceGroups/rg1", READER)
    assert info.value.error.code == "ResourceGroupNotFound"
