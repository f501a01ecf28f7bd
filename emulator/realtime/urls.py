"""Data-plane URL table: the realtime WebSocket endpoints of every account's endpoint.

An account's endpoint is ``{emulator}/dataplane/{customSubDomainName}/``, so Azure's
``wss://{res}.openai.azure.com/openai/v1/realtime`` maps to
``wss://127.0.0.1:PORT/dataplane/{res}/openai/v1/realtime``.
"""

from __future__ import annotations

from emulator.http import Route
from emulator.realtime import websocket
from emulator.realtime.webrtc import urls as webrtc_urls

_ACCOUNT = r"/dataplane/(?P<subdomain>[A-Za-z0-9-]+)"

ROUTES: list[Route] = [
    *webrtc_urls.ROUTES,  # WebRTC: client_secrets, calls, hangup, the sample page (owner G)
    Route("GET", _ACCOUNT + r"/openai/v1/realtime", webrtc_urls.realtime_ga, "dataplane"),
    Route("GET", _ACCOUNT + r"/openai/realtime", websocket.serve_preview, "dataplane"),
]
