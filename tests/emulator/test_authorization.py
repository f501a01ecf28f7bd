"""Microsoft.Authorization emulation driven by the real azure-mgmt-authorization client."""

from __future__ import annotations

import time
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.aio import AuthorizationManagementClient as AsyncAuthClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

from emulator import Emulator
from emulator.arm import common as rc
from emulator.authorization import rbac, roles
from emulator.authorization import storage as authorization
from emulator.cognitiveservices.accounts import models as am
from emulator.entra import replication
from emulator.sdk import credential as sdk_credential
from emulator.seed import ROLE_ASSIGNMENT_KIND

OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
CS_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
OWNER = "8e3af657-a8ff-443c-a75c-2cfc2ebd9f1e"
REALTIME = "Microsoft.CognitiveServices/accounts/OpenAI/deployments/realtime/action"


def _cred(emu: Emulator, name: str) -> ClientSecretCredential:
    return sdk_credential(emu.connection, name)


def _auth(emu: Emulator, name: str = "deployer") -> AuthorizationManagementClient:
    c = emu.connection
    return AuthorizationManagementClient(
        _cred(emu, name),
        c.subscription_id,
        base_url=c.arm_url,
        connection_verify=str(c.ca_bundle),
        retry_total=0,
    )


def _sub(emu: Emulator) -> str:
    return f"/subscriptions/{emu.connection.subscription_id}"


def _account(emu: Emulator, rg: str = "rg1", name: str = "acct1") -> str:
    return f"{_sub(emu)}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{name}"


def _role_id(emu: Emulator, guid: str) -> str:
    return f"{_sub(emu)}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def _params(emu: Emulator, principal: str, guid: str, **kw) -> RoleAssignmentCreateParameters:
    kw.setdefault("principal_type", "ServicePrincipal")
    return RoleAssignmentCreateParameters(
        role_definition_id=_role_id(emu, guid), principal_id=principal, **kw
    )


def _oid(emu: Emulator, name: str) -> str:
    return emu.connection.principals[name].object_id


def _status(response, deserialized, headers):
    return response.http_response.status_code, deserialized


def _create_scopes(emu: Emulator, *paths: str) -> None:
    """Create resource groups (``"rg"``) and accounts (``"rg/account"``) directly in the store:
    role assignments need an existing scope, and the SDK round trips would only cost time."""
    assert emu.app is not None
    store, sub, at = emu.app.store, emu.connection.subscription_id, time.time()
    for path in paths:
        rg, _, account = path.partition("/")
        group = {"id": rc.group_id(sub, rg), "name": rg, "location": "eastus2", "op": None}
        store.put(rc.GROUP_KIND, group["id"], {**group, "createdAt": at, "tags": {}})
        if account:
            doc = am.new_document(sub, rg, account, "eastus2", "OpenAI", at)
            doc["properties"] = {"customSubDomainName": account}
            store.put(am.KIND, doc["id"], doc)


@pytest.fixture
def emulator(emulator: Emulator) -> Emulator:
    """The shared emulator with the scopes these tests assign at."""
    _create_scopes(emulator, "rg1/acct1", "rg1/acct2", "rg1/other", "rg2", "rg10")
    return emulator


# -- role definitions ------------------------------------------------------------------------
def test_role_definitions_are_the_real_built_ins(emulator: Emulator) -> None:
    auth = _auth(emulator)
    listed = {d.name: d for d in auth.role_definitions.list(_sub(emulator))}
    assert set(listed) == {
        OWNER,
        CONTRIBUTOR,
        READER,
        UAA,
        CS_USER,
        OPENAI_USER,
        "a001fd3d-188f-4b5d-821b-7da978bf7442",
        "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
    }
    assert listed[OWNER].role_name == "Owner" and listed[OWNER].permissions[0].actions == ["*"]
    contributor = listed[CONTRIBUTOR].permissions[0]
    assert "Microsoft.Authorization/*/Write" in contributor.not_actions
    assert listed[READER].permissions[0].actions == ["*/read"]
    assert REALTIME in listed[OPENAI_USER].permissions[0].data_actions
    assert listed[CS_USER].permissions[0].data_actions == ["Microsoft.CognitiveServices/*"]
    assert listed[OWNER].role_type == "BuiltInRole"
    assert listed[OWNER].id == _role_id(emulator, OWNER)


