"""The WebRTC sample: a page and the small backend that mints its client secret.

It does what Microsoft's WebRTC sample does: the backend holds the resource credential and
mints an ephemeral key; the page opens an RTCPeerConnection with the microphone and a data
channel, posts its SDP offer to ``…/openai/v1/realtime/calls?webrtcfilter=on`` with the key, and
plays the reply. Open
``https://127.0.0.1:PORT/samples/webrtc/{account-subdomain}/{deployment}#token=SAMPLE_TOKEN``
(``realtime-emulator sample-url`` prints it).

The backend route stands in for *your* server: it authenticates with the account's key from the
emulator's own state, or with the ``app`` principal's Entra token when key auth is disabled
(neither is sent to the page). Nothing local trusts a caller without credentials, so it mints
only for a caller presenting ``Authorization: Bearer <sample_token>``: the random per-start
token of ``connection.json`` (0600, readable by the state directory's owner only), as Jupyter
guards its server. The page URL carries it in the fragment, which browsers never send (so it
reaches no request log); the page's script sends it as the header.
"""

from __future__ import annotations

import hmac
import json
from importlib import resources
from typing import Any

from aiohttp import web

from emulator import clock
from emulator.errors import ServiceError
from emulator.http import RequestContext
from emulator.realtime import handshake
from emulator.realtime.dialects import GA
from emulator.realtime.webrtc import core, rest, secrets

SAMPLE_SECONDS = 600
SAMPLE_PRINCIPAL = "app"  # the seeded application identity (connection.json)


async def page(ctx: RequestContext) -> web.StreamResponse:
    """The HTML page, configured for one account and deployment."""
    subdomain, deployment = ctx.params["subdomain"], ctx.params["deployment"]
    endpoint = f"{ctx.base_url}/dataplane/{subdomain}/"
    config = {
        "deployment": deployment,
        "tokenUrl": f"{ctx.base_url}/samples/webrtc/{subdomain}/{deployment}/token",
        "callsUrl": f"{endpoint}openai/v1/realtime/calls",
    }
    template = resources.files("emulator.realtime.webrtc").joinpath("static/sample.html")
    text = template.read_text(encoding="utf-8").replace(
        "__CONFIG__", json.dumps(config).replace("</", "<\\/")
    )
    return web.Response(text=text, content_type="text/html", charset="utf-8")


async def token(ctx: RequestContext) -> web.StreamResponse:
    """The sample backend: mint a client secret for the page with the account's key."""
    _require_sample_token(ctx)
    subdomain, deployment = ctx.params["subdomain"], ctx.params["deployment"]
    directory = core.directory(ctx)
    account = directory.account(subdomain)
    if account is None:
        raise ServiceError(404, "404", "Resource not found")
    request = handshake.HandshakeRequest(
        path_kind="ga",
        subdomain=subdomain,
        query={"model": deployment},
        headers=_backend_credential(ctx, account),
        method_path="POST " + rest.CLIENT_SECRETS_PATH,
    )
    target = handshake.resolve(request, directory)
    patch = GA.validate_update(
        {
            "type": "realtime",
            "model": deployment,
            # show the page what was heard, too
            "audio": {"input": {"transcription": {"model": "whisper-1"}}},
        }
    )
    created = int(clock.now())
    secret = secrets.ClientSecret(target, patch, created, created + SAMPLE_SECONDS)
    value = rest.secret_store(ctx).mint(secret)
    return web.json_response({"value": value, "expires_at": secret.expires_at})


def _require_sample_token(ctx: RequestContext) -> None:
    """401 (before anything is looked up) unless the caller shows this start's sample token."""
    expected = str(ctx.services.get("sample_token") or "")
    scheme, _, presented = ctx.request.headers.get("Authorization", "").partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(presented.strip().encode(), expected.encode())
    ):
        raise ServiceError(
            401,
            "SampleAuthenticationRequired",
            "The sample backend needs 'Authorization: Bearer <sample_token>' with the "
            "sample_token of this emulator's connection.json; open the page at the URL "
            "'realtime-emulator sample-url' prints (it ends in #token=...).",
            headers={"WWW-Authenticate": 'Bearer realm="realtime-emulator sample"'},
        )


def _backend_credential(ctx: RequestContext, account: Any) -> dict[str, str]:
    """What the sample's server authenticates with: the account key, or, when key auth is
    off (as in ``environments/local.toml``), an Entra token of the emulator's ``app``
    principal (which then needs its realtime role, as a real backend identity would)."""
    if not getattr(account, "disable_local_auth", False):
        return {"api-key": str(account.key1)}
    from emulator.entra import principals

    app = principals.by_name(ctx.store, SAMPLE_PRINCIPAL)
    if app is None:
        raise ServiceError(500, "InternalServerError", "The sample's app principal is missing.")
    token, _ = ctx.services["tokens"].issue(app, handshake.TOKEN_AUDIENCES[0], ctx.base_url, 600)
    return {"Authorization": f"Bearer {token}"}
