"""Microsoft.Resources URL table: subscriptions, tenants, provider registration, resource groups."""

from __future__ import annotations

from emulator.resources import handlers as groups
from emulator.resources import providers, subscriptions

ROUTES = [*subscriptions.ROUTES, *providers.ROUTES, *groups.ROUTES]