def test_role_definition_filters(emulator: Emulator) -> None:
    auth = _auth(emulator)
    found = list(
        auth.role_definitions.list(
            _account(emulator), filter="roleName eq 'Cognitive Services OpenAI User'"
        )
    )
    assert [d.name for d in found] == [OPENAI_USER]
    assert found[0].id == _role_id(emulator, OPENAI_USER)  # subscription-prefixed below a sub
    assert (
        len(list(auth.role_definitions.list(_sub(emulator), filter="type eq 'BuiltInRole'"))) == 8
    )
    assert list(auth.role_definitions.list(_sub(emulator), filter="type eq 'CustomRole'")) == []
    assert list(auth.role_definitions.list(_sub(emulator), filter="roleName eq 'Nope'")) == []
    with pytest.raises(HttpResponseError) as info:
        list(auth.role_definitions.list(_sub(emulator), filter="color eq 'blue'"))
    assert info.value.status_code == 400 and info.value.error.code == "UnsupportedQuery"


def test_role_definition_get_and_get_by_id(emulator: Emulator) -> None:
    auth = _auth(emulator)
    assert auth.role_definitions.get(_account(emulator), CS_USER).role_name == (
        "Cognitive Services User"
    )
    assert auth.role_definitions.get_by_id(_role_id(emulator, OWNER)).role_name == "Owner"
    tenant_level = f"/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    by_id = auth.role_definitions.get_by_id(tenant_level)
    assert by_id.role_name == "Reader" and by_id.id == tenant_level
    with pytest.raises(ResourceNotFoundError) as info:
        auth.role_definitions.get(_sub(emulator), str(uuid.uuid4()))
    assert info.value.error.code == "RoleDefinitionDoesNotExist"
    with pytest.raises(HttpResponseError) as bad:
        auth.role_definitions.get(_sub(emulator), "not-a-guid")
    assert bad.value.status_code == 400 and bad.value.error.code == "InvalidRoleDefinitionId"


# -- role assignments: CRUD --------------------------------------------------------------------
def test_create_get_idempotent_put_and_delete(emulator: Emulator) -> None:
    auth = _auth(emulator)
    scope, name, app = _account(emulator), str(uuid.uuid4()), _oid(emulator, "app")
    status, created = auth.role_assignments.create(
        scope, name, _params(emulator, app, OPENAI_USER, description="realtime"), cls=_status
    )
    assert status == 201
    assert created.name == name and created.scope == scope
    assert created.id == f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
    assert created.principal_id == app and created.principal_type == "ServicePrincipal"
    assert created.role_definition_id.lower().endswith(OPENAI_USER)
    assert created.created_by == _oid(emulator, "deployer") and created.created_on is not None
    again, same = auth.role_assignments.create(
        scope, name, _params(emulator, app, OPENAI_USER, description="realtime"), cls=_status
    )
    assert again == 200 and same.created_on == created.created_on
    assert auth.role_assignments.get(scope, name).description == "realtime"
    assert auth.role_assignments.get_by_id(created.id).name == name
    deleted_status, deleted = auth.role_assignments.delete(scope, name, cls=_status)
    assert deleted_status == 200 and deleted.name == name
    assert auth.role_assignments.delete(scope, name, cls=_status) == (204, None)
    with pytest.raises(ResourceNotFoundError) as info:
        auth.role_assignments.get(scope, name)
    assert info.value.error.code == "RoleAssignmentNotFound"


def test_scope_is_returned_in_canonical_casing(emulator: Emulator) -> None:
    auth = _auth(emulator)
    sub = emulator.connection.subscription_id.upper()
    sloppy = (
        f"/SUBSCRIPTIONS/{sub}/resourcegroups/Rg1/providers/microsoft.cognitiveservices"
        "/ACCOUNTS/Acct1"
    )
    created = auth.role_assignments.create(
        sloppy, str(uuid.uuid4()), _params(emulator, _oid(emulator, "app"), CS_USER)
    )
    assert created.scope == _account(emulator, "Rg1", "Acct1")


def test_create_by_id_and_delete_by_id(emulator: Emulator) -> None:
    auth = _auth(emulator)
    rg = f"{_sub(emulator)}/resourceGroups/rg2"
    rid = f"{rg}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
    created = auth.role_assignments.create_by_id(
        rid, _params(emulator, _oid(emulator, "app"), READER)
    )
    assert created.id == rid
    assert auth.role_assignments.delete_by_id(rid).id == rid


