"""``GET /metadata/endpoints?api-version=…``: this cloud's endpoints, in the shape each
api-version answers on Azure (no authentication, like Azure).

Three shapes, by api-version:

* ``1.0`` and ``2015-01-01`` — the legacy (Azure Stack) document: ``galleryEndpoint``,
  ``graphEndpoint``, ``portalEndpoint`` and ``authentication``. The Azure CLI's
  ``cloud register --endpoint-resource-manager`` reads this one.
* ``2019-05-01`` up to ``2022-09-01`` exclusive — a JSON array of cloud documents (Azure lists
  every public cloud; this emulator lists itself).
* ``2022-09-01`` and later (``2023-11-01``) — one cloud document for the cloud asked.

Every URL points back at this emulator: login at the Entra authority, Resource Manager at the
root, Microsoft Graph (``microsoftGraphResourceId``, also the token audience Graph accepts) at
``/graph/``, so nothing a client discovers leaves loopback.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.errors import ServiceError
from emulator.http import RequestContext, Route, json_response

CLOUD_NAME = "AzureEmulator"
LEGACY_VERSIONS = frozenset({"1.0", "2015-01-01"})
LIST_VERSIONS = frozenset({"2019-05-01", "2019-10-01", "2020-06-01"})
SINGLE_VERSIONS = frozenset({"2022-09-01", "2023-11-01"})
# The audiences ARM tokens may carry (the public cloud's, which every SDK asks for).
ARM_AUDIENCES = ["https://management.core.windows.net/", "https://management.azure.com/"]


def graph_url(base_url: str) -> str:
    """Where this emulator serves Microsoft Graph (``…/graph/``; append ``v1.0/…``)."""
    return base_url.rstrip("/") + "/graph/"


def cloud_document(base_url: str) -> dict[str, Any]:
    """One cloud's metadata, with the fields Azure's current api-versions return."""
    base = base_url.rstrip("/")
    graph = graph_url(base)
    return {
        "name": CLOUD_NAME,
        "portal": base + "/portal",
        "authentication": {
            "loginEndpoint": base,
            "audiences": list(ARM_AUDIENCES),
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": base + "/media/",
        "graphAudience": graph,
        "graph": graph,
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "storageSyncEndpointSuffix": "afs.azure.net",
            "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net",
        },
        "batch": base + "/batch/",
        "resourceManager": base + "/",
        "vmImageAliasDoc": base + "/vmImageAliasDoc",
        "activeDirectoryDataLake": base + "/datalake/",
        "sqlManagement": base + "/sql/",
        "gallery": base + "/gallery/",
        "microsoftGraphResourceId": graph,
        "appInsightsResourceId": base + "/appinsights",
        "appInsightsTelemetryChannelResourceId": base + "/appinsights/v2/track",
        "attestationResourceId": base + "/attest",
        "synapseAnalyticsResourceId": base + "/synapse",
        "logAnalyticsResourceId": base + "/loganalytics",
        "ossrDbmsResourceId": base + "/ossrdbms",
    }


def legacy_document(base_url: str) -> dict[str, Any]:
    """The legacy (api-version 1.0 / 2015-01-01) document."""
    base = base_url.rstrip("/")
    return {
        "galleryEndpoint": base + "/gallery/",
        "graphEndpoint": graph_url(base),
        "portalEndpoint": base + "/portal/",
        "authentication": {"loginEndpoint": base + "/", "audiences": list(ARM_AUDIENCES)},
    }


def document_for(api_version: str, base_url: str) -> dict[str, Any] | list[dict[str, Any]]:
    """The answer for one api-version; raises ``ServiceError`` for a version Azure refuses."""
    if api_version in LEGACY_VERSIONS:
        return legacy_document(base_url)
    if api_version in LIST_VERSIONS:
        return [cloud_document(base_url)]
    if api_version in SINGLE_VERSIONS:
        return cloud_document(base_url)
    supported = ", ".join(sorted(LEGACY_VERSIONS | LIST_VERSIONS | SINGLE_VERSIONS))
    raise ServiceError(
        400,
        "InvalidApiVersionParameter",
        f"The api-version '{api_version}' is invalid. The supported versions are '{supported}'.",
    )


async def metadata_endpoints(ctx: RequestContext) -> web.Response:
    """``GET /metadata/endpoints``."""
    api_version = ctx.query("api-version")
    if not api_version:
        raise ServiceError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    return json_response(document_for(api_version, ctx.base_url))


ROUTES = [Route("GET", r"/metadata/endpoints", metadata_endpoints, "cloud")]
