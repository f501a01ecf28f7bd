"""The WebRTC sample: a page and the small backend that mints its client secret.

It does what Microsoft's WebRTC sample does: the backend holds the resource credential and
mints an ephemeral key; the page opens an RTCPeerConnection with the microphone and a data
channel, posts its SDP offer to ``…/openai/v1/realtime/calls?webrtcfilter=on`` with the key, and
plays the reply. Open ``https://127.0.0.1:PORT/samples/webrtc/{account-subdomain}/{deployment}``.

The backend route stands in for *your* server: it uses the account's key from the emulator's
own state (never sent to the page). Like the rest of the emulator it listens on loopback only.
"""

from __future__ import annotations

import json
from importlib import resources

from aiohttp import web

from emulator import clock
from emulator.errors import ServiceError
from emulator.http import RequestContext
from emulator.realtime import handshake
from emulator.realtime.dialects import GA
from emulator.realtime.webrtc import core, rest, secrets

SAMPLE_SECONDS = 600


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
    subdomain, deployment = ctx.params["subdomain"], ctx.params["deployment"]
    directory = core.directory(ctx)
    account = directory.account(subdomain)
    if account is None:
        raise ServiceError(404, "404", "Resource not found")
    request = handshake.HandshakeRequest(
        path_kind="ga",
        subdomain=subdomain,
        query={"model": deployment},
        headers={"api-key": str(account.key1)},
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
