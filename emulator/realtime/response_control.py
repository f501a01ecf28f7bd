"""Responses: ``response.create``/``response.cancel``, where a reply's input comes from, and
the streaming of the active response (its audio is synthesised by a ``Synthesize`` job)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from emulator.realtime import validation as p
from emulator.realtime.conversation import Conversation, parse_client_item
from emulator.realtime.ids import event, new_id
from emulator.realtime.outbox import Outbox
from emulator.realtime.response_stream import (
    INPUT_AUDIO_TOKENS_PER_SECOND,
    ResponseStream,
    text_tokens,
)
from emulator.realtime.session_config import SessionConfig
from emulator.realtime.speech_jobs import Synthesize
from emulator.realtime.speech_protocol import Speech
from emulator.realtime.tool_calls import answer_from_output, choose_tool

PCM_BYTES_PER_MS = 48.0  # PCM16 mono 24 kHz
# What rate_limits.updated reports: a per-minute budget per session (tier-1 gpt-realtime
# figures on Microsoft's quota page), with each response reserving its output tokens.
REQUESTS_PER_MINUTE = 200
TOKENS_PER_MINUTE = 100_000
DEFAULT_OUTPUT_RESERVATION = 4096
_ITEM_REFERENCE = p.obj({"type": p.string, "id": p.string}, ("type", "id"))


class ResponseControl:
    """Owns the active response, the reply it waits for, and whether assistant audio exists.

    ``track_audio``: reply audio goes to the outbox as PCM16 24 kHz for a media track
    (WebRTC) instead of ``response.output_audio.delta`` events.
    """

    def __init__(
        self,
        config: SessionConfig,
        conversation: Conversation,
        outbox: Outbox,
        speech: Speech,
        *,
        track_audio: bool = False,
    ) -> None:
        self.on_finished: Callable[[float], None] = lambda audio_seconds: None
        self._config = config
        self._conversation = conversation
        self._outbox = outbox
        self._speech = speech
        self._track_audio = track_audio
        self.active: ResponseStream | None = None
        self._pending_reply: dict[str, Any] | None = None  # the active response awaits input
        self.spoken = False  # assistant audio exists: the voice is fixed
        self._playing: str | None = None  # response id whose audio the track is playing
        self._last_response: str | None = None
        self._requests_used = 0
        self._tokens_used = 0

    # -- client events --------------------------------------------------------------------------
    def create(self, body: dict[str, Any]) -> None:
        """``response.create``."""
        response = body.get("response")
        dialect = self._config.dialect
        params = dialect.validate_response({} if response is None else response)
        self._check_input(params.get("input", []))
        if self.active is not None:
            raise p.ParamError(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{self.active.id}. Wait until the response is finished before "
                "creating a new one.",
                None,
            )
        self.start(params)

    def cancel(self, body: dict[str, Any]) -> None:
        """``response.cancel`` (of the active response, or of the one named)."""
        wanted = body.get("response_id")
        if self.active is None or (wanted and wanted != self.active.id):
            raise p.ParamError(
                "response_cancel_not_active", "Cancellation failed: no active response found", None
            )
        self.cancel_active("client_cancelled")

    def clear_output_audio(self, body: dict[str, Any]) -> None:
        """``output_audio_buffer.clear``: WebRTC/SIP only; stops the reply being played."""
        if not self._track_audio:
            raise p.ParamError(
                "invalid_request_error",
                "output_audio_buffer.clear is only supported for WebRTC and SIP sessions.",
                "type",
            )
        latest = self.active.id if self.active is not None else self._last_response
        self.cancel_active("client_cancelled")
        self._outbox.clear_audio()
        response_id, self._playing = self._playing or latest, None
        # the event's response_id is a string in the GA schema: with nothing ever played, ""
        self._outbox.emit(event("output_audio_buffer.cleared", response_id=response_id or ""))

    # -- streaming (the runner's side) ----------------------------------------------------------
    @property
    def streaming(self) -> bool:
        """Whether the active response has deltas or closing events to send."""
        return self.active is not None and self.active.ready and not self.active.finished

    def stream_step(self) -> list[dict[str, Any]]:
        """The next batch of the active response (the runner paces the calls)."""
        if self.active is None:
            return []
        batch, audio = self.active.step()
        if audio and self._track_audio:
            if self._playing != self.active.id:
                self._playing = self.active.id
                self._outbox.emit(event("output_audio_buffer.started", response_id=self.active.id))
            self._outbox.play(audio)
        if self.active.finished:
            self._finish_active()
        return batch

    def next_pause(self) -> float:
        """Audio seconds covered by the next batch (for pacing)."""
        return self.active.seconds_left() if self.active is not None else 0.0

    def audio_played(self, response_id: str) -> None:
        """The track finished playing ``response_id``'s audio: ``output_audio_buffer.stopped``."""
        if self._playing == response_id:
            self._playing = None
            self._outbox.emit(event("output_audio_buffer.stopped", response_id=response_id))

    def synthesized(self, job: Synthesize, pcm: bytes) -> None:
        """The reply's audio is ready: the active response can stream it."""
        run = self.active
        if run is None or run.id != job.response_id or run.finished:
            return
        run.item.parts[0].audio = pcm  # kept for truncate/retrieve
        if self._track_audio:
            run.set_reply(job.text, pcm, PCM_BYTES_PER_MS)
        else:
            fmt = run.settings.audio_format
            run.set_reply(job.text, self._speech.encode(fmt, pcm), self._speech.bytes_per_ms(fmt))
        self.spoken = True

    def synthesis_failed(self, job: Synthesize) -> None:
        """No audio: the response still completes, with its transcript only."""
        if self.active is not None and self.active.id == job.response_id:
            self.active.set_reply(job.text, None, PCM_BYTES_PER_MS)

    # -- responses ------------------------------------------------------------------------------
    def start(self, params: dict[str, Any]) -> None:
        """Open a response (``response.create`` or a VAD turn) and ask for its reply."""
        dialect = self._config.dialect
        settings = dialect.output_settings(self._config.current, params)
        in_conversation = settings.conversation != "none"
        run = ResponseStream(
            dialect,
            settings,
            conversation_id=self._conversation.id if in_conversation else None,
            previous_item_id=self._conversation.last_id() if in_conversation else None,
            input_usage=self._input_usage(),
            audio_events=not self._track_audio,
        )
        source = self._reply_source(params)
        self.active = run
        self._last_response = run.id
        self._pending_reply = {"source": source, "instructions": params.get("instructions")}
        self._outbox.emit_all(run.opening())
        self._outbox.emit(self._rate_limits(run))
        self.advance_reply()

    def advance_reply(self) -> None:
        """Decide the reply once its input is known (a transcript may still be pending)."""
        run, pending = self.active, self._pending_reply
        if run is None or pending is None or run.finished:
            return
        kind, value = pending["source"]
        if kind == "output":
            self._pending_reply = None
            self._speak(run, self._answer(value))
            return
        heard: str | None = value
        if kind == "item":
            item = self._conversation.find(value)
            heard = item.heard() if item is not None else ""
            if heard is None:
                return  # wait for the transcript
        if not heard and pending["instructions"]:
            heard = pending["instructions"]
        self._pending_reply = None
        call = choose_tool(run.settings.tools, run.settings.tool_choice, heard or "")
        if call is not None:
            arguments = json.dumps(call.arguments, separators=(",", ":"))
            run.call_function(call.name, arguments)
            self._outbox.emit_all(run.begin(self._place(run)))
            return
        self._speak(run, self._speech.reply(heard or ""))

    def _speak(self, run: ResponseStream, text: str) -> None:
        """Open the reply message and ask for its audio (or stream its text)."""
        self._outbox.emit_all(run.begin(self._place(run)))
        if run.settings.audio:
            self._outbox.request(Synthesize(new_id("job"), run.id, text, run.settings.voice))
        else:
            run.set_reply(text, None, PCM_BYTES_PER_MS)

    def cancel_active(self, reason: str) -> None:
        """End the active response now (``client_cancelled`` or ``turn_detected``)."""
        if self.active is None:
            return
        self._outbox.emit_all(self.active.cancel(reason))
        self._finish_active()

    def _place(self, run: ResponseStream) -> str | None:
        """Add the output item to the conversation; its predecessor's id."""
        if not run.in_conversation:
            return None
        return self._conversation.insert(run.item, None)

    def _answer(self, output_item_id: str) -> str:
        """The spoken answer to a ``function_call_output`` item."""
        output = self._conversation.find(output_item_id)
        if output is None:
            return self._speech.reply("")
        call = next(
            (
                i
                for i in self._conversation.items
                if i.type == "function_call" and i.call_id == output.call_id
            ),
            None,
        )
        name = (call.name or "") if call is not None else ""
        return answer_from_output(name, output.output or "")

    def _rate_limits(self, run: ResponseStream) -> dict[str, Any]:
        """``rate_limits.updated`` at the start of a response (its output reserved)."""
        limit = run.settings.max_output_tokens
        reserved = limit if isinstance(limit, int) else DEFAULT_OUTPUT_RESERVATION
        self._requests_used += 1
        self._tokens_used += run.input_text_tokens + run.input_audio_tokens + reserved
        return event(
            "rate_limits.updated",
            rate_limits=[
                _limit("requests", REQUESTS_PER_MINUTE, self._requests_used),
                _limit("tokens", TOKENS_PER_MINUTE, self._tokens_used),
            ],
        )

    def _finish_active(self) -> None:
        finished, self.active = self.active, None
        self._pending_reply = None
        if finished is not None:
            self.on_finished(finished.audio_seconds)

    def _check_input(self, entries: list[Any]) -> None:
        """``response.input``: item references or items as ``conversation.item.create`` takes."""
        fmt = self._config.input_format()
        for index, raw in enumerate(entries):
            param = f"response.input[{index}]"
            if isinstance(raw, dict) and raw.get("type") == "item_reference":
                _ITEM_REFERENCE(raw, param)
            else:
                parse_client_item(
                    raw,
                    self._config.dialect,
                    lambda pcm: self._speech.decode(fmt, pcm),
                    param,
                )

    def _reply_source(self, params: dict[str, Any]) -> tuple[str, str]:
        """Where the reply's input comes from: an item id, a literal text, or nothing."""
        if "input" in params:
            for raw in reversed(params["input"]):
                if isinstance(raw, dict) and raw.get("type") == "item_reference":
                    item = self._conversation.find(str(raw.get("id")))
                    if item is not None and item.role == "user":
                        return ("item", item.id)
                elif isinstance(raw, dict) and raw.get("role") == "user":
                    texts = [
                        c.get("text") or c.get("transcript") or ""
                        for c in raw.get("content", [])
                        if isinstance(c, dict)
                    ]
                    return ("text", " ".join(texts))
            return ("text", "")
        for item in reversed(self._conversation.items):
            if item.type == "function_call_output":
                return ("output", item.id)
            if item.type == "message" and item.role == "user":
                return ("item", item.id)
        return ("text", "")

    def _input_usage(self) -> tuple[int, int]:
        text, audio_ms = 0, 0.0
        for item in self._conversation.items:
            for part in item.parts:
                if part.kind == "text":
                    text += text_tokens(part.text or "")
                elif part.kind == "audio" and item.role != "assistant":
                    audio_ms += len(part.audio or b"") / PCM_BYTES_PER_MS
        return text, int(audio_ms / 1000 * INPUT_AUDIO_TOKENS_PER_SECOND + 0.5)


def _limit(name: str, limit: int, used: int) -> dict[str, Any]:
    """One entry of ``rate_limits``: the budget refills evenly over a minute."""
    remaining = max(0, limit - used)
    return {
        "name": name,
        "limit": limit,
        "remaining": remaining,
        "reset_seconds": round(60.0 * (limit - remaining) / limit, 3),
    }
