"""``POST {endpoint}openai/v1/realtime/client_secrets``, ``…/realtime/calls`` and
``…/realtime/calls/{call_id}/hangup`` (GA WebRTC, Microsoft's "Use the GPT Realtime API via
WebRTC" and the openai SDK's ``realtime.client_secrets`` / ``realtime.calls``).

Credentials: ``client_secrets`` takes what the WebSocket handshake takes (key, or an Entra
token whose principal holds the realtime data action; role propagation applies). ``calls``
also takes ``Authorization: Bearer ek_…`` for the account the secret was minted on.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from aiohttp import web

from emulator import clock
from emulator.errors import ServiceError
from emulator.http import RequestContext
from emulator.realtime import handshake
from emulator.realtime.dialects import GA
from emulator.realtime.webrtc import core, secrets
from emulator.realtime.webrtc.offer import invalid_request, read_call_request
from emulator.realtime.webrtc.peer import CallRegistry

CLIENT_SECRETS_PATH = "/openai/v1/realtime/client_secrets"
CALLS_PATH = "/openai/v1/realtime/calls"


def registry(ctx: RequestContext) -> CallRegistry:
    """This emulator's live calls."""
    found = ctx.services.get("webrtc_calls")
    if found is None:
        found = ctx.services["webrtc_calls"] = CallRegistry()
    return found


def secret_store(ctx: RequestContext) -> secrets.SecretStore:
    """This emulator's ephemeral keys."""
    found = ctx.services.get("client_secrets")
    if found is None:
        found = ctx.services["client_secrets"] = secrets.SecretStore()
    return found


async def create_client_secret(ctx: RequestContext) -> web.StreamResponse:
    """Mint an ``ek_…`` bound to this account and the session's deployment."""
    body = await _json_body(ctx.request)
    unknown = sorted(set(body) - {"session", "expires_after"})
    if unknown:
        raise invalid_request(f"Unknown parameter: '{unknown[0]}'.", unknown[0])
    patch = _session_patch(body.get("session"), "session")
    seconds = _expiry_seconds(body.get("expires_after"))
    target = _resolve(ctx, str(patch["model"]), "POST " + CLIENT_SECRETS_PATH)
    created = int(clock.now())
    secret = secrets.ClientSecret(target, patch, created, created + seconds)
    value = secret_store(ctx).mint(secret)
    session = GA.merge(
        GA.default_session(_new_session_id(), target.model, secret.expires_at), patch
    )
    return web.json_response({"value": value, "expires_at": secret.expires_at, "session": session})


async def create_call(ctx: RequestContext) -> web.StreamResponse:
    """Answer an SDP offer: 201, the SDP answer, ``Location`` naming the call."""
    subdomain = ctx.params["subdomain"]
    secret = ephemeral_secret(ctx, subdomain)
    if secret is None and not has_credential(ctx):
        raise missing_credential()
    offer = await read_call_request(ctx.request)
    patches: list[dict[str, Any]] = []
    if secret is not None:
        target = still_served(ctx, secret.target)
        patches.append(secret.session)
        if offer.session is not None:
            patches.append(_session_patch(offer.session, "session", need_model=False))
    else:
        form = _session_patch(offer.session, "session", need_model=False) if offer.session else {}
        model = form.get("model") or ctx.query("model")
        if not model:
            raise invalid_request("Missing required parameter: 'session.model'.", "session.model")
        target = _resolve(ctx, str(model), "POST " + CALLS_PATH)
        patches.append(form)
    # aiortc (≈0.15 s to import) loads with the first call, not with the emulator
    from emulator.realtime.webrtc.call import RtcCall, new_call_id

    call = RtcCall(
        new_call_id(),
        target.deployment,
        filtered=(ctx.query("webrtcfilter") or "").lower() == "on",
    )
    try:
        runner = core.start_session(ctx, target, _merged(patches), call)
    except core.ParamError as exc:
        raise invalid_request(exc.message, exc.param) from None
    try:
        answer = await registry(ctx).answer(call, runner, subdomain, offer.sdp)
    except ValueError as exc:
        raise invalid_request(f"Invalid SDP offer: {exc}", "sdp") from None
    return web.Response(
        status=201,
        text=answer,
        content_type="application/sdp",
        headers={"Location": f"/v1/realtime/calls/{call.id}"},
    )


