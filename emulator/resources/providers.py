"""Resource provider registration (``$S/providers/{namespace}``, ``…/register``, ``…/unregister``).

A subscription must be registered for a provider namespace before it can use the namespace's
resource types; Azure answers ``409 MissingSubscriptionRegistration`` otherwise. The emulated
subscription starts with every namespace it serves registered; ``unregister`` exists so that
clients can be tested against the unregistered case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from emulator.arm import common as rc
from emulator.authorization import rbac
from emulator.cognitiveservices import catalog
from emulator.errors import ServiceError
from emulator.http import RequestContext, Route, json_response
from emulator.store import Store

REGISTERED, UNREGISTERED = "Registered", "NotRegistered"
_STATE_KEY = "provider_state:"
_PROVIDER_IN_PATH = re.compile(
    r"^/subscriptions/[^/]+(?:/resourceGroups/[^/]+)?/providers/([^/]+)", re.I
)


@dataclass(frozen=True)
class ResourceTypeInfo:
    """One resource type a provider offers, as ``providers/{namespace}`` lists it."""

    name: str
    locations: tuple[str, ...]
    api_versions: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """Wire shape of ``resourceTypes[]``."""
        return {
            "resourceType": self.name,
            "locations": list(self.locations),
            "apiVersions": list(self.api_versions),
            "capabilities": "None",
        }


_CS_VERSIONS = ("2025-09-01", "2025-06-01", "2024-10-01", "2023-05-01")
_REGIONS = tuple(sorted(catalog.REGIONS))
# The namespaces the emulator serves (Microsoft.Resources itself is not a registrable provider).
PROVIDERS: dict[str, tuple[ResourceTypeInfo, ...]] = {
    "Microsoft.CognitiveServices": (
        ResourceTypeInfo("accounts", _REGIONS, _CS_VERSIONS),
        ResourceTypeInfo("accounts/deployments", _REGIONS, _CS_VERSIONS),
        ResourceTypeInfo("deletedAccounts", (), _CS_VERSIONS),
        ResourceTypeInfo("locations", (), _CS_VERSIONS),
        ResourceTypeInfo("locations/models", _REGIONS, _CS_VERSIONS),
        ResourceTypeInfo("locations/usages", _REGIONS, _CS_VERSIONS),
        ResourceTypeInfo("locations/checkSkuAvailability", _REGIONS, _CS_VERSIONS),
        ResourceTypeInfo("modelCapacities", (), _CS_VERSIONS),
        ResourceTypeInfo("skus", (), _CS_VERSIONS),
    ),
    "Microsoft.Authorization": (
        ResourceTypeInfo("roleAssignments", (), ("2022-04-01",)),
        ResourceTypeInfo("roleDefinitions", (), ("2022-04-01",)),
    ),
}


def canonical_namespace(name: str) -> str | None:
    """The namespace's canonical spelling, when the emulator serves it."""
    return next((n for n in PROVIDERS if n.lower() == name.lower()), None)


def state(store: Store, namespace: str) -> str:
    """``Registered`` (the default) or ``NotRegistered``."""
    return str(store.get_meta(_STATE_KEY + namespace) or REGISTERED)


def require_registered(ctx: RequestContext) -> None:
    """409 ``MissingSubscriptionRegistration`` for a request into an unregistered namespace."""
    match = _PROVIDER_IN_PATH.match(ctx.path)
    namespace = canonical_namespace(match.group(1)) if match else None
    if namespace is None or state(ctx.store, namespace) == REGISTERED:
        return
    if re.search(rf"/providers/{re.escape(namespace)}/(register|unregister)$", ctx.path, re.I):
        return
    if ctx.path.lower().endswith("/providers/" + namespace.lower()):
        return
    raise ServiceError(
        409,
        "MissingSubscriptionRegistration",
        f"The subscription is not registered to use namespace '{namespace}'. "
        "See https://aka.ms/rps-not-found for how to register subscriptions.",
    )


def provider_json(store: Store, sub: str, namespace: str) -> dict[str, Any]:
    """A ``Provider`` in ARM's wire shape."""
    return {
        "id": f"/subscriptions/{sub}/providers/{namespace}",
        "namespace": namespace,
        "registrationState": state(store, namespace),
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": [t.to_json() for t in PROVIDERS[namespace]],
    }


def _namespace(ctx: RequestContext) -> str:
    namespace = canonical_namespace(ctx.params["ns"])
    if namespace is None:
        raise ServiceError(
            404,
            "InvalidResourceNamespace",
            f"The resource namespace '{ctx.params['ns']}' is invalid.",
        )
    return namespace


async def get_provider(ctx: RequestContext) -> web.Response:
    """``GET $S/providers/{namespace}``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, "Microsoft.Resources/subscriptions/providers/read", f"/subscriptions/{sub}")
    return json_response(provider_json(ctx.store, sub, _namespace(ctx)))


async def list_providers(ctx: RequestContext) -> web.Response:
    """``GET $S/providers``."""
    sub = rc.subscription_id(ctx)
    rbac.authorize(ctx, "Microsoft.Resources/subscriptions/providers/read", f"/subscriptions/{sub}")
    return json_response({"value": [provider_json(ctx.store, sub, n) for n in PROVIDERS]})


async def register(ctx: RequestContext) -> web.Response:
    """``POST $S/providers/{namespace}/register``: registered at once (Azure: within minutes)."""
    return _set_state(ctx, REGISTERED, "register")


async def unregister(ctx: RequestContext) -> web.Response:
    """``POST $S/providers/{namespace}/unregister``."""
    return _set_state(ctx, UNREGISTERED, "unregister")


def _set_state(ctx: RequestContext, value: str, verb: str) -> web.Response:
    sub = rc.subscription_id(ctx)
    namespace = _namespace(ctx)
    rbac.authorize(ctx, f"{namespace}/{verb}/action", f"/subscriptions/{sub}")
    ctx.store.set_meta(_STATE_KEY + namespace, value)
    return json_response(provider_json(ctx.store, sub, namespace))


_P = r"/subscriptions/(?P<sub>[^/]+)/providers"
ROUTES = [
    Route("GET", _P, list_providers),
    Route("GET", _P + r"/(?P<ns>[^/]+)", get_provider),
    Route("POST", _P + r"/(?P<ns>[^/]+)/register", register),
    Route("POST", _P + r"/(?P<ns>[^/]+)/unregister", unregister),
]
