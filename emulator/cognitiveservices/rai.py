"""Content-filter (RAI) policies of an account: the built-in ``Microsoft.Default`` and
``Microsoft.DefaultV2`` (``GET $A/raiPolicies[/{name}]``). Custom policies are not emulated:
a deployment names one of the built-ins (``raiPolicyName`` defaults to ``Microsoft.DefaultV2``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.arm import common as rc
from emulator.authorization import rbac
from emulator.cognitiveservices.accounts import models as am
from emulator.errors import not_found
from emulator.http import RequestContext, Route, json_response

TYPE = "Microsoft.CognitiveServices/accounts/raiPolicies"
_CATEGORIES = ("Hate", "Sexual", "Violence", "Selfharm")
BUILT_IN = ("Microsoft.Default", "Microsoft.DefaultV2")


def _filters(name: str) -> list[dict[str, Any]]:
    filters = [
        {
            "name": category,
            "severityThreshold": "Medium",
            "blocking": True,
            "enabled": True,
            "source": source,
        }
        for source in ("Prompt", "Completion")
        for category in _CATEGORIES
    ]
    if name == "Microsoft.DefaultV2":  # V2 adds prompt shields and protected-material checks
        filters += [
            {"name": "Jailbreak", "blocking": True, "enabled": True, "source": "Prompt"},
            {
                "name": "Protected Material Text",
                "blocking": True,
                "enabled": True,
                "source": "Completion",
            },
            {
                "name": "Protected Material Code",
                "blocking": False,
                "enabled": True,
                "source": "Completion",
            },
        ]
    return filters


def policy_json(account_id: str, name: str) -> dict[str, Any]:
    """A built-in policy in ARM's wire shape."""
    return {
        "id": f"{account_id}/raiPolicies/{name}",
        "name": name,
        "type": TYPE,
        "properties": {
            "type": "SystemManaged",
            "mode": "Blocking",
            "contentFilters": _filters(name),
        },
    }


def _account(ctx: RequestContext) -> dict[str, Any]:
    sub = rc.subscription_id(ctx)
    account_id = am.account_id(sub, ctx.params["rg"], ctx.params["account"])
    rbac.authorize(ctx, "Microsoft.CognitiveServices/accounts/raiPolicies/read", account_id)
    return am.require_live(ctx.store, sub, ctx.params["rg"], ctx.params["account"], rc.now())


async def list_policies(ctx: RequestContext) -> web.Response:
    """``GET $A/raiPolicies``."""
    account = _account(ctx)
    return json_response({"value": [policy_json(account["id"], n) for n in BUILT_IN]})


async def get_policy(ctx: RequestContext) -> web.Response:
    """``GET $A/raiPolicies/{name}``: 404 ``NotFound`` for a policy the account lacks."""
    account = _account(ctx)
    name = next((n for n in BUILT_IN if n.lower() == ctx.params["name"].lower()), None)
    if name is None:
        raise not_found("NotFound", f"The RAI policy '{ctx.params['name']}' was not found.")
    return json_response(policy_json(account["id"], name))


_A = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
    r"Microsoft\.CognitiveServices/accounts/(?P<account>[^/]+)"
)
ROUTES = [
    Route("GET", _A + r"/raiPolicies", list_policies),
    Route("GET", _A + r"/raiPolicies/(?P<name>[^/]+)", get_policy),
]
