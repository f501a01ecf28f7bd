"""The tenant's principals as Microsoft Graph directory objects (v1.0 resource shapes)."""

from __future__ import annotations

import uuid
from typing import Any

from emulator.entra import principals
from emulator.store import Store

SERVICE_PRINCIPAL_TYPE = "#microsoft.graph.servicePrincipal"
APPLICATION_TYPE = "#microsoft.graph.application"
# Application objects have ids of their own; derived from the appId so they are stable.
_APPLICATION_IDS = uuid.UUID("5d6f3c1e-8a42-4b7e-9f0d-2c1b7a6e4f30")

# Filterable properties per entity set: what the Azure CLI and IaC tools filter on.
SERVICE_PRINCIPAL_FILTERS = {
    "id": "scalar",
    "appId": "scalar",
    "displayName": "scalar",
    "servicePrincipalType": "scalar",
    "accountEnabled": "scalar",
    "servicePrincipalNames": "collection",
}
APPLICATION_FILTERS = {
    "id": "scalar",
    "appId": "scalar",
    "displayName": "scalar",
    "identifierUris": "collection",
}
USER_FILTERS = {
    "id": "scalar",
    "userPrincipalName": "scalar",
    "mail": "scalar",
    "displayName": "scalar",
}
GROUP_FILTERS = {
    "id": "scalar",
    "displayName": "scalar",
    "mail": "scalar",
    "mailNickname": "scalar",
}


def service_principal(record: principals.PrincipalRecord, tenant_id: str) -> dict[str, Any]:
    """A ``servicePrincipal`` resource as Graph v1.0 returns it (no secrets: Graph never does)."""
    return {
        "id": record.object_id,
        "deletedDateTime": None,
        "accountEnabled": True,
        "alternativeNames": [],
        "appDisplayName": record.display_name,
        "appDescription": None,
        "appId": record.client_id,
        "applicationTemplateId": None,
        "appOwnerOrganizationId": tenant_id,
        "appRoleAssignmentRequired": False,
        "description": None,
        "disabledByMicrosoftStatus": None,
        "displayName": record.display_name,
        "homepage": None,
        "loginUrl": None,
        "logoutUrl": None,
        "notes": None,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": None,
        "preferredTokenSigningKeyThumbprint": None,
        "replyUrls": [],
        # Graph lists the appId among the names (the CLI's --assignee/--id lookups rely on it).
        "servicePrincipalNames": [record.client_id],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        "tags": [],
        "tokenEncryptionKeyId": None,
        "addIns": [],
        "appRoles": [],
        "info": {
            "logoUrl": None,
            "marketingUrl": None,
            "privacyStatementUrl": None,
            "supportUrl": None,
            "termsOfServiceUrl": None,
        },
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        # Graph lists credential metadata, never the secret text.
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {
            "displayName": None,
            "verifiedPublisherId": None,
            "addedDateTime": None,
        },
    }


def application(record: principals.PrincipalRecord) -> dict[str, Any]:
    """The ``application`` (app registration) behind a service principal, as Graph v1.0 returns
    it; its one client secret is never listed (not even Graph's three-character hint)."""
    return {
        "id": str(uuid.uuid5(_APPLICATION_IDS, record.client_id)),
        "deletedDateTime": None,
        "appId": record.client_id,
        "applicationTemplateId": None,
        "createdDateTime": None,
        "description": None,
        "disabledByMicrosoftStatus": None,
        "displayName": record.display_name,
        "groupMembershipClaims": None,
        "identifierUris": [],
        "isDeviceOnlyAuthSupported": None,
        "isFallbackPublicClient": None,
        "notes": None,
        "publisherDomain": None,
        "serviceManagementReference": None,
        "signInAudience": "AzureADMyOrg",
        "tags": [],
        "tokenEncryptionKeyId": None,
        "api": {
            "acceptMappedClaims": None,
            "knownClientApplications": [],
            "requestedAccessTokenVersion": None,
            "oauth2PermissionScopes": [],
            "preAuthorizedApplications": [],
        },
        "appRoles": [],
        "info": {
            "logoUrl": None,
            "marketingUrl": None,
            "privacyStatementUrl": None,
            "supportUrl": None,
            "termsOfServiceUrl": None,
        },
        "keyCredentials": [],
        "passwordCredentials": [],
        "publicClient": {"redirectUris": []},
        "requiredResourceAccess": [],
        "web": {
            "homePageUrl": None,
            "logoutUrl": None,
            "redirectUris": [],
            "implicitGrantSettings": {
                "enableAccessTokenIssuance": False,
                "enableIdTokenIssuance": False,
            },
        },
    }


def applications(store: Store) -> list[dict[str, Any]]:
    """One app registration per service principal of the tenant."""
    return [application(p) for p in principals.all_principals(store)]


def service_principals(store: Store) -> list[dict[str, Any]]:
    """Every service principal of the tenant, oldest first as the store lists them."""
    tenant = str(store.get_meta("tenant_id"))
    return [service_principal(p, tenant) for p in principals.all_principals(store)]


def users(store: Store) -> list[dict[str, Any]]:
    """User principals: the emulated tenant has none (every identity is a service principal)."""
    del store
    return []


def groups(store: Store) -> list[dict[str, Any]]:
    """Groups: the emulated tenant has none."""
    del store
    return []


def typed(entity: dict[str, Any], odata_type: str) -> dict[str, Any]:
    """The entity with its ``@odata.type`` first, as directoryObjects answers carry it."""
    return {"@odata.type": odata_type, **entity}


def directory_objects(store: Store) -> dict[str, dict[str, Any]]:
    """Every directory object by lower-case id, with its ``@odata.type``."""
    objects = {
        sp["id"].lower(): typed(sp, SERVICE_PRINCIPAL_TYPE) for sp in service_principals(store)
    }
    objects |= {app["id"].lower(): typed(app, APPLICATION_TYPE) for app in applications(store)}
    return objects
