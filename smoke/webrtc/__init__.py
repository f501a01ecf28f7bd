"""The WebRTC transport of :mod:`smoke.transport` (GA protocol): mint a client secret with the
caller's identity, negotiate SDP/ICE/DTLS with aiortc, stream the prompt as the microphone,
read events from the data channel and the reply from the inbound Opus track.

``open_webrtc`` is the opener :func:`smoke.transport.opener_for` looks up; aiortc is imported
only when a WebRTC session is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smoke.transport import OpenRequest, Transport

__all__ = ["open_webrtc"]


async def open_webrtc(request: OpenRequest) -> Transport:
    """Open one realtime session over WebRTC on ``request.target``.

    WebRTC speaks the GA protocol only (every model, ``-preview`` ones included); the legacy
    preview WebRTC flow (``realtimeapi/sessions``, regional ``realtimertc`` hosts) is not used.
    """
    from smoke.errors import UsageError
    from smoke.realtime.dialects import Dialect
    from smoke.webrtc.session import WebRtcTransport

    if request.protocol.dialect is not Dialect.GA:
        raise UsageError(
            "WebRTC uses the GA protocol only; the preview dialect works over websocket"
        )

    return await WebRtcTransport.open(request)
