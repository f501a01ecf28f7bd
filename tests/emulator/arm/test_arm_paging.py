"""ARM list paging: ``nextLink`` beyond ``page_size`` items (followed by the SDK pagers) and
``$top`` as the page size of the resource group list."""

from __future__ import annotations

import urllib.parse
import uuid
from typing import Any

import pytest
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from emulator import Emulator

ROLES = (
    "acdd72a7-3385-48ef-bd42-f606fba81ae7",  # Reader
    "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",  # Cognitive Services OpenAI User
    "a97b65f3-24c7-4388-baec-2e87135dc908",  # Cognitive Services User
    "a001fd3d-188f-4b5d-821b-7da978bf7442",  # Cognitive Services OpenAI Contributor
    "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",  # Cognitive Services Contributor
)


@pytest.fixture
def pages_of_two(emulator: Emulator) -> Emulator:
    """The emulator answering at most two items per list page."""
    emulator.config.update({"page_size": 2})
    return emulator


def _query(link: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlparse(link).query)


def test_accounts_and_deployments_page_through_next_link(
    pages_of_two: Emulator,
    cs: CognitiveServicesManagementClient,
    make_account: Any,
    make_deployment: Any,
    raw: Any,
    sub: str,
) -> None:
    for rg, name in (("rg1", "a1"), ("rg1", "a2"), ("rg1", "a3"), ("rg2", "b1"), ("rg2", "b2")):
        make_account(rg, name)
    for name in ("d1", "d2", "d3"):
        make_deployment("rg1", "a1", name)
    assert sorted(a.name for a in cs.accounts.list()) == ["a1", "a2", "a3", "b1", "b2"]
    assert sorted(a.name for a in cs.accounts.list_by_resource_group("rg1")) == ["a1", "a2", "a3"]
    assert sorted(d.name for d in cs.deployments.list("rg1", "a1")) == ["d1", "d2", "d3"]
    pages = [list(page) for page in cs.accounts.list().by_page()]
    assert [len(page) for page in pages] == [2, 2, 1]
    first = raw("GET", f"/subscriptions/{sub}/providers/Microsoft.CognitiveServices/accounts")
    assert first.status == 200 and len(first.body["value"]) == 2
    link = first.body["nextLink"]
    assert link.startswith(pages_of_two.url + "/subscriptions/")
    assert _query(link)["$skiptoken"] == ["2"] and _query(link)["api-version"] == ["2025-09-01"]
    second = raw("GET", link.removeprefix(pages_of_two.url), api_version=None)
    assert [a["name"] for a in second.body["value"]] == ["a3", "b1"]
    last = raw("GET", second.body["nextLink"].removeprefix(pages_of_two.url), api_version=None)
    assert [a["name"] for a in last.body["value"]] == ["b2"] and "nextLink" not in last.body


def test_deleted_accounts_page_too(
    pages_of_two: Emulator, cs: CognitiveServicesManagementClient, make_account: Any
) -> None:
    for name in ("a1", "a2", "a3"):
        make_account("rg1", name)
        cs.accounts.begin_delete("rg1", name).result()
    assert sorted(a.name for a in cs.deleted_accounts.list()) == ["a1", "a2", "a3"]


def test_role_assignments_page_with_their_filter_kept(
    pages_of_two: Emulator, auth: AuthorizationManagementClient, raw: Any, sub: str
) -> None:
    app = pages_of_two.connection.principals["app"].object_id
    scope = f"/subscriptions/{sub}"
    made = set()
    for role in ROLES:
        params = {
            "role_definition_id": f"{scope}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{role}",
            "principal_id": app,
            "principal_type": "ServicePrincipal",
        }
        made.add(auth.role_assignments.create(scope, str(uuid.uuid4()), params).name)
    mine = auth.role_assignments.list_for_scope(scope, filter=f"principalId eq '{app}'")
    assert {a.name for a in mine} == made
    assert len({a.name for a in auth.role_assignments.list_for_subscription()}) == 6  # + Owner
    path = f"{scope}/providers/Microsoft.Authorization/roleAssignments"
    first = raw("GET", f"{path}?$filter=principalId%20eq%20'{app}'", api_version="2022-04-01")
    assert _query(first.body["nextLink"])["$filter"] == [f"principalId eq '{app}'"]


def test_top_is_the_resource_group_page_size(
    emulator: Emulator, rmc: ResourceManagementClient, raw: Any, sub: str
) -> None:
    for index in range(5):
        rmc.resource_groups.create_or_update(f"rg{index}", {"location": "eastus2"})
    # $top sizes each page and the pager follows nextLink: every group comes back
    assert len(list(rmc.resource_groups.list(top=2))) == 5
    assert [len(list(p)) for p in rmc.resource_groups.list(top=2).by_page()] == [2, 2, 1]
    first = raw("GET", f"/subscriptions/{sub}/resourcegroups?$top=3")
    assert len(first.body["value"]) == 3 and _query(first.body["nextLink"])["$top"] == ["3"]
    assert "nextLink" not in raw("GET", f"/subscriptions/{sub}/resourcegroups").body  # 5 < 50
    for bad in ("0", "-1", "two", "²"):
        reply = raw("GET", f"/subscriptions/{sub}/resourcegroups?$top={urllib.parse.quote(bad)}")
        assert reply.status == 400 and reply.body["error"]["code"] == "InvalidQueryParameterValue"
    token = raw("GET", f"/subscriptions/{sub}/resourcegroups?$skiptoken=x")
    assert token.status == 400 and token.body["error"]["code"] == "InvalidSkipToken"


async def test_async_pagers_follow_next_link(
    pages_of_two: Emulator, aclients: Any, make_account: Any
) -> None:
    for name in ("a1", "a2", "a3"):
        make_account("rg1", name)
    names = [a.name async for a in aclients.cs.accounts.list_by_resource_group("rg1")]
    assert sorted(names) == ["a1", "a2", "a3"]


def test_page_size_must_be_positive(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        emulator.config.update({"page_size": 0})
