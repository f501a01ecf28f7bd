"""``/metadata/endpoints`` in every api-version clients send, over real TLS (instant profile)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from emulator import Emulator


def metadata(emu: Emulator, api_version: str | None) -> requests.Response:
    params = {"api-version": api_version} if api_version else {}
    # No Authorization header: Azure serves the document anonymously.
    return requests.get(
        emu.url + "/metadata/endpoints", params=params, verify=str(emu.ca_path), timeout=10
    )


def assert_points_home(doc: dict[str, Any], emu: Emulator) -> None:
    assert doc["resourceManager"] == emu.url + "/"
    assert doc["authentication"]["loginEndpoint"] == emu.url
    assert doc["authentication"]["audiences"][0] == "https://management.core.windows.net/"
    assert doc["microsoftGraphResourceId"] == emu.url + "/graph/"
    assert doc["authentication"]["tenant"] == "common"
    assert doc["authentication"]["identityProvider"] == "AAD"


@pytest.mark.parametrize("api_version", ["2022-09-01", "2023-11-01"])
def test_current_versions_answer_one_cloud_document(emulator: Emulator, api_version: str) -> None:
    answer = metadata(emulator, api_version)
    assert answer.status_code == 200
    doc = answer.json()
    assert isinstance(doc, dict)
    assert doc["name"] == "AzureEmulator"
    assert_points_home(doc, emulator)
    assert doc["suffixes"]["storage"] == "core.windows.net"


def test_2019_05_01_answers_a_list_of_clouds(emulator: Emulator) -> None:
    answer = metadata(emulator, "2019-05-01")
    assert answer.status_code == 200
    clouds = answer.json()
    assert isinstance(clouds, list) and len(clouds) == 1
    assert_points_home(clouds[0], emulator)


def test_1_0_answers_the_legacy_document(emulator: Emulator) -> None:
    doc = metadata(emulator, "1.0").json()
    assert set(doc) == {"galleryEndpoint", "graphEndpoint", "portalEndpoint", "authentication"}
    assert doc["graphEndpoint"] == emulator.url + "/graph/"
    assert doc["authentication"]["loginEndpoint"] == emulator.url + "/"
    assert doc["authentication"]["audiences"] == [
        "https://management.core.windows.net/",
        "https://management.azure.com/",
    ]


def test_missing_or_unknown_api_version_is_refused(emulator: Emulator) -> None:
    missing = metadata(emulator, None)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "MissingApiVersionParameter"
    unknown = metadata(emulator, "2099-01-01")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "InvalidApiVersionParameter"


def test_the_cli_double_slash_form_is_served(emulator: Emulator) -> None:
    # `az cloud register --endpoint-resource-manager https://host:port/` requests `//metadata`.
    answer = requests.get(
        emulator.url + "//metadata/endpoints?api-version=2022-09-01",
        verify=str(emulator.ca_path),
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["name"] == "AzureEmulator"


def test_advertised_graph_answers_with_a_token_for_the_advertised_audience(
    emulator: Emulator,
) -> None:
    from emulator.sdk import credential as sdk_credential

    doc = metadata(emulator, "2022-09-01").json()
    graph = doc["microsoftGraphResourceId"]
    token = sdk_credential(emulator.connection).get_token(graph + ".default").token
    answer = requests.get(
        graph.rstrip("/") + "/v1.0/servicePrincipals",
        headers={"Authorization": f"Bearer {token}"},
        verify=str(emulator.ca_path),
        timeout=10,
    )
    assert answer.status_code == 200
    assert len(answer.json()["value"]) == len(emulator.connection.principals)


def test_connection_file_names_the_advertised_graph(emulator: Emulator) -> None:
    doc = metadata(emulator, "2022-09-01").json()
    assert emulator.connection.graph_url == doc["microsoftGraphResourceId"] == doc["graph"]
