"""Offline speech for the realtime emulator: recognition, VAD, reply model, synthesis, G.711.

Typical turn: ``StreamingVad.push()`` finds the utterance, ``Recognizer.transcribe()``
(or, inside a server, a ``ProcessRecognizer`` stream fed while the user speaks) reads it,
``reply_text()`` decides the answer and ``synthesize()`` speaks it as PCM16 24 kHz,
optionally encoded with ``pcm16_to_ulaw()`` / ``pcm16_to_alaw()`` after
``resample(..., 24000, G711_RATE)``. Identical utterances and replies are computed once
(``SpeechMemo``; ``REALTIME_EMULATOR_SPEECH_MEMO=0`` turns it off).
"""

from __future__ import annotations

from .asr import ASR_RATE, DecoderStream, Recognizer, Transcriber, default_recognizer
from .asr_workers import ProcessRecognizer, RecognitionStream, RecognizerDied
from .codecs import (
    G711_RATE,
    alaw_to_pcm16,
    as_pcm16,
    pcm16_to_alaw,
    pcm16_to_ulaw,
    resample,
    ulaw_to_pcm16,
)
from .memo import MEMO_ENV, SpeechMemo, memo_enabled
from .reply import NO_INPUT_REPLY, REPLY_MAX_WORDS, reply_text
from .text import normalize_text, number_to_words
from .tts import (
    MAX_TTS_CHARS,
    SynthesisError,
    Synthesizer,
    default_synthesizer,
    engine_name,
    synthesize,
)
from .vad import (
    SEMANTIC_SILENCE_MS,
    SpeechStarted,
    SpeechStopped,
    StreamingVad,
    VadConfig,
    VadEvent,
)

__all__ = [
    "ASR_RATE",
    "G711_RATE",
    "MAX_TTS_CHARS",
    "MEMO_ENV",
    "NO_INPUT_REPLY",
    "REPLY_MAX_WORDS",
    "SEMANTIC_SILENCE_MS",
    "DecoderStream",
    "ProcessRecognizer",
    "RecognitionStream",
    "Recognizer",
    "RecognizerDied",
    "SpeechMemo",
    "SpeechStarted",
    "SpeechStopped",
    "StreamingVad",
    "SynthesisError",
    "Synthesizer",
    "Transcriber",
    "VadConfig",
    "VadEvent",
    "alaw_to_pcm16",
    "as_pcm16",
    "default_recognizer",
    "default_synthesizer",
    "engine_name",
    "memo_enabled",
    "normalize_text",
    "number_to_words",
    "pcm16_to_alaw",
    "pcm16_to_ulaw",
    "reply_text",
    "resample",
    "synthesize",
    "ulaw_to_pcm16",
]
