"""The OData $filter subset, table-tested on plain entities (no server)."""

from __future__ import annotations

import pytest

from emulator.graph.filters import FilterError, compile_filter

PROPS = {"appId": "scalar", "displayName": "scalar", "servicePrincipalNames": "collection"}
A = {"appId": "aaa", "displayName": "It's A", "servicePrincipalNames": ["aaa", "api://a"]}
B = {"appId": "bbb", "displayName": "Bee", "servicePrincipalNames": ["bbb"]}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("appId eq 'aaa'", ["aaa"]),
        ("APPID eq 'AAA'", ["aaa"]),
        ("appId ne 'aaa'", ["bbb"]),
        ("displayName eq 'It''s A'", ["aaa"]),
        ("servicePrincipalNames/any(c:c eq 'api://a')", ["aaa"]),
        ("servicePrincipalNames/any(x:x eq 'bbb')", ["bbb"]),
        ("appId eq 'aaa' or appId eq 'bbb'", ["aaa", "bbb"]),
        ("appId eq 'aaa' and displayName eq 'Bee'", []),
        ("(appId eq 'aaa' or appId eq 'bbb') and displayName eq 'Bee'", ["bbb"]),
        ("startswith(displayName,'it')", ["aaa"]),
    ],
)
def test_filters_select_the_expected_entities(text: str, matches: list[str]) -> None:
    predicate = compile_filter(text, "ServicePrincipal", PROPS)
    assert [e["appId"] for e in (A, B) if predicate(e)] == matches


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("homepage eq 'x'", "Request_UnsupportedQuery"),
        ("servicePrincipalNames eq 'x'", "Request_UnsupportedQuery"),
        ("appId/any(c:c eq 'x')", "Request_UnsupportedQuery"),
        ("appId gt 'x'", "Request_UnsupportedQuery"),
        ("appId eq", "BadRequest"),
        ("appId eq 'x' or", "BadRequest"),
        ("appId eq 'unterminated", "BadRequest"),
        ("servicePrincipalNames/any(c:d eq 'x')", "BadRequest"),
        ("", "BadRequest"),
        ("(appId eq 'x'", "BadRequest"),
    ],
)
def test_refused_filters_carry_graph_codes(text: str, code: str) -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter(text, "ServicePrincipal", PROPS)
    assert caught.value.code == code
