"""The Microsoft Graph subset, driven over real TLS with tokens from azure-identity.

Every call is the one the Azure CLI makes (captured with ``az --debug``): service principals by
``servicePrincipalNames/any(...)``, ``appId eq``, by object id, and ``directoryObjects/getByIds``.
Instant timing profile (the suite's default fixture).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulator import Emulator
from emulator.sdk import credential as sdk_credential


class Graph:
    """A bearer-token Graph caller for one principal."""

    def __init__(self, emu: Emulator, principal: str = "deployer", scope: str | None = None):
        self.base = emu.url + "/graph/v1.0"
        self.verify = str(emu.ca_path)
        credential = sdk_credential(emu.connection, principal)
        self.token = credential.get_token(scope or emu.url + "/graph/.default").token

    def get(self, path: str, token: str | None = None, **params: str) -> requests.Response:
        return requests.get(
            self.base + path,
            params=params,
            headers={"Authorization": f"Bearer {token if token is not None else self.token}"},
            verify=self.verify,
            timeout=10,
        )

    def post(self, path: str, body: Any) -> requests.Response:
        return requests.post(
            self.base + path,
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            verify=self.verify,
            timeout=10,
        )


@pytest.fixture
def graph(emulator: Emulator) -> Iterator[Graph]:
    yield Graph(emulator)


def test_service_principal_by_name_filter_finds_the_app(emulator: Emulator, graph: Graph) -> None:
    app = emulator.connection.principals["app"]
    answer = graph.get(
        "/servicePrincipals", **{"$filter": f"servicePrincipalNames/any(c:c eq '{app.client_id}')"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["@odata.context"].endswith("/graph/v1.0/$metadata#servicePrincipals")
    assert [sp["id"] for sp in body["value"]] == [app.object_id]
    found = body["value"][0]
    assert found["appId"] == app.client_id
    assert found["displayName"] == app.display_name
    assert found["servicePrincipalType"] == "Application"
    assert app.client_id in found["servicePrincipalNames"]


def test_filters_on_app_id_and_display_name(emulator: Emulator, graph: Graph) -> None:
    deployer = emulator.connection.principals["deployer"]
    by_app = graph.get(
        "/servicePrincipals", **{"$filter": f"appId eq '{deployer.client_id.upper()}'"}
    )
    assert [sp["id"] for sp in by_app.json()["value"]] == [deployer.object_id]
    by_name = graph.get(
        "/servicePrincipals",
        **{"$filter": f"displayName eq '{deployer.display_name}' or appId eq 'nothing'"},
    )
    assert [sp["id"] for sp in by_name.json()["value"]] == [deployer.object_id]
    none = graph.get("/servicePrincipals", **{"$filter": f"appId eq '{uuid.uuid4()}'"})
    assert none.status_code == 200 and none.json()["value"] == []


def test_select_top_and_count(emulator: Emulator, graph: Graph) -> None:
    total = len(emulator.connection.principals)
    answer = graph.get(
        "/servicePrincipals", **{"$select": "id,appId", "$top": "1", "$count": "true"}
    )
    body = answer.json()
    assert body["@odata.count"] == total
    assert len(body["value"]) == 1
    assert set(body["value"][0]) == {"id", "appId"}


def test_unsupported_and_malformed_filters_are_graph_errors(graph: Graph) -> None:
    unsupported = graph.get("/servicePrincipals", **{"$filter": "homepage eq 'x'"})
    assert unsupported.status_code == 400
    error = unsupported.json()["error"]
    assert error["code"] == "Request_UnsupportedQuery"
    assert "request-id" in error["innerError"]
    malformed = graph.get("/servicePrincipals", **{"$filter": "appId eq"})
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "BadRequest"


def test_service_principal_by_object_id_and_alternate_key(emulator: Emulator, graph: Graph) -> None:
    app = emulator.connection.principals["app"]
    by_id = graph.get(f"/servicePrincipals/{app.object_id}")
    assert by_id.status_code == 200
    assert by_id.json()["appId"] == app.client_id
    assert by_id.json()["@odata.context"].endswith("$metadata#servicePrincipals/$entity")
    by_key = graph.get(f"/servicePrincipals(appId='{app.client_id}')")
    assert by_key.status_code == 200 and by_key.json()["id"] == app.object_id


def test_unknown_and_malformed_ids(graph: Graph) -> None:
    missing = str(uuid.uuid4())
    unknown = graph.get(f"/servicePrincipals/{missing}")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "Request_ResourceNotFound"
    assert missing in unknown.json()["error"]["message"]
    malformed = graph.get("/servicePrincipals/not-a-guid")
    assert malformed.status_code == 400
    assert malformed.json()["error"]["message"] == "Invalid object identifier 'not-a-guid'."


def test_get_by_ids_types_the_objects_and_skips_unknown_ids(
    emulator: Emulator, graph: Graph
) -> None:
    app = emulator.connection.principals["app"]
    answer = graph.post(
        "/directoryObjects/getByIds",
        {"ids": [app.object_id, str(uuid.uuid4())], "types": ["user", "group", "servicePrincipal"]},
    )
    assert answer.status_code == 200
    [found] = answer.json()["value"]
    assert found["@odata.type"] == "#microsoft.graph.servicePrincipal"
    assert found["id"] == app.object_id
    only_users = graph.post(
        "/directoryObjects/getByIds", {"ids": [app.object_id], "types": ["user"]}
    )
    assert only_users.json()["value"] == []
    bad = graph.post("/directoryObjects/getByIds", {"ids": "x"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "Request_BadRequest"


def test_directory_object_by_id(emulator: Emulator, graph: Graph) -> None:
    deployer = emulator.connection.principals["deployer"]
    answer = graph.get(f"/directoryObjects/{deployer.object_id}")
    assert answer.status_code == 200
    assert answer.json()["@odata.type"] == "#microsoft.graph.servicePrincipal"


def test_users_and_groups_are_empty_lists(graph: Graph) -> None:
    users = graph.get("/users", **{"$filter": "userPrincipalName eq 'someone@example.com'"})
    assert users.status_code == 200 and users.json()["value"] == []
    groups = graph.get("/groups", **{"$filter": "mail eq 'team@example.com'"})
    assert groups.status_code == 200 and groups.json()["value"] == []
    assert graph.get(f"/users/{uuid.uuid4()}").status_code == 404


def test_new_principals_appear_in_the_directory(emulator: Emulator, graph: Graph) -> None:
    added = emulator.add_principal("ci-bot")
    answer = graph.get("/servicePrincipals", **{"$filter": f"appId eq '{added.client_id}'"})
    assert [sp["id"] for sp in answer.json()["value"]] == [added.object_id]


def test_graph_never_returns_secrets(emulator: Emulator, graph: Graph) -> None:
    text = graph.get("/servicePrincipals").text
    for principal in emulator.connection.principals.values():
        assert principal.client_secret not in text


def test_public_graph_audience_is_accepted(emulator: Emulator) -> None:
    public = Graph(emulator, scope="https://graph.microsoft.com/.default")
    assert public.get("/servicePrincipals").status_code == 200


def test_tokens_for_other_audiences_are_refused(emulator: Emulator, graph: Graph) -> None:
    arm_token = emulator.mint_token("deployer", "https://management.azure.com")
    answer = graph.get("/servicePrincipals", token=arm_token)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert "Invalid audience" in answer.json()["error"]["message"]
    assert "Bearer" in answer.headers["WWW-Authenticate"]


def test_missing_and_expired_tokens_are_refused(emulator: Emulator, graph: Graph) -> None:
    empty = graph.get("/servicePrincipals", token="")
    assert empty.status_code == 401
    assert empty.json()["error"]["message"] == "Access token is empty."
    expired = emulator.mint_token("deployer", emulator.url + "/graph", lifetime=-60)
    answer = graph.get("/servicePrincipals", token=expired)
    assert answer.status_code == 401
    assert "expired" in answer.json()["error"]["message"]


def test_paths_are_case_insensitive(emulator: Emulator, graph: Graph) -> None:
    app = emulator.connection.principals["app"]
    answer = graph.get(f"/SERVICEPRINCIPALS/{app.object_id}")
    assert answer.status_code == 200


def test_unknown_paths_and_writes_answer_in_graph_shape(emulator: Emulator, graph: Graph) -> None:
    unknown = graph.get("/applicationTemplatesX")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == (
        "Resource not found for the segment 'applicationTemplatesX'."
    )
    app = emulator.connection.principals["app"]
    write = requests.delete(
        f"{graph.base}/servicePrincipals/{app.object_id}",
        headers={"Authorization": f"Bearer {graph.token}"},
        verify=graph.verify,
        timeout=10,
    )
    assert write.status_code == 403
    assert write.json()["error"]["code"] == "Authorization_RequestDenied"
    # The principal is still there.
    assert graph.get(f"/servicePrincipals/{app.object_id}").status_code == 200
    # Unauthenticated calls are refused before anything else.
    assert graph.get("/applicationTemplatesX", token="").status_code == 401


def test_applications_by_app_id_filter_id_and_alternate_key(
    emulator: Emulator, graph: Graph
) -> None:
    app = emulator.connection.principals["app"]
    listed = graph.get("/applications", **{"$filter": f"appId eq '{app.client_id}'"}).json()
    [registration] = listed["value"]
    assert registration["appId"] == app.client_id
    assert registration["displayName"] == app.display_name
    assert registration["id"] != app.object_id  # an application is its own directory object
    assert registration["passwordCredentials"] == []
    by_id = graph.get(f"/applications/{registration['id']}")
    assert by_id.status_code == 200 and by_id.json()["appId"] == app.client_id
    by_key = graph.get(f"/applications(appId='{app.client_id}')")
    assert by_key.json()["id"] == registration["id"]
    typed = graph.post(
        "/directoryObjects/getByIds", {"ids": [registration["id"]], "types": ["application"]}
    ).json()["value"]
    assert [o["@odata.type"] for o in typed] == ["#microsoft.graph.application"]


def test_me_is_refused_for_app_only_tokens(graph: Graph) -> None:
    answer = graph.get("/me")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "/me request is only valid with delegated authentication flow."
    )
