"""Bad requests get ARM-shaped 4xx answers (never a 500 or a hang); ARM headers and auth."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from emulator import Emulator, EmulatorConfig

TIMEOUT = 10
ARM = "https://management.azure.com"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
_UNSET = object()
_SESSION = requests.Session()  # connection reuse keeps the sweeps fast


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One emulator for the module (with resource group rg1): these tests only probe."""
    state = tmp_path_factory.mktemp("requests") / "emu"
    with Emulator(state_dir=state, config=EmulatorConfig(timing="instant")) as emu:
        # the scope the role-assignment probes use must exist (else 404 ResourceGroupNotFound)
        made = call(emu, "PUT", f"{_sub(emu)}/resourceGroups/rg1", {"location": "eastus2"})
        assert made.status_code == 201, made.text
        yield emu


_TOKENS: dict[tuple[str, str], str] = {}


def _token(emu: Emulator, principal: str = "deployer") -> str:
    key = (emu.url, principal)
    if key not in _TOKENS:
        _TOKENS[key] = emu.mint_token(principal, ARM)
    return _TOKENS[key]


def call(
    emu: Emulator,
    method: str,
    path: str,
    body: object = _UNSET,
    *,
    raw: bytes | None = None,
    api_version: str | None = "2022-04-01",
    auth: str | None = _UNSET,  # type: ignore[assignment]
) -> requests.Response:
    """One request with a deadline; ``auth`` is the full Authorization header (None: omit)."""
    headers = {"Content-Type": "application/json"}
    if auth is _UNSET:
        auth = f"Bearer {_token(emu)}"
    if auth is not None:
        headers["Authorization"] = auth
    params = {"api-version": api_version} if api_version else {}
    kwargs: dict = {"data": raw} if raw is not None else {}
    if body is not _UNSET:
        kwargs["json"] = body
    return requests.request(
        method,
        emu.url + path,
        params=params,
        headers=headers,
        verify=str(emu.ca_path),
        timeout=TIMEOUT,
        **kwargs,
    )


