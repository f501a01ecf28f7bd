"""One model response as a stream of server events: lifecycle, transcript and audio deltas.

``ResponseStream`` is I/O-free. The session creates it (``opening``: ``response.created``),
then, once the reply is decided, either opens a message (``begin``) and hands it the reply
text and encoded audio once synthesised (``set_reply``), or makes a function call
(``call_function``: arguments as deltas); then the runner pulls ``step()``
batches at its own pace until ``finished``; ``cancel`` ends it early with Azure's
cancelled/incomplete shapes. Audio deltas follow Azure captures: 100, 150, then 250 ms.
With ``audio_events=False`` (a WebRTC media track) the audio chunks travel beside the events
instead of inside ``response.output_audio.delta``.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any

from emulator.realtime.conversation import Item, Part
from emulator.realtime.dialects import Dialect, OutputSettings
from emulator.realtime.ids import event, new_id

CHUNK_MS = (100, 150)  # then 250 ms per delta (4800, 7200, 12000 bytes of PCM16 24 kHz)
STEADY_CHUNK_MS = 250
TEXT_WORDS_PER_STEP = 3
ARGUMENT_DELTA_CHARS = 16  # function-call arguments stream in small pieces, as Azure's do
INPUT_AUDIO_TOKENS_PER_SECOND = 10.0
OUTPUT_AUDIO_TOKENS_PER_SECOND = 20.0


def text_tokens(text: str) -> int:
    """A plausible token count for English text (~1.3 tokens per word)."""
    return math.ceil(len(text.split()) * 1.3)


def split_deltas(text: str) -> list[str]:
    """Word-sized deltas whose concatenation is ``text`` (leading spaces kept, like Azure's)."""
    return re.findall(r"\s*\S+", text) or ([text] if text else [])


def audio_chunks(audio: bytes, bytes_per_ms: float) -> list[bytes]:
    """Split encoded audio into 100/150/250/250… ms deltas."""
    chunks: list[bytes] = []
    offset, index = 0, 0
    while offset < len(audio):
        ms = CHUNK_MS[index] if index < len(CHUNK_MS) else STEADY_CHUNK_MS
        size = max(1, int(ms * bytes_per_ms))
        if bytes_per_ms >= 2:
            size -= size % 2  # whole PCM16 samples
        chunks.append(audio[offset : offset + size])
        offset += size
        index += 1
    return chunks


class ResponseStream:
    """The events of one response, produced in order as the reply becomes available."""

    def __init__(
        self,
        dialect: Dialect,
        settings: OutputSettings,
        *,
        conversation_id: str | None,
        previous_item_id: str | None,
        input_usage: tuple[int, int],
        audio_events: bool = True,
    ) -> None:
        self.dialect = dialect
        self.audio_events = audio_events
        self.settings = settings
        self.id = new_id("resp")
        self.conversation_id = conversation_id
        self.previous_item_id = previous_item_id
        self.input_text_tokens, self.input_audio_tokens = input_usage
        part = Part("audio", transcript="") if settings.audio else Part("text", text="")
        self.item = Item(
            new_id("item"), "message", role="assistant", parts=[part], status="in_progress"
        )
        self.status = "in_progress"
        self.finished = False
        self.ready = False
        self._begun = False  # the output item was announced
        self._arguments = ""  # a function call's complete arguments
        self._queue: list[tuple[list[dict[str, Any]], bytes]] = []  # (events, audio chunk)
        self._sent_text = ""
        self._audio_seconds = 0.0
        self._truncated = False
        self._bytes_per_ms = 48.0

    @property
    def in_conversation(self) -> bool:
        """Whether the output item joins the default conversation."""
        return self.conversation_id is not None

    # -- lifecycle ---------------------------------------------------------------------------
    def opening(self) -> list[dict[str, Any]]:
        """``response.created`` (the output item follows once the reply is decided)."""
        return [event("response.created", response=self._response(usage=None))]

    def begin(self, previous_item_id: str | None) -> list[dict[str, Any]]:
        """Announce the output item: ``response.output_item.added`` (and, for a message,
        through ``response.content_part.added``)."""
        events = self._announce(previous_item_id)
        if self.item.type == "message":
            events.append(
                event("response.content_part.added", **self._where(), part=self._part_wire())
            )
        return events

    def call_function(self, name: str, arguments: str) -> None:
        """Make the reply a function call (then ``begin``); its arguments stream as deltas."""
        self.item = Item(
            self.item.id,
            "function_call",
            status="in_progress",
            call_id=new_id("call", 16),
            name=name,
            arguments="",
        )
        self._arguments = arguments
        self._sent_text = arguments
        for start in range(0, len(arguments), ARGUMENT_DELTA_CHARS):
            delta = arguments[start : start + ARGUMENT_DELTA_CHARS]
            self._queue.append(
                (
                    [event("response.function_call_arguments.delta", **self._where(), delta=delta)],
                    b"",
                )
            )
        self.ready = True

    def _announce(self, previous_item_id: str | None) -> list[dict[str, Any]]:
        self._begun = True
        self.previous_item_id = previous_item_id
        events = [
            event(
                "response.output_item.added",
                response_id=self.id,
                output_index=0,
                item=self.item.wire(self.dialect),
            )
        ]
        if self.in_conversation:
            name = (
                "conversation.item.added"
                if self.dialect.name == "ga"
                else "conversation.item.created"
            )
            events.append(
                event(
                    name, previous_item_id=self.previous_item_id, item=self.item.wire(self.dialect)
                )
            )
        return events

    def set_reply(self, text: str, audio: bytes | None, bytes_per_ms: float) -> None:
        """Queue the deltas of ``text`` (and ``audio`` in the output format) for ``step``."""
        self._bytes_per_ms = bytes_per_ms
        words = split_deltas(text)
        limit = self.settings.max_output_tokens
        if isinstance(limit, int) and len(words) > limit:
            words, self._truncated = words[:limit], True
        self.ready = True
        if not self.settings.audio or audio is None:
            for start in range(0, len(words), TEXT_WORDS_PER_STEP):
                step_words = words[start : start + TEXT_WORDS_PER_STEP]
                texts = [self._text_delta(self.dialect.text_delta, w) for w in step_words]
                self._queue.append((texts, b""))
            return
        chunks = audio_chunks(audio, bytes_per_ms)
        emitted = 0
        for index, chunk in enumerate(chunks):
            # transcript leads the audio it describes, as in Azure's captures
            target = math.ceil(len(words) * (index + 1) / len(chunks))
            batch: list[dict[str, Any]] = [
                self._text_delta(self.dialect.transcript_delta, w) for w in words[emitted:target]
            ]
            emitted = target
            if self.audio_events:
                batch.append(
                    event(
                        self.dialect.audio_delta,
                        **self._where(),
                        delta=base64.b64encode(chunk).decode(),
                    )
                )
            self._audio_seconds += len(chunk) / bytes_per_ms / 1000
            self._queue.append((batch, chunk))
        if not chunks and words:
            texts = [self._text_delta(self.dialect.transcript_delta, w) for w in words]
            self._queue.append((texts, b""))

    def step(self) -> tuple[list[dict[str, Any]], bytes]:
        """The next batch of deltas and the audio chunk they carry (in the output format),
        or the closing events once all were sent."""
        if self.finished or not self.ready:
            return [], b""
        if self._queue:
            return self._queue.pop(0)
        if self._truncated:
            details = {"type": "incomplete", "reason": "max_output_tokens"}
            return self._close("incomplete", details), b""
        return self._close("completed", None), b""

    def cancel(self, reason: str) -> list[dict[str, Any]]:
        """End now with ``status: cancelled`` (``client_cancelled`` or ``turn_detected``)."""
        if self.finished:
            return []
        self._queue.clear()
        return self._close("cancelled", {"type": "cancelled", "reason": reason})

    @property
    def audio_seconds(self) -> float:
        """Duration of the reply audio (what the client will be playing)."""
        return self._audio_seconds

    def seconds_left(self) -> float:
        """Audio seconds of the next queued batch (the transport paces on it)."""
        if not self._queue:
            return 0.0
        return len(self._queue[0][1]) / (self._bytes_per_ms * 1000)

    # -- internals ---------------------------------------------------------------------------
    def _text_delta(self, kind: str, delta: str) -> dict[str, Any]:
        self._sent_text += delta
        return event(kind, **self._where(), delta=delta)

    def _close(self, status: str, details: dict[str, Any] | None) -> list[dict[str, Any]]:
        self.finished = True
        self.status = status
        events: list[dict[str, Any]] = []
        if self._begun:
            events += self._close_item(status)
            self.item.status = "completed" if status == "completed" else "incomplete"
            events.append(
                event(
                    "response.output_item.done",
                    response_id=self.id,
                    output_index=0,
                    item=self.item.wire(self.dialect),
                )
            )
            if self.in_conversation and self.dialect.name == "ga":
                events.append(
                    event(
                        "conversation.item.done",
                        previous_item_id=self.previous_item_id,
                        item=self.item.wire(self.dialect),
                    )
                )
        events.append(
            event("response.done", response=self._response(usage=self._usage(), details=details))
        )
        return events

    def _close_item(self, status: str) -> list[dict[str, Any]]:
        """The ``.done`` events of the output item's content (or of its arguments)."""
        if self.item.type == "function_call":
            self.item.arguments = self._arguments
            named = {"name": self.item.name} if self.dialect.name == "ga" else {}
            return [
                event(
                    "response.function_call_arguments.done",
                    **self._where(),
                    **named,
                    arguments=self.item.arguments or "",
                )
            ]
        text = self._sent_text.strip() if status != "completed" else self._sent_text
        part = self.item.parts[0]
        events: list[dict[str, Any]] = []
        if part.kind == "audio":
            part.transcript = text
            events.append(event(self.dialect.audio_done, **self._where()))
            events.append(event(self.dialect.transcript_done, **self._where(), transcript=text))
        else:
            part.text = text
            events.append(event(self.dialect.text_done, **self._where(), text=text))
        events.append(event("response.content_part.done", **self._where(), part=self._part_wire()))
        return events

    def _where(self) -> dict[str, Any]:
        if self.item.type == "function_call":
            return {
                "response_id": self.id,
                "item_id": self.item.id,
                "output_index": 0,
                "call_id": self.item.call_id,
            }
        return {
            "response_id": self.id,
            "item_id": self.item.id,
            "output_index": 0,
            "content_index": 0,
        }

    def _part_wire(self) -> dict[str, Any]:
        part = self.item.parts[0]
        if part.kind == "audio":
            return {"type": "audio", "transcript": part.transcript or ""}
        return {"type": "text", "text": part.text or ""}

    def _response(
        self, usage: dict[str, Any] | None, details: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        output = [self.item.wire(self.dialect)] if usage is not None and self._begun else []
        return {
            "object": "realtime.response",
            "id": self.id,
            "status": self.status,
            "status_details": details,
            "output": output,
            "conversation_id": self.conversation_id,
            **self.dialect.response_shape(self.settings),
            "usage": usage,
            "metadata": self.settings.metadata,
        }

    def _usage(self) -> dict[str, Any]:
        out_text = text_tokens(self._sent_text)
        out_audio = math.ceil(self._audio_seconds * OUTPUT_AUDIO_TOKENS_PER_SECOND)
        in_total = self.input_text_tokens + self.input_audio_tokens
        input_details: dict[str, Any] = {
            "text_tokens": self.input_text_tokens,
            "audio_tokens": self.input_audio_tokens,
            "cached_tokens": 0,
        }
        if self.dialect.name == "ga":
            input_details["image_tokens"] = 0
            input_details["cached_tokens_details"] = {
                "text_tokens": 0,
                "audio_tokens": 0,
                "image_tokens": 0,
            }
        return {
            "total_tokens": in_total + out_text + out_audio,
            "input_tokens": in_total,
            "output_tokens": out_text + out_audio,
            "input_token_details": input_details,
            "output_token_details": {"text_tokens": out_text, "audio_tokens": out_audio},
        }
