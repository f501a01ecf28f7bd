"""Resource groups, Cognitive Services accounts, deployments and discovery: the URL table.

Composed from one module per resource (handlers) over ``*_models``/``*_rules`` (state and
rules); see each module. Data-plane lookups: ``accounts.find_account_by_subdomain`` and
``deployments.get_deployment``.
"""

from __future__ import annotations

from emulator.arm import accounts, deployments, discovery, groups, lro

ROUTES = [
    *lro.ROUTES,
    *groups.ROUTES,
    *discovery.ROUTES,
    *accounts.ROUTES,
    *deployments.ROUTES,
]