def test_duplicate_under_another_guid_is_role_assignment_exists(emulator: Emulator) -> None:
    auth = _auth(emulator)
    scope, app = _account(emulator), _oid(emulator, "app")
    auth.role_assignments.create(scope, str(uuid.uuid4()), _params(emulator, app, OPENAI_USER))
    with pytest.raises(ResourceExistsError) as info:
        auth.role_assignments.create(scope, str(uuid.uuid4()), _params(emulator, app, OPENAI_USER))
    assert info.value.error.code == "RoleAssignmentExists"
    assert info.value.error.message == "The role assignment already exists."


def test_same_guid_with_other_role_or_principal_is_update_not_permitted(emulator: Emulator) -> None:
    auth = _auth(emulator)
    scope, name = _account(emulator), str(uuid.uuid4())
    auth.role_assignments.create(scope, name, _params(emulator, _oid(emulator, "app"), CS_USER))
    for params in (
        _params(emulator, _oid(emulator, "app"), OPENAI_USER),
        _params(emulator, _oid(emulator, "deployer"), CS_USER),
    ):
        with pytest.raises(ResourceExistsError) as info:
            auth.role_assignments.create(scope, name, params)
        assert info.value.error.code == "RoleAssignmentUpdateNotPermitted"
    with pytest.raises(ResourceExistsError):  # the same GUID at another scope
        auth.role_assignments.create(
            _sub(emulator), name, _params(emulator, _oid(emulator, "app"), CS_USER)
        )


def test_name_must_be_a_guid(emulator: Emulator) -> None:
    with pytest.raises(HttpResponseError) as info:
        _auth(emulator).role_assignments.create(
            _account(emulator), "my-assignment", _params(emulator, _oid(emulator, "app"), CS_USER)
        )
    assert info.value.status_code == 400 and info.value.error.code == "InvalidRoleAssignmentId"


def test_unknown_role_definition(emulator: Emulator) -> None:
    with pytest.raises(HttpResponseError) as info:
        _auth(emulator).role_assignments.create(
            _account(emulator),
            str(uuid.uuid4()),
            _params(emulator, _oid(emulator, "app"), str(uuid.uuid4())),
        )
    assert info.value.status_code == 400 and info.value.error.code == "RoleDefinitionDoesNotExist"


def test_sdk_default_principal_type_user_is_unmatched_for_a_service_principal(
    emulator: Emulator,
) -> None:
    # RoleAssignmentCreateParameters defaults principal_type to "User", as Azure then rejects.
    params = RoleAssignmentCreateParameters(
        role_definition_id=_role_id(emulator, CS_USER), principal_id=_oid(emulator, "app")
    )
    with pytest.raises(HttpResponseError) as info:
        _auth(emulator).role_assignments.create(_account(emulator), str(uuid.uuid4()), params)
    assert info.value.status_code == 400 and info.value.error.code == "UnmatchedPrincipalType"


def test_unknown_principal_without_principal_type_is_principal_not_found(
    emulator: Emulator,
) -> None:
    auth, ghost = _auth(emulator), str(uuid.uuid4())
    with pytest.raises(HttpResponseError) as info:
        auth.role_assignments.create(
            _account(emulator),
            str(uuid.uuid4()),
            _params(emulator, ghost, CS_USER, principal_type=None),
        )
    assert info.value.status_code == 400 and info.value.error.code == "PrincipalNotFound"
    assert emulator.connection.tenant_id in info.value.error.message
    assert "principalType" in info.value.error.message
    # Setting principalType skips the directory lookup, as in Azure.
    created = auth.role_assignments.create(
        _account(emulator), str(uuid.uuid4()), _params(emulator, ghost, CS_USER)
    )
    assert created.principal_id == ghost


def test_replication_lag_of_a_new_principal(emulator: Emulator) -> None:
    new = emulator.add_principal("fresh")
    assert emulator.app is not None
    replication.set_replication_lag(emulator.app.store, new.object_id, 600)
    auth = _auth(emulator)
    untyped = _params(emulator, new.object_id, CS_USER, principal_type=None)
    with pytest.raises(HttpResponseError) as info:
        auth.role_assignments.create(_account(emulator), str(uuid.uuid4()), untyped)
    assert info.value.error.code == "PrincipalNotFound"
    typed = auth.role_assignments.create(
        _account(emulator), str(uuid.uuid4()), _params(emulator, new.object_id, CS_USER)
    )
    assert typed.principal_id == new.object_id
    replication.set_replication_lag(emulator.app.store, new.object_id, 0, now=time.time() - 1)
    later = auth.role_assignments.create(
        _account(emulator, name="other"), str(uuid.uuid4()), untyped
    )
    assert later.principal_id == new.object_id


