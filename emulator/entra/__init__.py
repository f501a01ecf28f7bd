"""Emulated Microsoft Entra ID: OpenID discovery, JWKS, client-credential tokens, principals."""
