"""Built-in Azure role definitions the emulator knows, with their real ids and permissions.

Permissions follow Microsoft's built-in role documentation (abridged to the resource
providers the toolkit touches). Lookups are by GUID or role name, both case-insensitive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLE_DEFINITIONS_PATH = "/providers/Microsoft.Authorization/roleDefinitions/"

_CS = "Microsoft.CognitiveServices"
_OPENAI = f"{_CS}/accounts/OpenAI"
_MONITOR_READS = [
    "Microsoft.Insights/alertRules/read",
    "Microsoft.Insights/diagnosticSettings/read",
    "Microsoft.Insights/logDefinitions/read",
    "Microsoft.Insights/metricdefinitions/read",
    "Microsoft.Insights/metrics/read",
    "Microsoft.ResourceHealth/availabilityStatuses/read",
]
_RESOURCE_READS = [
    "Microsoft.Resources/deployments/operations/read",
    "Microsoft.Resources/subscriptions/operationresults/read",
    "Microsoft.Resources/subscriptions/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
]


@dataclass(frozen=True)
class RoleDefinition:
    """One role: which management actions and data actions it grants."""

    guid: str
    name: str
    description: str
    actions: list[str] = field(default_factory=list)
    not_actions: list[str] = field(default_factory=list)
    data_actions: list[str] = field(default_factory=list)
    not_data_actions: list[str] = field(default_factory=list)
    role_type: str = "BuiltInRole"

    def wire(self, subscription_id: str | None) -> dict[str, Any]:
        """ARM JSON; subscription-prefixed id when listed under a subscription, as Azure does."""
        prefix = f"/subscriptions/{subscription_id}" if subscription_id else ""
        return {
            "id": f"{prefix}{ROLE_DEFINITIONS_PATH}{self.guid}",
            "name": self.guid,
            "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {
                "roleName": self.name,
                "type": self.role_type,
                "description": self.description,
                "assignableScopes": ["/"],
                "permissions": [
                    {
                        "actions": list(self.actions),
                        "notActions": list(self.not_actions),
                        "dataActions": list(self.data_actions),
                        "notDataActions": list(self.not_data_actions),
                    }
                ],
                "createdOn": "2015-02-02T21:55:09.8806423Z",
                "updatedOn": "2024-04-01T00:00:00.0000000Z",
                "createdBy": None,
                "updatedBy": None,
            },
        }


OWNER = RoleDefinition(
    "8e3af657-a8ff-443c-a75c-2cfc2ebd9f1e",
    "Owner",
    "Grants full access to manage all resources, including the ability to assign roles in "
    "Azure RBAC.",
    actions=["*"],
)
CONTRIBUTOR = RoleDefinition(
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Contributor",
    "Grants full access to manage all resources, but does not allow you to assign roles in "
    "Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
    actions=["*"],
    not_actions=[
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write",
        "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
        "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action",
    ],
)
READER = RoleDefinition(
    "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Reader",
    "View all resources, but does not allow you to make any changes.",
    actions=["*/read"],
)
USER_ACCESS_ADMINISTRATOR = RoleDefinition(
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "User Access Administrator",
    "Lets you manage user access to Azure resources.",
    actions=["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
)
COGNITIVE_SERVICES_USER = RoleDefinition(
    "a97b65f3-24c7-4388-baec-2e87135dc908",
    "Cognitive Services User",
    "Lets you read and list keys of Cognitive Services.",
    actions=[
        f"{_CS}/*/read",
        f"{_CS}/accounts/listkeys/action",
        *_MONITOR_READS,
        *_RESOURCE_READS,
        "Microsoft.Support/*",
    ],
    data_actions=[f"{_CS}/*"],
)
OPENAI_USER = RoleDefinition(
    "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "Cognitive Services OpenAI User",
    "Read access to view files, models, deployments. The ability to create completion and "
    "embedding calls.",
    actions=[
        f"{_CS}/*/read",
        "Microsoft.Authorization/roleAssignments/read",
        "Microsoft.Authorization/roleDefinitions/read",
    ],
    data_actions=[
        f"{_OPENAI}/*/read",
        f"{_OPENAI}/engines/completions/action",
        f"{_OPENAI}/engines/search/action",
        f"{_OPENAI}/engines/generate/action",
        f"{_OPENAI}/deployments/audio/action",
        f"{_OPENAI}/deployments/search/action",
        f"{_OPENAI}/deployments/completions/action",
        f"{_OPENAI}/deployments/chat/completions/action",
        f"{_OPENAI}/deployments/realtime/action",
        f"{_OPENAI}/deployments/extensions/chat/completions/action",
        f"{_OPENAI}/deployments/embeddings/action",
        f"{_OPENAI}/images/generations/action",
        f"{_OPENAI}/assistants/*",
    ],
    not_data_actions=[f"{_OPENAI}/stored-completions/read"],
)
OPENAI_CONTRIBUTOR = RoleDefinition(
    "a001fd3d-188f-4b5d-821b-7da978bf7442",
    "Cognitive Services OpenAI Contributor",
    "Full access including the ability to fine-tune, deploy and generate text.",
    actions=[
        f"{_CS}/*/read",
        f"{_CS}/accounts/deployments/write",
        f"{_CS}/accounts/deployments/delete",
        f"{_CS}/accounts/raiPolicies/read",
        f"{_CS}/accounts/raiPolicies/write",
        f"{_CS}/accounts/raiPolicies/delete",
        f"{_CS}/accounts/commitmentplans/read",
        f"{_CS}/accounts/commitmentplans/write",
        f"{_CS}/accounts/commitmentplans/delete",
        "Microsoft.Authorization/roleAssignments/read",
        "Microsoft.Authorization/roleDefinitions/read",
    ],
    data_actions=[f"{_OPENAI}/*"],
)
COGNITIVE_SERVICES_CONTRIBUTOR = RoleDefinition(
    "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
    "Cognitive Services Contributor",
    "Lets you create, read, update, delete and manage keys of Cognitive Services.",
    actions=[
        "Microsoft.Authorization/*/read",
        "Microsoft.Cache/redis/read",
        "Microsoft.Cache/redis/listKeys/action",
        f"{_CS}/*",
        "Microsoft.Features/features/read",
        "Microsoft.Features/providers/features/read",
        "Microsoft.Features/providers/features/register/action",
        "Microsoft.Insights/alertRules/*",
        "Microsoft.Insights/diagnosticSettings/*",
        "Microsoft.Insights/logDefinitions/read",
        "Microsoft.Insights/metricdefinitions/read",
        "Microsoft.Insights/metrics/read",
        "Microsoft.ResourceHealth/availabilityStatuses/read",
        "Microsoft.Resources/deployments/*",
        *_RESOURCE_READS[1:],
        "Microsoft.Support/*",
    ],
)

BUILT_IN_ROLES: tuple[RoleDefinition, ...] = (
    OWNER,
    CONTRIBUTOR,
    READER,
    USER_ACCESS_ADMINISTRATOR,
    COGNITIVE_SERVICES_USER,
    OPENAI_USER,
    OPENAI_CONTRIBUTOR,
    COGNITIVE_SERVICES_CONTRIBUTOR,
)
_BY_GUID = {role.guid: role for role in BUILT_IN_ROLES}
_BY_NAME = {role.name.lower(): role for role in BUILT_IN_ROLES}


def by_guid(guid: str) -> RoleDefinition | None:
    """The role with this id (the trailing GUID of a roleDefinitionId), if known."""
    return _BY_GUID.get(guid.strip().lower())


def by_name(name: str) -> RoleDefinition | None:
    """The role with this display name (``"Cognitive Services OpenAI User"``), if known."""
    return _BY_NAME.get(name.strip().lower())


def guid_of(role_definition_id: str) -> str:
    """The trailing GUID of a role definition id (full ARM id or bare GUID), lower-cased."""
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