def test_other_or_malformed_subscription(emulator: Emulator) -> None:
    auth = _auth(emulator)
    with pytest.raises(ResourceNotFoundError) as info:
        list(auth.role_assignments.list_for_scope(f"/subscriptions/{uuid.uuid4()}"))
    assert info.value.error.code == "SubscriptionNotFound"
    with pytest.raises(HttpResponseError) as bad:
        list(auth.role_assignments.list_for_scope("/subscriptions/not-a-guid"))
    assert bad.value.status_code == 400 and bad.value.error.code == "InvalidSubscriptionId"


# -- listing -----------------------------------------------------------------------------------
@pytest.fixture
def spread(emulator: Emulator) -> dict[str, str]:
    """Assignments at an RG, at an account in it, and at an unrelated RG (plus the seeded Owner)."""
    auth, app = _auth(emulator), _oid(emulator, "app")
    rg = f"{_sub(emulator)}/resourceGroups/rg1"
    made = {
        "rg": auth.role_assignments.create(rg, str(uuid.uuid4()), _params(emulator, app, READER)),
        "account": auth.role_assignments.create(
            _account(emulator), str(uuid.uuid4()), _params(emulator, app, OPENAI_USER)
        ),
        "rg10": auth.role_assignments.create(
            rg + "0", str(uuid.uuid4()), _params(emulator, app, READER)
        ),
    }
    return {key: value.name for key, value in made.items()}


def test_list_for_scope_includes_above_and_below(emulator: Emulator, spread: dict) -> None:
    auth = _auth(emulator)
    rg = f"{_sub(emulator)}/resourceGroups/rg1"
    names = {a.name for a in auth.role_assignments.list_for_scope(rg)}
    owner = {
        a.name for a in auth.role_assignments.list_for_scope(_sub(emulator), filter="atScope()")
    }
    assert len(owner) == 1  # the seeded deployer Owner
    assert names == owner | {spread["rg"], spread["account"]}  # not rg10: segment boundary
    at_scope = {a.name for a in auth.role_assignments.list_for_scope(rg, filter="atScope()")}
    assert at_scope == owner | {spread["rg"]}
    everything = {a.name for a in auth.role_assignments.list_for_subscription()}
    assert everything == owner | set(spread.values())


def test_list_filters_by_principal(emulator: Emulator, spread: dict) -> None:
    auth, app = _auth(emulator), _oid(emulator, "app")
    rg = f"{_sub(emulator)}/resourceGroups/rg1"
    by_id = {
        a.name for a in auth.role_assignments.list_for_scope(rg, filter=f"principalId eq '{app}'")
    }
    assert by_id == {spread["rg"], spread["account"]}
    assigned = {
        a.name for a in auth.role_assignments.list_for_scope(rg, filter=f"assignedTo('{app}')")
    }
    assert assigned == by_id
    combo = auth.role_assignments.list_for_scope(rg, filter=f"atScope() and assignedTo('{app}')")
    assert {a.name for a in combo} == {spread["rg"]}
    deployer = _oid(emulator, "deployer")
    mine = list(auth.role_assignments.list_for_subscription(filter=f"principalId eq '{deployer}'"))
    assert [a.role_definition_id.lower().rsplit("/", 1)[-1] for a in mine] == [OWNER]
    with pytest.raises(HttpResponseError) as info:
        list(auth.role_assignments.list_for_scope(rg, filter="roleName eq 'Owner'"))
    assert info.value.status_code == 400 and info.value.error.code == "UnsupportedQuery"


def test_list_for_resource_group_and_resource(emulator: Emulator, spread: dict) -> None:
    auth = _auth(emulator)
    in_rg = {a.name for a in auth.role_assignments.list_for_resource_group("rg1")}
    assert {spread["rg"], spread["account"]} <= in_rg and spread["rg10"] not in in_rg
    on_account = auth.role_assignments.list_for_resource(
        "rg1", "Microsoft.CognitiveServices", "accounts", "acct1", filter="atScope()"
    )
    assert spread["account"] in {a.name for a in on_account}


