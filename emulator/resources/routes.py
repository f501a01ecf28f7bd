"""Microsoft.Resources URL table: subscriptions, tenants and resource groups."""

from __future__ import annotations

from emulator.resources import handlers as groups
from emulator.resources import subscriptions

ROUTES = [*subscriptions.ROUTES, *groups.ROUTES]
