"""Microsoft.Authorization: role definitions and role assignments (STUB, being written)."""

ROUTES: list = []