# -- RBAC enforcement --------------------------------------------------------------------------
def test_principal_without_roles_gets_authorization_failed(emulator: Emulator) -> None:
    app = _auth(emulator, "app")
    scope = _account(emulator)
    with pytest.raises(HttpResponseError) as info:
        app.role_assignments.create(
            scope, str(uuid.uuid4()), _params(emulator, _oid(emulator, "app"), OWNER)
        )
    err = info.value
    assert err.status_code == 403 and err.error.code == "AuthorizationFailed"
    client_id = emulator.connection.principals["app"].client_id
    assert err.error.message == (
        f"The client '{client_id}' with object id '{_oid(emulator, 'app')}' does not have "
        "authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over "
        f"scope '{scope}' or the scope is invalid. If access was recently granted, please "
        "refresh your credentials."
    )
    with pytest.raises(HttpResponseError) as listing:
        list(app.role_assignments.list_for_subscription())
    assert listing.value.status_code == 403


def test_contributor_cannot_assign_roles_but_uaa_and_scoped_owner_can(emulator: Emulator) -> None:
    owner = _auth(emulator)
    rg = f"{_sub(emulator)}/resourceGroups/rg1"
    for name, guid, scope in (
        ("contrib", CONTRIBUTOR, _sub(emulator)),
        ("uaa", UAA, _sub(emulator)),
        ("rgowner", OWNER, rg),
    ):
        principal = emulator.add_principal(name)
        owner.role_assignments.create(
            scope, str(uuid.uuid4()), _params(emulator, principal.object_id, guid)
        )
    target = _params(emulator, _oid(emulator, "app"), CS_USER)
    with pytest.raises(HttpResponseError) as info:
        _auth(emulator, "contrib").role_assignments.create(
            _account(emulator), str(uuid.uuid4()), target
        )
    assert info.value.status_code == 403
    assert list(_auth(emulator, "contrib").role_assignments.list_for_scope(rg))  # reads are fine
    uaa = _auth(emulator, "uaa").role_assignments.create(
        _account(emulator), str(uuid.uuid4()), target
    )
    assert uaa.scope == _account(emulator)
    scoped = _auth(emulator, "rgowner")
    made = scoped.role_assignments.create(
        _account(emulator, name="acct2"), str(uuid.uuid4()), target
    )
    assert made.created_by == _oid(emulator, "rgowner")
    with pytest.raises(HttpResponseError) as above:  # an RG owner has no rights on the subscription
        scoped.role_assignments.create(_sub(emulator), str(uuid.uuid4()), target)
    assert above.value.status_code == 403
    with pytest.raises(HttpResponseError) as delete:
        _auth(emulator, "contrib").role_assignments.delete(_account(emulator), uaa.name)
    assert (
        delete.value.status_code == 403 and "roleAssignments/delete" in delete.value.error.message
    )


def test_principal_without_roles_cannot_create_a_resource_group(emulator: Emulator) -> None:
    from azure.mgmt.resource.resources import ResourceManagementClient

    c = emulator.connection
    rmc = ResourceManagementClient(
        _cred(emulator, "app"),
        c.subscription_id,
        base_url=c.arm_url,
        connection_verify=str(c.ca_bundle),
        retry_total=0,
    )
    with pytest.raises(HttpResponseError) as info:
        rmc.resource_groups.create_or_update("rg-denied", {"location": "eastus"})
    assert info.value.status_code == 403 and info.value.error.code == "AuthorizationFailed"
    assert "Microsoft.Resources/subscriptions/resourceGroups/write" in info.value.error.message


# -- async client --------------------------------------------------------------------------------
async def test_async_client_round_trip(emulator: Emulator) -> None:
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
        AsyncAuthClient(
            cred, c.subscription_id, base_url=c.arm_url, connection_verify=str(c.ca_bundle)
        ) as auth,
    ):
        found = [
            d
            async for d in auth.role_definitions.list(
                _sub(emulator), filter="roleName eq 'Cognitive Services User'"
            )
        ]
        assert [d.name for d in found] == [CS_USER]
        scope, name = _account(emulator), str(uuid.uuid4())
        made = await auth.role_assignments.create(
            scope, name, _params(emulator, _oid(emulator, "app"), CS_USER)
        )
        assert (await auth.role_assignments.get(scope, name)).id == made.id
        listed = [
            a.name async for a in auth.role_assignments.list_for_scope(scope, filter="atScope()")
        ]
        assert name in listed
        with pytest.raises(ResourceExistsError):
            await auth.role_assignments.create(
                scope, str(uuid.uuid4()), _params(emulator, _oid(emulator, "app"), CS_USER)
            )
        assert (await auth.role_assignments.delete(scope, name)).name == name


