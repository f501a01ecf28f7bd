"""Every ARM operation here is authorized: a principal without roles gets 403."""

from __future__ import annotations

import pytest

from emulator import Emulator

ARM_AUDIENCE = "https://management.azure.com"


@pytest.mark.parametrize(
    ("method", "suffix", "action"),
    [
        ("PUT", "/resourcegroups/rg1", "Microsoft.Resources/subscriptions/resourceGroups/write"),
        ("GET", "/resourcegroups", "Microsoft.Resources/subscriptions/resourceGroups/read"),
        (
            "PUT",
            "/resourceGroups/rg0/providers/Microsoft.CognitiveServices/accounts/a1",
            "Microsoft.CognitiveServices/accounts/write",
        ),
        (
            "POST",
            "/resourceGroups/rg0/providers/Microsoft.CognitiveServices/accounts/a1/listKeys",
            "Microsoft.CognitiveServices/accounts/listKeys/action",
        ),
        (
            "PUT",
            "/resourceGroups/rg0/providers/Microsoft.CognitiveServices/accounts/a1/deployments/d1",
            "Microsoft.CognitiveServices/accounts/deployments/write",
        ),
        (
            "DELETE",
            "/providers/Microsoft.CognitiveServices/locations/eastus2/resourceGroups/rg0/"
            "deletedAccounts/a1",
            "Microsoft.CognitiveServices/locations/resourceGroups/deletedAccounts/delete",
        ),
    ],
)
def test_principal_without_roles_is_refused(
    emulator: Emulator, raw, sub, method, suffix, action
) -> None:
    raw.token = emulator.mint_token("app", ARM_AUDIENCE)
    reply = raw(method, f"/subscriptions/{sub}{suffix}", {"location": "eastus2"})
    assert reply.status == 403, reply.body
    assert reply.body["error"]["code"] == "AuthorizationFailed"
    assert action.lower() in reply.body["error"]["message"].lower()
