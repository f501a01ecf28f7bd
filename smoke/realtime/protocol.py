"""Sans-I/O client side of a realtime session: text frames in, typed events and frames out.

Nothing here touches a socket or a clock. The adapter (``smoke.client``) feeds every text frame
to :meth:`RealtimeProtocol.receive_text`, then calls :meth:`events_received` for what was parsed
and :meth:`data_to_send` for frames to write after :meth:`send`. Every frame and event, both
directions, is appended to :attr:`RealtimeProtocol.log` with the time the adapter supplies; the
checks run over that log.

A malformed frame (not JSON, not an object, no ``type``, a known event with a bad field, a binary
frame, a frame over :data:`MAX_FRAME_BYTES`) becomes a :class:`ProtocolError` entry — it never
raises. So does an event out of order: ``response.done`` (or a response's delta) before that
response's ``response.created``, ``speech_stopped`` before any ``speech_started``.

Audio that a transport receives out of band (WebRTC's inbound track) is logged with
:meth:`RealtimeProtocol.receive_audio` as :class:`InboundAudio` entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Literal

from smoke.realtime.dialects import Dialect, canonical_type
from smoke.realtime.events import (
    ClientEvent,
    EventParseError,
    OutputAudioDelta,
    OutputTranscriptDelta,
    ResponseCreated,
    ResponseDone,
    ServerEvent,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
    parse_server_event,
)

__all__ = [
    "MAX_FRAME_BYTES",
    "Entry",
    "InboundAudio",
    "Mark",
    "ProtocolError",
    "RealtimeProtocol",
    "State",
]

_EXCERPT = 200
# Realtime server events are small (audio deltas a few KB, session objects a few KB); a frame of
# megabytes is a broken or hostile server. Parsing it would cost memory and time for nothing.
MAX_FRAME_BYTES = 2 * 1024 * 1024
# ProtocolError.kind for a frame the typed parser failed on unexpectedly (tests assert none).
PARSER_GAP = "unreadable_event"


class State(Enum):
    """Where the session is, as seen from the client."""

    CONNECTING = "connecting"  # socket open, no session.created yet
    READY = "ready"  # session.created received
    CONFIGURED = "configured"  # session.updated received
    RESPONDING = "responding"  # response.created received, no response.done yet
    DONE = "done"  # the last response finished
    CLOSED = "closed"  # we closed the connection
    FAILED = "failed"  # the connection was lost while still in use


@dataclass(frozen=True, kw_only=True)
class ProtocolError:
    """A frame the client could not accept; ``kind`` is a short machine-readable label."""

    kind: str
    message: str
    excerpt: str = ""


@dataclass(frozen=True, kw_only=True)
class Mark:
    """A client-side milestone in the log (e.g. ``speech_end``, ``connection_lost``)."""

    name: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class InboundAudio:
    """Reply audio received out of band (e.g. a WebRTC track), PCM16 mono at ``rate``."""

    pcm: bytes = field(repr=False)
    rate: int


Direction = Literal["recv", "sent", "mark"]


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One line of the session log: when, which way, what."""

    t: float
    direction: Direction
    item: ServerEvent | ClientEvent | ProtocolError | Mark | InboundAudio

    def frame(self) -> dict[str, Any]:
        """The entry as a JSON-ready object (raw server JSON, serialized client event, or note)."""
        item = self.item
        if isinstance(item, ServerEvent):
            return item.raw
        if isinstance(item, ClientEvent):
            return item.serialize()
        if isinstance(item, ProtocolError):
            return {"protocol_error": item.kind, "message": item.message, "excerpt": item.excerpt}
        if isinstance(item, InboundAudio):
            return {"inbound_audio": len(item.pcm), "rate": item.rate}
        return {"mark": item.name, **item.detail}


