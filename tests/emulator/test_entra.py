"""Entra ID emulation driven by the real azure-identity credentials over TLS."""

from __future__ import annotations

import json
import urllib.request

import jwt
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential

from emulator import Emulator

ARM_SCOPE = "https://management.azure.com/.default"


def _credential(emu: Emulator, name: str = "deployer", secret: str | None = None):
    c = emu.connection
    p = c.principals[name]
    return ClientSecretCredential(
        c.tenant_id,
        p.client_id,
        secret or p.client_secret,
        authority=c.authority_url,
        disable_instance_discovery=True,
        connection_verify=str(c.ca_bundle),
    )


def _get_json(emu: Emulator, path: str) -> dict:
    import ssl

    ctx = ssl.create_default_context(cafile=str(emu.ca_path))
    with urllib.request.urlopen(emu.url + path, context=ctx) as resp:  # noqa: S310 (loopback)
        return json.loads(resp.read())


def test_client_secret_credential_gets_rs256_token_with_claims(emulator: Emulator) -> None:
    c = emulator.connection
    token = _credential(emulator).get_token(ARM_SCOPE)
    header = jwt.get_unverified_header(token.token)
    assert header["alg"] == "RS256" and header["kid"]
    jwks = _get_json(emulator, f"/{c.tenant_id}/discovery/v2.0/keys")
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(
        token.token, key, algorithms=["RS256"], audience="https://management.azure.com"
    )
    deployer = c.principals["deployer"]
    assert claims["oid"] == deployer.object_id
    assert claims["appid"] == deployer.client_id
    assert claims["tid"] == c.tenant_id
    assert claims["exp"] > claims["iat"]


def test_scope_sets_audience(emulator: Emulator) -> None:
    token = _credential(emulator, "app").get_token("https://cognitiveservices.azure.com/.default")
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["aud"] == "https://cognitiveservices.azure.com"


def test_wrong_secret_is_aadsts7000215(emulator: Emulator) -> None:
    with pytest.raises(ClientAuthenticationError) as info:
        _credential(emulator, secret="not-the-secret").get_token(ARM_SCOPE)
    assert "AADSTS7000215" in str(info.value)
    assert "not-the-secret" not in str(info.value)


def test_openid_configuration_points_at_emulator(emulator: Emulator) -> None:
    c = emulator.connection
    doc = _get_json(emulator, f"/{c.tenant_id}/v2.0/.well-known/openid-configuration")
    assert doc["token_endpoint"] == f"{emulator.url}/{c.tenant_id}/oauth2/v2.0/token"
    assert doc["issuer"] == f"{emulator.url}/{c.tenant_id}/v2.0"


async def test_async_credential(emulator: Emulator) -> None:
    c = emulator.connection
    p = c.principals["deployer"]
    async with AsyncClientSecretCredential(
        c.tenant_id,
        p.client_id,
        p.client_secret,
        authority=c.authority_url,
        connection_verify=str(c.ca_bundle),
    ) as cred:
        token = await cred.get_token(ARM_SCOPE)
    assert jwt.decode(token.token, options={"verify_signature": False})["oid"] == p.object_id


def test_state_survives_restart(tmp_path) -> None:
    with Emulator(tmp_path / "s") as first:
        before = first.connection
    assert not (tmp_path / "s" / "connection.json").exists()
    with Emulator(tmp_path / "s") as second:
        after = second.connection
        assert (tmp_path / "s" / "connection.json").exists()
    assert before.subscription_id == after.subscription_id
    assert before.principals["app"].client_secret == after.principals["app"].client_secret


def test_added_principal_can_authenticate(emulator: Emulator) -> None:
    emulator.add_principal("ci")
    token = _credential(emulator, "ci").get_token(ARM_SCOPE)
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["oid"] == emulator.connection.principals["ci"].object_id
