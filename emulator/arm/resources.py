"""Resource groups, Cognitive Services accounts, deployments and discovery (STUB, being written)."""

ROUTES: list = []
