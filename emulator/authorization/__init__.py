"""Microsoft.Authorization: role definitions, role assignments and RBAC checks."""
