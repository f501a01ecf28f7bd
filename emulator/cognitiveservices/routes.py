"""Microsoft.CognitiveServices URL table: accounts, deployments, catalog and discovery.

Data-plane lookups: ``accounts.models.find_account_by_subdomain`` and
``deployments.models.get_deployment``.
"""

from __future__ import annotations

from emulator.cognitiveservices import capacity, discovery, rai
from emulator.cognitiveservices.accounts import handlers as accounts
from emulator.cognitiveservices.deployments import handlers as deployments

ROUTES = [*capacity.ROUTES, *discovery.ROUTES, *rai.ROUTES, *accounts.ROUTES, *deployments.ROUTES]
