"""Microsoft.CognitiveServices/accounts/deployments: handlers, models, rules."""
