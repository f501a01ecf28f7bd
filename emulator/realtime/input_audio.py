"""Input audio: the buffer, commits, server VAD turns and the transcription of user audio.

Appended audio is decoded to PCM16 24 kHz and kept until committed (by the client or by VAD
at the end of speech); each committed item is transcribed by a ``Transcribe`` job, and a reply
waiting for that transcript is advanced when it arrives. While VAD hears speech the audio is
also streamed to the recogniser (``StartRecognition``/``FeedRecognition``), so that when the
turn ends its ``Transcribe`` job only finishes that stream: the streamed bytes are exactly
the committed ones (checked: otherwise the stream is cancelled and the audio decoded whole).
When the speaker has been silent for part of the silence window, VAD says ``pause`` and the
recogniser runs its final pass then (``PauseRecognition``), so the transcript is ready when
the window closes; if they go on, ``ResumeRecognition``.

``idle_timeout_ms`` (GA ``server_vad``) is measured on the input audio's own clock, like every
VAD time: once that much audio without speech has arrived after the later of the last turn's
end and the end of the last reply's playback (reply finished + its audio duration), the
buffer is committed as a (silent) user item with ``input_audio_buffer.timeout_triggered``
and a response is created, as the API reference describes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.realtime import validation as p
from emulator.realtime.conversation import Item, Part, decode_base64
from emulator.realtime.conversation_items import ConversationItems
from emulator.realtime.ids import event, new_id
from emulator.realtime.outbox import Outbox
from emulator.realtime.response_control import ResponseControl
from emulator.realtime.session_config import SessionConfig
from emulator.realtime.speech_jobs import (
    CancelRecognition,
    FeedRecognition,
    PauseRecognition,
    ResumeRecognition,
    StartRecognition,
    Transcribe,
)
from emulator.realtime.speech_protocol import Speech, VadStream

MAX_APPEND_BASE64 = 15 * 1024 * 1024
MIN_COMMIT_MS = 100.0
PCM_BYTES_PER_MS = 48.0  # PCM16 mono 24 kHz


class InputAudio:
    """Owns the uncommitted audio, the append decoder, the VAD and the turn being spoken."""

    def __init__(
        self,
        config: SessionConfig,
        items: ConversationItems,
        responses: ResponseControl,
        outbox: Outbox,
        speech: Speech,
    ) -> None:
        self._config = config
        self._items = items
        self._responses = responses
        self._outbox = outbox
        self._speech = speech
        self._buffer = bytearray()  # uncommitted PCM16 24 kHz
        self._buffer_start_ms = 0.0  # session audio time of _buffer[0]
        self._vad: VadStream | None = None
        self._decoder: tuple[str, Callable[[bytes], bytes]] | None = None
        self._speech_item: str | None = None
        self._speech_start_ms = 0
        self._idle_from_ms = 0.0  # input audio time from which silence counts as idle
        self._stream: str | None = None  # recognition stream of the turn being spoken
        self._streamed = 0  # bytes sent to it
        responses.on_finished = self._response_finished

    # -- client events --------------------------------------------------------------------------
    def append(self, body: dict[str, Any]) -> None:
        """``input_audio_buffer.append``: base64 audio in the session's input format."""
        audio = body["audio"]
        if len(audio) > MAX_APPEND_BASE64:
            raise p.ParamError(
                "invalid_value",
                f"Invalid 'audio': audio chunk too large. Expected "
                f"at most {MAX_APPEND_BASE64} characters of base64 per event, "
                f"but got {len(audio)}.",
                "audio",
            )
        fmt = self._config.input_format()
        if self._decoder is None or self._decoder[0] != fmt:
            self._decoder = (fmt, self._speech.decoder(fmt))
        self.receive_pcm(self._decoder[1](decode_base64(audio, "audio")))

    def commit(self, body: dict[str, Any]) -> None:
        """``input_audio_buffer.commit`` (at least 100 ms)."""
        have_ms = len(self._buffer) / PCM_BYTES_PER_MS
        if have_ms < MIN_COMMIT_MS:
            raise p.ParamError(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected "
                f"at least 100ms of audio, but buffer only has {have_ms:.2f}ms of "
                "audio.",
                None,
            )
        self._commit(self._speech_item or new_id("item"), bytes(self._buffer))

    def clear(self, body: dict[str, Any]) -> None:
        """``input_audio_buffer.clear``."""
        self._drop_buffer(len(self._buffer))
        self._speech_item = None
        self._drop_stream()
        if self._vad is not None:
            self._vad.reset()
        self._outbox.emit(event("input_audio_buffer.cleared"))

    # -- audio from any source ------------------------------------------------------------------
    def receive_pcm(self, pcm: bytes) -> None:
        """PCM16 24 kHz microphone audio (decoded appends, or a WebRTC track)."""
        self._buffer += pcm
        if self._stream is not None and pcm:
            self._outbox.request(FeedRecognition(self._stream, bytes(pcm)))
            self._streamed += len(pcm)
        turn = self._config.turn_detection()
        if turn is None:
            return
        if self._vad is None:
            start_ms = int(
                self._buffer_start_ms + (len(self._buffer) - len(pcm)) / PCM_BYTES_PER_MS
            )
            self._vad = self._speech.vad(turn, start_ms)
        for kind, ms in self._vad.feed(pcm):
            if kind == "start":
                self._speech_started(turn, ms)
            elif kind == "stop" and self._speech_item is not None:
                self._speech_stopped(turn, ms)
            elif kind == "pause" and self._stream is not None:
                self._outbox.request(PauseRecognition(self._stream))
            elif kind == "resume" and self._stream is not None:
                self._outbox.request(ResumeRecognition(self._stream))
        self._check_idle(turn)

    @property
    def position_ms(self) -> float:
        """Input audio time: milliseconds of audio received since the session began."""
        return self._buffer_start_ms + len(self._buffer) / PCM_BYTES_PER_MS

    def turn_detection_changed(self) -> None:
        """New VAD settings: the next audio starts a fresh detector."""
        self._vad = None
        self._drop_stream()

    def transcribed(self, job: Transcribe, text: str) -> None:
        """A ``Transcribe`` job's result: fill the item, tell the client, advance the reply."""
        item = self._items.conversation.find(job.item_id)
        if item is not None:
            for part in item.parts:
                if part.kind == "audio" and part.transcript is None:
                    part.transcript = text
        if job.emit_events:
            seconds = round(len(job.pcm) / PCM_BYTES_PER_MS / 1000, 3)
            self._outbox.emit(
                event(
                    "conversation.item.input_audio_transcription.delta",
                    item_id=job.item_id,
                    content_index=0,
                    delta=text,
                )
            )
            self._outbox.emit(
                event(
                    "conversation.item.input_audio_transcription.completed",
                    item_id=job.item_id,
                    content_index=0,
                    transcript=text,
                    usage={"type": "duration", "seconds": seconds},
                )
            )
        self._responses.advance_reply()

    def transcription_failed(self, job: Transcribe, message: str) -> None:
        """A ``Transcribe`` job raised: an empty transcript, and the failure event if asked."""
        item = self._items.conversation.find(job.item_id)
        if item is not None:
            item.parts[0].transcript = ""
        if job.emit_events:
            self._outbox.emit(
                event(
                    "conversation.item.input_audio_transcription.failed",
                    item_id=job.item_id,
                    content_index=0,
                    error={
                        "type": "transcription_error",
                        "code": "audio_unintelligible",
                        "message": message,
                        "param": None,
                    },
                )
            )
        self._responses.advance_reply()

    # -- turns ----------------------------------------------------------------------------------
    def _response_finished(self, audio_seconds: float) -> None:
        self._idle_from_ms = max(self._idle_from_ms, self.position_ms + audio_seconds * 1000)

    def _check_idle(self, turn: dict[str, Any]) -> None:
        timeout = turn.get("idle_timeout_ms")
        if not timeout or self._speech_item is not None or self._responses.active is not None:
            return
        now = self.position_ms
        if now - self._idle_from_ms < timeout:
            return
        item_id = new_id("item")
        self._outbox.emit(
            event(
                "input_audio_buffer.timeout_triggered",
                audio_start_ms=int(self._idle_from_ms),
                audio_end_ms=int(now),
                item_id=item_id,
            )
        )
        self._drop_buffer(int((self._idle_from_ms - self._buffer_start_ms) * PCM_BYTES_PER_MS))
        self._idle_from_ms = now
        self._commit(item_id, bytes(self._buffer))
        self._responses.start({})

    def _speech_started(self, turn: dict[str, Any], ms: int) -> None:
        start = max(int(self._buffer_start_ms), ms)  # ms includes the prefix padding
        self._speech_item = new_id("item")
        self._speech_start_ms = start
        self._drop_stream()
        offset = _aligned(int((start - self._buffer_start_ms) * PCM_BYTES_PER_MS))
        self._stream = new_id("asr")
        self._streamed = len(self._buffer) - min(offset, len(self._buffer))
        self._outbox.request(StartRecognition(self._stream, bytes(self._buffer[offset:])))
        self._outbox.emit(
            event(
                "input_audio_buffer.speech_started", audio_start_ms=start, item_id=self._speech_item
            )
        )
        if self._responses.active is not None and turn.get("interrupt_response", True):
            self._responses.cancel_active("turn_detected")

    def _speech_stopped(self, turn: dict[str, Any], ms: int) -> None:
        item_id = self._speech_item
        assert item_id is not None
        self._outbox.emit(
            event("input_audio_buffer.speech_stopped", audio_end_ms=ms, item_id=item_id)
        )
        # audio before the padded start of speech is dropped, as the service does
        self._drop_buffer(int((self._speech_start_ms - self._buffer_start_ms) * PCM_BYTES_PER_MS))
        self._commit(item_id, bytes(self._buffer))
        self._idle_from_ms = max(self._idle_from_ms, float(ms))
        if turn.get("create_response", True) and self._responses.active is None:
            self._responses.start({})

    def _drop_stream(self) -> None:
        if self._stream is not None:
            self._outbox.request(CancelRecognition(self._stream))
        self._stream, self._streamed = None, 0

    def _drop_buffer(self, nbytes: int) -> None:
        nbytes = max(0, min(_aligned(nbytes), len(self._buffer)))
        del self._buffer[:nbytes]
        self._buffer_start_ms += nbytes / PCM_BYTES_PER_MS

    def _commit(self, item_id: str, pcm: bytes) -> None:
        self._drop_buffer(len(pcm))
        self._speech_item = None
        if self._vad is not None:
            self._vad.reset()
        stream = self._stream if self._streamed == len(pcm) else None
        if stream is None:
            self._drop_stream()
        self._stream, self._streamed = None, 0
        item = Item(item_id, "message", role="user", parts=[Part("audio", audio=pcm)])
        previous = self._items.conversation.insert(item, None)
        self._outbox.emit(
            event("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id)
        )
        self._items.announce(item, previous)
        self._outbox.request(
            Transcribe(new_id("job"), item_id, pcm, self._config.transcribes_input(), stream)
        )


def _aligned(nbytes: int) -> int:
    """Whole PCM16 samples."""
    return nbytes - nbytes % 2
