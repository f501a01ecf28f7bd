"""The realtime data plane over WebRTC: client secrets, calls (SDP, ICE, DTLS, Opus over RTP,
the events data channel), the observer WebSocket and the browser sample (see ``urls``)."""