async def hang_up(ctx: RequestContext) -> web.StreamResponse:
    """End a call from the server side (OpenAI's ``realtime.calls.hangup``)."""
    subdomain = ctx.params["subdomain"]
    call = registry(ctx).get(ctx.params["call_id"], subdomain)
    secret = ephemeral_secret(ctx, subdomain)
    if secret is None and not has_credential(ctx):
        raise missing_credential()
    if secret is None and call is not None:
        path = f"POST {CALLS_PATH}/{call.id}/hangup"
        _resolve(ctx, call.deployment, path)
    if call is None:
        raise ServiceError(404, "NotFound", f"Call '{ctx.params['call_id']}' was not found.")
    call.hang_up()
    return web.Response(status=200)


# -- helpers -----------------------------------------------------------------------------------
def _resolve(ctx: RequestContext, deployment: str, method_path: str) -> handshake.SessionTarget:
    return handshake.resolve(_handshake(ctx, deployment, method_path), core.directory(ctx))


def _handshake(
    ctx: RequestContext, deployment: str, method_path: str
) -> handshake.HandshakeRequest:
    # Credentials come from headers only here: the REST endpoints take no api-key query.
    return handshake.HandshakeRequest(
        path_kind="ga",
        subdomain=ctx.params["subdomain"],
        query={"model": deployment} if deployment else {},
        headers=ctx.request.headers,
        method_path=method_path,
    )


def bearer_token(ctx: RequestContext) -> str | None:
    scheme, _, token = ctx.request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def has_credential(ctx: RequestContext) -> bool:
    return bool(ctx.request.headers.get("api-key") or bearer_token(ctx))


def missing_credential() -> ServiceError:
    return ServiceError(
        401,
        "401",
        "Access denied due to missing subscription key. Make sure to include subscription "
        "key when making requests to an API.",
    )


def ephemeral_secret(ctx: RequestContext, subdomain: str) -> secrets.ClientSecret | None:
    token = bearer_token(ctx)
    if token is None or not secrets.is_ephemeral(token):
        return None
    try:
        return secret_store(ctx).verify(token, subdomain, clock.now())
    except secrets.SecretLookupError as exc:
        raise ServiceError(
            401,
            "401",
            f"Unauthorized. The client secret is invalid or has expired ({exc.reason}).",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None


def still_served(ctx: RequestContext, target: handshake.SessionTarget) -> handshake.SessionTarget:
    """The secret's deployment must still exist and serve when the call is made."""
    found = core.directory(ctx).deployment(target.account_id, target.deployment)
    if found is None:
        raise handshake.deployment_not_found()
    return target


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid_request("We could not parse the JSON body of your request.") from None
    if not isinstance(body, dict):
        raise invalid_request("The request body must be a JSON object.")
    return body


def _session_patch(raw: Any, param: str, *, need_model: bool = True) -> dict[str, Any]:
    if raw is None:
        raw = {"type": "realtime"}
    if not isinstance(raw, dict):
        raise invalid_request(f"Invalid type for '{param}': expected an object.", param)
    if raw.get("type") == "transcription":
        raise invalid_request(
            "Transcription sessions are not supported by the emulator's WebRTC endpoint.",
            f"{param}.type",
        )
    try:
        patch = GA.validate_update(raw)
    except core.ParamError as exc:
        raise invalid_request(exc.message, exc.param) from None
    if need_model and not patch.get("model"):
        raise invalid_request(
            f"Missing required parameter: '{param}.model' (the deployment name).", f"{param}.model"
        )
    return patch


def _expiry_seconds(raw: Any) -> int:
    if raw is None:
        return secrets.DEFAULT_SECONDS
    if not isinstance(raw, dict):
        raise invalid_request(
            "Invalid type for 'expires_after': expected an object.", "expires_after"
        )
    anchor = raw.get("anchor", "created_at")
    if anchor != "created_at":
        raise invalid_request(
            f"Invalid value for 'expires_after.anchor': '{anchor}'. Supported values are: "
            "'created_at'.",
            "expires_after.anchor",
        )
    seconds = raw.get("seconds", secrets.DEFAULT_SECONDS)
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise invalid_request(
            "Invalid type for 'expires_after.seconds': expected an integer.",
            "expires_after.seconds",
        )
    if not secrets.MIN_SECONDS <= seconds <= secrets.MAX_SECONDS:
        raise invalid_request(
            f"Invalid 'expires_after.seconds': {seconds}. Expected a value between "
            f"{secrets.MIN_SECONDS} and {secrets.MAX_SECONDS}.",
            "expires_after.seconds",
        )
    return seconds


def _merged(patches: list[dict[str, Any]]) -> dict[str, Any]:
    """Session patches in order, later ones winning (nested objects merged key by key)."""
    merged: dict[str, Any] = {"type": "realtime"}
    for patch in patches:
        _merge_into(merged, patch)
    return merged


def _merge_into(into: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge_into(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _new_session_id() -> str:
    from emulator.realtime.ids import new_id

    return new_id("sess")
