"""Microsoft.CognitiveServices: accounts, deployments, the model catalog and discovery."""