def assert_arm_error(response: requests.Response, status: int, code: str | None = None) -> dict:
    """The response is ``status`` with ``{"error": {"code", "message"}}`` and ARM headers."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    assert response.headers["x-ms-request-id"]
    return error


def _sub(emu: Emulator) -> str:
    return f"/subscriptions/{emu.connection.subscription_id}"


def _assignment_path(emu: Emulator, name: str | None = None) -> str:
    name = name or str(uuid.uuid4())
    return (
        f"{_sub(emu)}/resourceGroups/rg1/providers/Microsoft.Authorization/roleAssignments/{name}"
    )


def _assignment_body(emu: Emulator, **props) -> dict:
    base = {
        "roleDefinitionId": f"{_sub(emu)}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{READER}",
        "principalId": emu.connection.principals["app"].object_id,
        "principalType": "ServicePrincipal",
    }
    return {"properties": {**base, **props}}


# -- api-version ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/subscriptions",
        "{sub}/providers/Microsoft.Authorization/roleAssignments",
        "{sub}/providers/Microsoft.Authorization/roleDefinitions",
        "{sub}/resourcegroups/rg1",
    ],
)
def test_missing_api_version(emulator: Emulator, path: str) -> None:
    response = call(emulator, "GET", path.format(sub=_sub(emulator)), api_version=None)
    error = assert_arm_error(response, 400, "MissingApiVersionParameter")
    assert "api-version" in error["message"]


def test_any_api_version_is_accepted(emulator: Emulator) -> None:
    for version in ("2022-04-01", "2022-05-01-preview", "2015-07-01"):
        path = f"{_sub(emulator)}/providers/Microsoft.Authorization/roleDefinitions/{READER}"
        assert call(emulator, "GET", path, api_version=version).status_code == 200


# -- bodies -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b"[1, 2]", b"42", b"\xff\xfe\x00garbage", b'{"properties": '],
)
def test_malformed_bodies_are_invalid_request_content(emulator: Emulator, raw: bytes) -> None:
    response = call(emulator, "PUT", _assignment_path(emulator), raw=raw)
    assert_arm_error(response, 400, "InvalidRequestContent")


def test_json_null_body_is_a_missing_property(emulator: Emulator) -> None:
    response = call(emulator, "PUT", _assignment_path(emulator), raw=b"null")
    assert_arm_error(response, 400, "MissingRequiredProperty")


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b""])
def test_malformed_bodies_on_resource_group_and_account(emulator: Emulator, raw: bytes) -> None:
    group = call(
        emulator,
        "PUT",
        f"{_sub(emulator)}/resourcegroups/rg-bad",
        raw=raw,
        api_version="2025-04-01",
    )
    assert_arm_error(group, 400)
    account = call(
        emulator,
        "PUT",
        f"{_sub(emulator)}/resourceGroups/rg1/providers/Microsoft.CognitiveServices/accounts/a1",
        raw=raw,
        api_version="2025-09-01",
    )
    assert 400 <= account.status_code < 500
    assert_arm_error(account, account.status_code)


@pytest.mark.parametrize(
    ("body", "code", "target"),
    [
        ({}, "MissingRequiredProperty", "properties"),
        ({"properties": {}}, "MissingRequiredProperty", "properties.roleDefinitionId"),
        ({"properties": "reader"}, "InvalidRequestContent", "properties"),
    ],
)
def test_missing_or_mistyped_properties(
    emulator: Emulator, body: dict, code: str, target: str
) -> None:
    error = assert_arm_error(call(emulator, "PUT", _assignment_path(emulator), body), 400, code)
    assert error["target"] == target


@pytest.mark.parametrize(
    ("props", "code"),
    [
        ({"principalId": 12345}, "InvalidRequestContent"),
        ({"principalId": None}, "MissingRequiredProperty"),
        ({"roleDefinitionId": ["x"]}, "InvalidRequestContent"),
        ({"description": {"text": "x"}}, "InvalidRequestContent"),
        ({"principalType": "Robot"}, "InvalidRequestContent"),
        ({"principalId": "not-a-guid"}, "InvalidPrincipalId"),
        (
            {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/nope"},
            "InvalidRoleDefinitionId",
        ),
        ({"roleDefinitionId": "Reader"}, "InvalidRoleDefinitionId"),
        ({"scope": "/subscriptions/somewhere-else"}, "InvalidCreateRoleAssignmentRequest"),
    ],
)
def test_wrong_types_and_bad_ids_in_role_assignments(
    emulator: Emulator, props: dict, code: str
) -> None:
    response = call(
        emulator, "PUT", _assignment_path(emulator), _assignment_body(emulator, **props)
    )
    assert_arm_error(response, 400, code)


def test_unknown_fields_are_ignored(emulator: Emulator) -> None:
    body = _assignment_body(emulator, somethingNew=True)
    body["extra"] = {"nested": [1, 2]}
    response = call(emulator, "PUT", _assignment_path(emulator), body)
    assert response.status_code == 201
    assert "somethingNew" not in response.json()["properties"]


def test_wrong_types_in_resource_group_body(emulator: Emulator) -> None:
    path = f"{_sub(emulator)}/resourcegroups/rg-typed"
    for body in ({"location": 5}, {"location": "eastus", "tags": "x"}, {"tags": {}}):
        response = call(emulator, "PUT", path, body, api_version="2025-04-01")
        assert_arm_error(response, 400)


# -- GUIDs in paths ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "code"),
    [
        (
            "/subscriptions/not-a-guid/providers/Microsoft.Authorization/roleAssignments",
            "InvalidSubscriptionId",
        ),
        ("{sub}/providers/Microsoft.Authorization/roleAssignments/1234", "InvalidRoleAssignmentId"),
        ("{sub}/providers/Microsoft.Authorization/roleDefinitions/zzz", "InvalidRoleDefinitionId"),
    ],
)
def test_bad_guids_in_paths(emulator: Emulator, path: str, code: str) -> None:
    response = call(emulator, "GET", path.format(sub=_sub(emulator)))
    assert_arm_error(response, 400, code)


def test_bad_guid_in_put_path(emulator: Emulator) -> None:
    response = call(
        emulator, "PUT", _assignment_path(emulator, "my-name"), _assignment_body(emulator)
    )
    assert_arm_error(response, 400, "InvalidRoleAssignmentId")


def test_bad_subscription_guid_on_resource_group(emulator: Emulator) -> None:
    response = call(
        emulator, "GET", "/subscriptions/xyz/resourcegroups/rg1", api_version="2025-04-01"
    )
    assert 400 <= response.status_code < 500
    assert_arm_error(response, response.status_code)


# -- routing -----------------------------------------------------------------------------------
def test_unknown_path_is_arm_shaped_404(emulator: Emulator) -> None:
    response = call(emulator, "GET", f"{_sub(emulator)}/providers/Microsoft.Nope/things/x")
    assert_arm_error(response, 404)
    assert_arm_error(call(emulator, "GET", "/definitely/not/azure"), 404)


def test_wrong_method_is_405(emulator: Emulator) -> None:
    response = call(emulator, "POST", _assignment_path(emulator), {})
    error = assert_arm_error(response, 405, "MethodNotAllowed")
    assert "POST" in error["message"]
    assert_arm_error(
        call(
            emulator, "PATCH", f"{_sub(emulator)}/providers/Microsoft.Authorization/roleDefinitions"
        ),
        405,
    )


def test_repeated_slashes_and_case_are_tolerated(emulator: Emulator) -> None:
    sub = emulator.connection.subscription_id
    path = f"//SUBSCRIPTIONS/{sub}//PROVIDERS/microsoft.authorization/roledefinitions/{READER}"
    response = call(emulator, "GET", path)
    assert response.status_code == 200 and response.json()["name"] == READER


# -- authentication ------------------------------------------------------------------------------
def test_missing_authorization_header(emulator: Emulator) -> None:
    response = call(emulator, "GET", "/subscriptions", auth=None)
    error = assert_arm_error(response, 401, "AuthenticationFailed")
    assert "Authorization" in error["message"]
    assert "WWW-Authenticate" in response.headers


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.jwt", "Token abc"]
)
def test_invalid_authorization_headers(emulator: Emulator, header: str) -> None:
    response = call(emulator, "GET", "/subscriptions", auth=header)
    assert_arm_error(response, 401, "InvalidAuthenticationToken")
    assert "WWW-Authenticate" in response.headers


def test_expired_token(emulator: Emulator) -> None:
    expired = emulator.mint_token("deployer", ARM, lifetime=-60)
    error = assert_arm_error(
        call(emulator, "GET", "/subscriptions", auth=f"Bearer {expired}"),
        401,
        "InvalidAuthenticationToken",
    )
    assert "expired" in error["message"]


def test_token_for_another_audience(emulator: Emulator) -> None:
    data_plane = emulator.mint_token("deployer", "https://cognitiveservices.azure.com")
    error = assert_arm_error(
        call(emulator, "GET", "/subscriptions", auth=f"Bearer {data_plane}"),
        401,
        "InvalidAuthenticationToken",
    )
    assert "audience" in error["message"]


def test_token_signed_by_another_emulator(emulator: Emulator, tmp_path: Path) -> None:
    with Emulator(tmp_path / "other") as other:
        foreign = other.mint_token("deployer", ARM)
    response = call(emulator, "GET", "/subscriptions", auth=f"Bearer {foreign}")
    assert_arm_error(response, 401, "InvalidAuthenticationToken")
    assert foreign not in response.text


# -- headers --------------------------------------------------------------------------------------
def test_arm_headers_on_success_and_error(emulator: Emulator) -> None:
    ok = call(emulator, "GET", "/subscriptions")
    assert ok.status_code == 200
    assert ok.headers["Content-Type"] == "application/json; charset=utf-8"
    bad = call(emulator, "GET", "/subscriptions", api_version=None)
    for response in (ok, bad):
        assert uuid.UUID(response.headers["x-ms-request-id"])
        assert response.headers["x-ms-correlation-request-id"]
    assert ok.headers["x-ms-request-id"] != bad.headers["x-ms-request-id"]
    assert bad.headers["x-ms-error-code"] == "MissingApiVersionParameter"


def test_nothing_answers_500_or_hangs(emulator: Emulator) -> None:
    """A sweep of odd requests over every Authorization operation: all 2xx/4xx, all prompt."""
    sub = _sub(emulator)
    paths = [
        _assignment_path(emulator),
        f"{sub}/providers/Microsoft.Authorization/roleAssignments",
        f"{sub}/providers/Microsoft.Authorization/roleDefinitions",
        f"/providers/Microsoft.Authorization/roleDefinitions/{READER}",
        "/providers/Microsoft.Authorization/roleAssignments/" + str(uuid.uuid4()),
        "/weird/scope/providers/Microsoft.Authorization/roleAssignments",
        f"{sub}/resourceGroups/providers/Microsoft.Authorization/roleAssignments",
    ]
    bodies: list = [
        None,
        {},
        [],
        "x",
        {"properties": None},
        {"properties": {"principalId": []}},
        {"properties": {"roleDefinitionId": "", "principalId": ""}},
    ]
    filters = ["", "atScope()", "principalId eq ''", "assignedTo(')", "roleName eq 'x' or 1"]
    for path in paths:
        for method in ("GET", "PUT", "DELETE", "PATCH", "POST"):
            for body in bodies if method in ("PUT", "PATCH", "POST") else [_UNSET]:
                response = call(emulator, method, path, body)
                assert response.status_code < 500, (method, path, body, response.text)
        for value in filters:
            response = _SESSION.get(
                emulator.url + path,
                params={"api-version": "1", "$filter": value},
                headers={"Authorization": f"Bearer {_token(emulator)}"},
                verify=str(emulator.ca_path),
                timeout=TIMEOUT,
            )
            assert response.status_code < 500, (path, value, response.text)
    assert all(r["status"] < 500 for r in emulator.stats()["requests"])
