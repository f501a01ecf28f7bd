"""Entra ID wire endpoints: discovery documents, JWKS and the OAuth 2.0 token endpoint."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from aiohttp import web

from emulator.entra import principals
from emulator.entra.tokens import TokenService, audience_for_scope
from emulator.errors import ServiceError
from emulator.http import RequestContext, Route, json_response

_TENANT = r"/(?P<tenant>[^/]+)"


class EntraError(ServiceError):
    """An OAuth error answered the way Entra does (``error`` + ``AADSTS`` description)."""

    def __init__(self, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(status, error, f"AADSTS{aadsts}: {description}")
        self.aadsts = aadsts

    def body(self) -> dict[str, Any]:
        trace = str(uuid.uuid4())
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.code,
            "error_description": f"{self.message}\r\nTrace ID: {trace}\r\nTimestamp: {now}",
            "error_codes": [self.aadsts],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": str(uuid.uuid4()),
            "error_uri": f"https://login.microsoftonline.com/error?code={self.aadsts}",
        }

    def response(self) -> web.Response:
        return web.Response(
            status=self.status, text=json.dumps(self.body()), content_type="application/json"
        )


def _tokens(ctx: RequestContext) -> TokenService:
    return ctx.services["tokens"]


def _check_tenant(ctx: RequestContext) -> None:
    tenant = ctx.params["tenant"]
    if tenant.lower() not in {_tokens(ctx).tenant_id.lower(), "organizations", "common"}:
        raise EntraError(
            400,
            "invalid_request",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID.",
        )


async def openid_configuration(ctx: RequestContext) -> web.Response:
    """The OpenID provider metadata MSAL reads before asking for a token."""
    _check_tenant(ctx)
    base, tenant = ctx.base_url, _tokens(ctx).tenant_id
    v1 = "/v2.0" not in ctx.path.lower()
    token_path = "oauth2/token" if v1 else "oauth2/v2.0/token"
    return json_response(
        {
            "token_endpoint": f"{base}/{tenant}/{token_path}",
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "issuer": _tokens(ctx).issuer(base),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "emulator.local",
        }
    )


async def jwks(ctx: RequestContext) -> web.Response:
    """The signing keys."""
    return json_response(_tokens(ctx).jwks())


async def token(ctx: RequestContext) -> web.Response:
    """Client-credentials grant (v2 ``scope`` or v1 ``resource``)."""
    _check_tenant(ctx)
    form = await ctx.request.post()
    grant = str(form.get("grant_type", ""))
    if grant != "client_credentials":
        raise EntraError(
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant}'.",
        )
    scope = str(form.get("scope") or form.get("resource") or "")
    if not scope.strip():
        raise EntraError(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        )
    principal = _authenticate_client(ctx, str(form.get("client_id", "")), form)
    audience = audience_for_scope(scope)
    access, expires_in = _tokens(ctx).issue(
        principal, audience, ctx.base_url, ctx.config.token_lifetime_seconds
    )
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access,
    }
    if "resource" in form and "scope" not in form:
        body["resource"] = audience
        body["expires_on"] = str(_tokens(ctx).verify(access, [audience]).expires_at)
    return json_response(body, headers={"Cache-Control": "no-store"})


def _authenticate_client(
    ctx: RequestContext, client_id: str, form: Any
) -> principals.PrincipalRecord:
    secret = str(form.get("client_secret", ""))
    if not client_id:
        auth = ctx.request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            import base64

            decoded = base64.b64decode(auth[6:]).decode(errors="replace")
            client_id, _, secret = decoded.partition(":")
    record = principals.by_client_id(ctx.store, client_id) if client_id else None
    if record is None:
        raise EntraError(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{_tokens(ctx).tenant_id}'.",
        )
    if not secret:
        raise EntraError(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
        )
    if not record.secret_matches(secret):
        raise EntraError(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the "
            f"client secret value, not the client secret ID, for a secret added to app "
            f"'{record.client_id}'.",
        )
    return record


ROUTES = [
    Route(
        "GET", _TENANT + r"/v2\.0/\.well-known/openid-configuration", openid_configuration, "entra"
    ),
    Route("GET", _TENANT + r"/\.well-known/openid-configuration", openid_configuration, "entra"),
    Route("GET", _TENANT + r"/discovery/(?:v2\.0/)?keys", jwks, "entra"),
    Route("POST", _TENANT + r"/oauth2/v2\.0/token", token, "entra"),
    Route("POST", _TENANT + r"/oauth2/token", token, "entra"),
]