# -- the RBAC engine -------------------------------------------------------------------------------
def test_action_matching_is_wildcard_and_case_insensitive() -> None:
    assert rbac.action_matches("*", "Microsoft.Resources/subscriptions/resourceGroups/write")
    assert rbac.action_matches("*/read", "microsoft.cognitiveservices/accounts/READ")
    assert not rbac.action_matches("*/read", "Microsoft.CognitiveServices/accounts/write")
    assert rbac.action_matches(
        "Microsoft.CognitiveServices/*/read",
        "Microsoft.CognitiveServices/accounts/deployments/read",
    )
    assert rbac.action_matches(
        "Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write"
    )
    assert not rbac.action_matches("Microsoft.Authorization/*", "Microsoft.AuthorizationX/a")


def test_not_actions_subtract_within_a_role() -> None:
    assert rbac.role_permits(roles.CONTRIBUTOR, "Microsoft.CognitiveServices/accounts/write")
    assert not rbac.role_permits(roles.CONTRIBUTOR, "Microsoft.Authorization/roleAssignments/write")
    assert rbac.role_permits(
        roles.USER_ACCESS_ADMINISTRATOR, "Microsoft.Authorization/roleAssignments/delete"
    )
    assert not rbac.role_permits(roles.OWNER, REALTIME, data=True)
    assert rbac.role_permits(roles.OPENAI_USER, REALTIME, data=True)
    stored = "Microsoft.CognitiveServices/accounts/OpenAI/stored-completions/read"
    assert not rbac.role_permits(roles.OPENAI_USER, stored, data=True)
    assert rbac.role_permits(roles.COGNITIVE_SERVICES_USER, stored, data=True)


def test_scope_inheritance_respects_segment_boundaries() -> None:
    sub = "/subscriptions/0b6c1e9e-1111-2222-3333-444455556666"
    assert rbac.scope_covers(sub, sub + "/resourceGroups/rg1/providers/Microsoft.X/y/z")
    assert rbac.scope_covers(sub + "/resourcegroups/RG1", sub.upper() + "/resourceGroups/rg1")
    assert not rbac.scope_covers(sub + "/resourceGroups/rg1", sub + "/resourceGroups/rg10")
    assert not rbac.scope_covers(sub + "/resourceGroups/rg1", sub)
    assert rbac.scope_covers("/", sub)


def test_data_actions_honour_propagation_delay(emulator: Emulator) -> None:
    auth, app = _auth(emulator), _oid(emulator, "app")
    account = _account(emulator)
    assert emulator.app is not None
    store = emulator.app.store
    now = time.time()
    assert rbac.data_access(store, app, account, REALTIME, now) == rbac.DENIED
    made = auth.role_assignments.create(
        account, str(uuid.uuid4()), _params(emulator, app, OPENAI_USER)
    )
    assert rbac.has_data_action(store, app, account, REALTIME, time.time(), 0.0)
    assert not rbac.has_data_action(store, app, account, REALTIME, time.time(), 600.0)
    assert rbac.data_access(store, app, account, REALTIME, time.time(), 600.0) == rbac.PROPAGATING
    assert rbac.has_data_action(store, app, account, REALTIME, time.time() + 601, 600.0)
    assert not rbac.has_data_action(store, app, _account(emulator, name="acct9"), REALTIME, now + 9)
    assert store.get(ROLE_ASSIGNMENT_KIND, made.id) is not None
    deployer = _oid(emulator, "deployer")  # Owner: control plane only, no data actions
    assert not rbac.has_data_action(store, deployer, account, REALTIME, time.time())


def test_role_suggestions_for_messages() -> None:
    assert rbac.role_granting(REALTIME, data=True) == "Cognitive Services OpenAI User"
    assert rbac.role_granting("Microsoft.CognitiveServices/accounts/listKeys/action") == (
        "Cognitive Services User"
    )
    assert rbac.role_granting("Microsoft.Authorization/roleAssignments/write") == (
        "User Access Administrator"
    )
    assert rbac.role_granting("Microsoft.Nothing/x", data=True) is None


def test_deleting_a_scope_removes_its_assignments(emulator: Emulator, spread: dict) -> None:
    assert emulator.app is not None
    rg = f"{_sub(emulator)}/resourceGroups/RG1"
    assert authorization.delete_assignments_under(emulator.app.store, rg) == 2
    left = {a.name for a in _auth(emulator).role_assignments.list_for_subscription()}
    assert spread["rg10"] in left and spread["rg"] not in left and spread["account"] not in left
    assert len(left) == 2  # rg10 and the seeded Owner