class RealtimeProtocol:
    """Client-side realtime session state machine for one dialect."""

    def __init__(self, dialect: Dialect, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self.dialect = dialect
        self.state = State.CONNECTING
        self.max_frame_bytes = max_frame_bytes
        self.log: list[Entry] = []
        self._incoming: list[ServerEvent | ProtocolError] = []
        self._outgoing: list[str] = []
        self._responses: set[str] = set()  # ids of responses whose response.created arrived
        self._speech_started = False

    # -- input from the network -------------------------------------------------------------

    def receive_text(self, text: str, at: float = 0.0) -> None:
        """Parse one text frame. Afterwards call :meth:`events_received`."""
        if len(text) > self.max_frame_bytes // 4 and len(text.encode()) > self.max_frame_bytes:
            size = len(text.encode())
            message = f"frame of {size} bytes exceeds the {self.max_frame_bytes}-byte cap"
            self._error("frame_too_large", message, text, at)
            return
        try:
            data = json.loads(text)
        except ValueError as exc:  # JSONDecodeError, or an integer beyond the digit limit
            self._error("malformed_json", f"frame is not JSON ({_first_line(exc)})", text, at)
            return
        except RecursionError:
            self._error("malformed_json", "frame is nested too deeply to parse", text, at)
            return
        if not isinstance(data, dict):
            self._error("not_an_object", "frame is not a JSON object", text, at)
            return
        wire = data.get("type")
        if not isinstance(wire, str) or not wire:
            self._error("missing_type", "frame has no string 'type'", text, at)
            return
        canonical = canonical_type(wire, self.dialect)
        try:
            event = parse_server_event({**data, "type": canonical}, wire_type=wire)
        except EventParseError as exc:
            self._error("invalid_event", str(exc), text, at)
            return
        except Exception as exc:  # noqa: BLE001 - a parser gap must fail a check, not the run
            message = f"{wire}: could not be read ({type(exc).__name__})"
            self._error(PARSER_GAP, message, text, at)
            return
        # Keep the frame exactly as received for artifacts; the typed event carries the GA name.
        event = _with_raw(event, data)
        self._check_order(event, at)
        self._advance(event, at)
        self._record(Entry(t=at, direction="recv", item=event))
        self._incoming.append(event)

    def receive_audio(self, pcm: bytes, rate: int, at: float = 0.0) -> None:
        """Reply audio that arrived out of band (not as ``response.output_audio.delta``)."""
        self._record(Entry(t=at, direction="recv", item=InboundAudio(pcm=pcm, rate=rate)))

    def receive_bytes(self, data: bytes, at: float = 0.0) -> None:
        """A binary frame: the realtime protocol only uses text frames."""
        self._error("binary_frame", f"unexpected binary frame of {len(data)} bytes", "", at)

    def connection_lost(self, code: int | None, reason: str, at: float = 0.0) -> None:
        """The socket closed without us asking; the session is failed from here on."""
        if self.state is not State.CLOSED:
            self.state = State.FAILED
        self.mark("connection_lost", at, code=code, reason=reason)

    # -- output to the network --------------------------------------------------------------

    def send(self, event: ClientEvent, at: float = 0.0) -> None:
        """Queue ``event``. Afterwards call :meth:`data_to_send` and write each frame."""
        self._outgoing.append(json.dumps(event.serialize(), separators=(",", ":")))
        self._record(Entry(t=at, direction="sent", item=event))

    def close(self, at: float = 0.0) -> None:
        """We are closing the session on purpose."""
        if self.state is not State.FAILED:
            self.state = State.CLOSED
        self.mark("closed", at)

    def mark(self, name: str, at: float = 0.0, **detail: Any) -> None:
        """Record a client-side milestone in the log."""
        self._record(Entry(t=at, direction="mark", item=Mark(name=name, detail=detail)))

    # -- draining ---------------------------------------------------------------------------

    def events_received(self) -> list[ServerEvent | ProtocolError]:
        """Events (and protocol errors) parsed since the previous call, oldest first."""
        events, self._incoming = self._incoming, []
        return events

    def data_to_send(self) -> list[str]:
        """Text frames queued by :meth:`send` since the previous call."""
        frames, self._outgoing = self._outgoing, []
        return frames

    # -- internals --------------------------------------------------------------------------

    def _record(self, entry: Entry) -> None:
        self.log.append(entry)

    def _error(self, kind: str, message: str, text: str, at: float) -> None:
        error = ProtocolError(kind=kind, message=message, excerpt=text[:_EXCERPT])
        self._record(Entry(t=at, direction="recv", item=error))
        self._incoming.append(error)

    def _check_order(self, event: ServerEvent, at: float) -> None:
        """Flag events that arrive before the event they belong to."""
        if isinstance(event, ResponseCreated):
            self._responses.add(event.response.id)
            return
        if isinstance(event, SpeechStarted):
            self._speech_started = True
            return
        if isinstance(event, SpeechStopped) and not self._speech_started:
            self._out_of_order("input_audio_buffer.speech_stopped before speech_started", at)
            return
        response_id = (
            event.response.id
            if isinstance(event, ResponseDone)
            else getattr(event, "response_id", None)
            if isinstance(event, OutputAudioDelta | OutputTranscriptDelta)
            else None
        )
        if response_id is not None and response_id not in self._responses:
            self._out_of_order(
                f"{event.wire_type} for response {response_id} before its response.created", at
            )

    def _out_of_order(self, message: str, at: float) -> None:
        self._error("out_of_order", message, "", at)

    def _advance(self, event: ServerEvent, at: float) -> None:
        if self.state is State.CONNECTING and not isinstance(event, SessionCreated):
            self._error(
                "unexpected_first_event",
                f"first event was '{event.wire_type}', expected 'session.created'",
                "",
                at,
            )
        if self.state in (State.CLOSED, State.FAILED):
            return
        if isinstance(event, SessionCreated):
            self.state = State.READY
        elif isinstance(event, SessionUpdated):
            self.state = State.CONFIGURED
        elif isinstance(event, ResponseCreated):
            self.state = State.RESPONDING
        elif isinstance(event, ResponseDone):
            self.state = State.DONE
        elif self.state is State.CONNECTING:
            # Tolerate a missing session.created so later events are still checked.
            self.state = State.READY


def _first_line(exc: Exception) -> str:
    return getattr(exc, "msg", None) or (str(exc).splitlines() or [""])[0][:100]


def _with_raw(event: ServerEvent, data: dict[str, Any]) -> ServerEvent:
    return replace(event, raw=data)
