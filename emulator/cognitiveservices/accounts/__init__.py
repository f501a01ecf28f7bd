"""Microsoft.CognitiveServices/accounts: wire handlers, typed models, rules."""
