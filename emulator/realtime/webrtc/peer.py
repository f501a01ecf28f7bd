"""Peer connections on loopback: answer an offer, keep the call until hang-up.

The emulator listens on 127.0.0.1 only, so its ICE agent offers loopback host candidates only
(aioice, left alone, offers every interface except loopback). ``CallRegistry`` keeps the live
calls of one emulator so that the observer WebSocket and ``…/hangup`` can find them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the call module loads aiortc: only when a call is made
    from emulator.realtime.webrtc.call import RtcCall

log = logging.getLogger("emulator.realtime.webrtc")

CONNECT_TIMEOUT_SECONDS = 30.0  # a call whose caller never connects is dropped
_LOOPBACK = ["127.0.0.1"]


def use_loopback_candidates() -> None:
    """Make aioice gather host candidates on 127.0.0.1 only (idempotent)."""
    import aioice.ice

    if getattr(aioice.ice.get_host_addresses, "_loopback_only", False):
        return

    def loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return list(_LOOPBACK) if use_ipv4 else []

    loopback._loopback_only = True  # type: ignore[attr-defined]  # marker for idempotence
    aioice.ice.get_host_addresses = loopback


class CallRegistry:
    """The live calls of one emulator, by call id."""

    def __init__(self) -> None:
        self._calls: dict[str, tuple[RtcCall, str]] = {}
        self._watchers: set[asyncio.Task[None]] = set()

    def get(self, call_id: str, subdomain: str) -> RtcCall | None:
        """A live call on the account with this subdomain."""
        found = self._calls.get(call_id)
        if found is None or found[1].lower() != subdomain.lower():
            return None
        return found[0]

    async def answer(self, call: RtcCall, runner: Any, subdomain: str, offer_sdp: str) -> str:
        """Create the peer connection for ``call``, answer ``offer_sdp``; the answer SDP.

        Raises ``ValueError`` when aiortc cannot use the offer."""
        from aiortc import RTCPeerConnection, RTCSessionDescription

        use_loopback_candidates()
        pc = RTCPeerConnection()
        pc.on("datachannel", call.attach_channel)
        pc.on("track", lambda track: call.attach_track(track) if track.kind == "audio" else None)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            pc.addTrack(call.track)
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises ValueError and others for offers it rejects
            await pc.close()
            await runner.stop()
            raise ValueError(str(exc) or type(exc).__name__) from None
        self._calls[call.id] = (call, subdomain)
        call.run(runner)
        watcher = asyncio.create_task(self._watch(call, pc))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        return str(pc.localDescription.sdp)

    async def _watch(self, call: RtcCall, pc: Any) -> None:
        connected = asyncio.Event()

        @pc.on("connectionstatechange")
        def changed() -> None:
            if pc.connectionState == "connected":
                connected.set()
            elif pc.connectionState in ("failed", "closed"):
                call.hang_up()

        try:
            waits = [asyncio.create_task(connected.wait()), asyncio.create_task(call.ended.wait())]
            await asyncio.wait(
                waits, timeout=CONNECT_TIMEOUT_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            for task in waits:
                task.cancel()
            if not connected.is_set() and not call.ended.is_set():
                log.info("WebRTC call %s never connected; dropping it", call.id)
                call.hang_up()
            await call.ended.wait()
        finally:
            self._calls.pop(call.id, None)
            call.hang_up()
            if call.runner is not None:
                await call.runner.stop()
            await pc.close()

    async def close_all(self) -> None:
        """Hang up every call and close its peer connection (emulator shutdown)."""
        for call, _ in list(self._calls.values()):
            call.hang_up()
        watchers = [task for task in self._watchers if not task.done()]
        if watchers:
            await asyncio.wait(watchers, timeout=5.0)


async def close_calls(services: dict[str, Any]) -> None:
    """Shutdown hook of the server: end the calls of this emulator, if it has any."""
    registry = services.get("webrtc_calls")
    if isinstance(registry, CallRegistry):
        await registry.close_all()
