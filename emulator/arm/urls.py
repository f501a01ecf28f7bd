"""ARM URL table: every emulated Resource Manager operation, composed from each module's routes."""

from emulator.arm import authorization, resources, subscriptions

ROUTES = [*subscriptions.ROUTES, *authorization.ROUTES, *resources.ROUTES]
