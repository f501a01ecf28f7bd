"""Responses: ``response.create``/``response.cancel``, where a reply's input comes from, and
the streaming of the active response (its audio is synthesised by a ``Synthesize`` job)."""

from __future__ import annotations

from typing import Any

from emulator.realtime import params as p
from emulator.realtime.client_events import Synthesize
from emulator.realtime.ids import new_id
from emulator.realtime.items import parse_client_item
from emulator.realtime.responses import INPUT_AUDIO_TOKENS_PER_SECOND, ResponseRun, text_tokens
from emulator.realtime.session_state import PCM_BYTES_PER_MS, SessionState

_ITEM_REFERENCE = p.obj({"type": p.string, "id": p.string}, ("type", "id"))


class ResponseControl(SessionState):
    """The response side of a session."""

    @property
    def streaming(self) -> bool:
        """Whether the active response has deltas or closing events to send."""
        return self.active is not None and self.active.ready and not self.active.finished

    def stream_step(self) -> list[dict[str, Any]]:
        """The next batch of the active response (the transport paces the calls)."""
        if self.active is None:
            return []
        batch = self.active.step()
        if self.active.finished:
            self._finish_active()
        return batch

    def next_pause(self) -> float:
        """Audio seconds covered by the next batch (for pacing)."""
        return self.active.seconds_left() if self.active is not None else 0.0

    def _synthesized(self, job: Synthesize, pcm: bytes) -> None:
        """The reply's audio is ready: the active response can stream it."""
        if (
            self.active is not None
            and self.active.id == job.response_id
            and not self.active.finished
        ):
            fmt = self.active.settings.audio_format
            self.active.item.parts[0].audio = pcm  # kept for truncate/retrieve
            self.active.set_reply(
                job.text, self.speech.encode(fmt, pcm), self.speech.bytes_per_ms(fmt)
            )
            self._spoken = True

    def _synthesis_failed(self, job: Synthesize) -> None:
        """No audio: the response still completes, with its transcript only."""
        if self.active is not None and self.active.id == job.response_id:
            self.active.set_reply(job.text, None, PCM_BYTES_PER_MS)

    # -- client events ------------------------------------------------------------------------
    def _on_response_create(self, body: dict[str, Any]) -> None:
        response = body.get("response")
        params = self.dialect.validate_response({} if response is None else response)
        self._check_input(params.get("input", []))
        if self.active is not None:
            raise p.ParamError(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{self.active.id}. Wait until the response is finished before "
                "creating a new one.",
                None,
            )
        self._start_response(params)

    def _on_response_cancel(self, body: dict[str, Any]) -> None:
        wanted = body.get("response_id")
        if self.active is None or (wanted and wanted != self.active.id):
            raise p.ParamError(
                "response_cancel_not_active", "Cancellation failed: no active response found", None
            )
        self._cancel_active("client_cancelled")

    def _on_output_audio_buffer_clear(self, body: dict[str, Any]) -> None:
        raise p.ParamError(
            "invalid_request_error",
            "output_audio_buffer.clear is only supported for WebRTC and SIP sessions.",
            "type",
        )

    # -- responses -----------------------------------------------------------------------------
    def _start_response(self, params: dict[str, Any]) -> None:
        settings = self.dialect.output_settings(self.config, params)
        in_conversation = settings.conversation != "none"
        run = ResponseRun(
            self.dialect,
            settings,
            conversation_id=self.conversation.id if in_conversation else None,
            previous_item_id=self.conversation.last_id() if in_conversation else None,
            input_usage=self._input_usage(),
        )
        source = self._reply_source(params)
        if in_conversation:
            self.conversation.insert(run.item, None)
        self.active = run
        self._pending_reply = {"source": source, "instructions": params.get("instructions")}
        self._emit_all(run.opening())
        self._advance_reply()

    def _check_input(self, entries: list[Any]) -> None:
        """``response.input``: item references or items as ``conversation.item.create`` takes."""
        fmt = self.dialect.input_format(self.config)
        for index, raw in enumerate(entries):
            param = f"response.input[{index}]"
            if isinstance(raw, dict) and raw.get("type") == "item_reference":
                _ITEM_REFERENCE(raw, param)
            else:
                parse_client_item(
                    raw, self.dialect, lambda pcm: self.speech.decode(fmt, pcm), param
                )

    def _reply_source(self, params: dict[str, Any]) -> Any:
        """Where the reply's input comes from: an item id, a literal text, or nothing."""
        if "input" in params:
            for raw in reversed(params["input"]):
                if isinstance(raw, dict) and raw.get("type") == "item_reference":
                    item = self.conversation.find(str(raw.get("id")))
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
        for item in reversed(self.conversation.items):
            if item.type == "message" and item.role == "user":
                return ("item", item.id)
        return ("text", "")

    def _advance_reply(self) -> None:
        run, pending = self.active, self._pending_reply
        if run is None or pending is None or run.finished:
            return
        kind, value = pending["source"]
        heard: str | None = value
        if kind == "item":
            item = self.conversation.find(value)
            heard = item.heard() if item is not None else ""
            if heard is None:
                return  # wait for the transcript
        if not heard and pending["instructions"]:
            heard = pending["instructions"]
        self._pending_reply = None
        text = self.speech.reply(heard or "")
        if run.settings.audio:
            self._jobs.append(Synthesize(new_id("job"), run.id, text, run.settings.voice))
        else:
            run.set_reply(text, None, PCM_BYTES_PER_MS)

    def _cancel_active(self, reason: str) -> None:
        if self.active is None:
            return
        self._emit_all(self.active.cancel(reason))
        self._finish_active()

    def _finish_active(self) -> None:
        self.active = None
        self._pending_reply = None

    def _input_usage(self) -> tuple[int, int]:
        text, audio_ms = 0, 0.0
        for item in self.conversation.items:
            for part in item.parts:
                if part.kind == "text":
                    text += text_tokens(part.text or "")
                elif part.kind == "audio" and item.role != "assistant":
                    audio_ms += len(part.audio or b"") / PCM_BYTES_PER_MS
        return text, int(audio_ms / 1000 * INPUT_AUDIO_TOKENS_PER_SECOND + 0.5)
