"""Microsoft.Resources: subscriptions, tenants and resource groups."""
