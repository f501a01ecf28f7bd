"""Offline text-to-speech: flite (CMU kal16 voice) when installed, else espeak-ng via ctypes.

flite's CMU voices are what pocketsphinx recognises best (about 1–2 % WER, measured), so the
emulator's replies can be checked by the project's own recogniser. espeak-ng (pip
``espeakng-loader``) is the fallback when the ``flite`` binary is missing; its audio is much
harder for pocketsphinx (see docs in shared/reference/speech-stack.md).
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
import threading
import unicodedata
import wave
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .codecs import Pcm16, resample
from .memo import SpeechMemo, memo_enabled

__all__ = [
    "MAX_TTS_CHARS",
    "SynthesisError",
    "Synthesizer",
    "default_synthesizer",
    "engine_name",
    "synthesize",
]

#: Longer input is cut at a word boundary: replies are short, and flite's time grows linearly.
MAX_TTS_CHARS = 600
#: Bound on the audio the cache keeps (a 600-character reply is ≈2 MB at 24 kHz).
CACHE_BYTES = 32 * 1024 * 1024
_FLITE_TIMEOUT_S = 30.0
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


class SynthesisError(RuntimeError):
    """The TTS engine failed (bad exit status, timeout, unreadable output)."""


class _Engine(Protocol):
    name: str

    def render(self, text: str) -> tuple[Pcm16, int]: ...


def _clean_text(text: str) -> str:
    """Fold to printable ASCII and cap the length; both engines choke on other input."""
    folded = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    ascii_text = "".join(
        " " if unicodedata.category(ch) in _CONTROL else ch
        for ch in folded.encode("ascii", "ignore").decode("ascii")
    )
    cleaned = " ".join(ascii_text.split())
    if len(cleaned) > MAX_TTS_CHARS:
        cut = cleaned[:MAX_TTS_CHARS]
        cleaned = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return cleaned


class _Flite:
    """Runs the ``flite`` binary once per text; the text goes through a file, never a shell."""

    def __init__(self, binary: str, voice: str = "kal16") -> None:
        self._binary = binary
        self._voice = voice
        self.name = f"flite/{voice}"

    def render(self, text: str) -> tuple[Pcm16, int]:
        with tempfile.TemporaryDirectory(prefix="tts-") as tmp:
            text_path, wav_path = Path(tmp, "text.txt"), Path(tmp, "speech.wav")
            text_path.write_text(text, encoding="ascii")
            argv = [self._binary, "-voice", self._voice, "-f", str(text_path), "-o", str(wav_path)]
            try:
                subprocess.run(argv, check=True, capture_output=True, timeout=_FLITE_TIMEOUT_S)
                with wave.open(str(wav_path), "rb") as wav:
                    rate = wav.getframerate()
                    frames = wav.readframes(wav.getnframes())
            except (OSError, subprocess.SubprocessError, wave.Error, EOFError) as exc:
                raise SynthesisError(f"flite failed for a {len(text)}-character text") from exc
        return np.frombuffer(frames, dtype="<i2").astype(np.int16), rate


class _Espeak:
    """espeak-ng through ctypes; the library is process-global state, hence one class lock."""

    _lock = threading.Lock()
    _lib: Any = None
    _rate = 0

    def __init__(self, voice: str = "en-us") -> None:
        self._voice = voice.encode()
        self.name = f"espeak-ng/{voice}"
        self._chunks: list[Pcm16] = []
        # Keep a reference: ctypes callbacks are freed when the Python object is collected.
        self._callback = ctypes.CFUNCTYPE(
            ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
        )(self._collect)

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    @classmethod
    def _library(cls) -> Any:
        if cls._lib is None:
            import espeakng_loader

            lib = ctypes.CDLL(espeakng_loader.get_library_path())
            data = espeakng_loader.get_data_path().encode()
            cls._rate = lib.espeak_Initialize(2, 0, data, 0)  # 2 = AUDIO_OUTPUT_SYNCHRONOUS
            if cls._rate <= 0:
                raise SynthesisError("espeak_Initialize failed")
            cls._lib = lib
        return cls._lib

    def render(self, text: str) -> tuple[Pcm16, int]:
        with self._lock:
            lib = self._library()
            self._chunks = []
            lib.espeak_SetSynthCallback(self._callback)
            lib.espeak_SetVoiceByName(self._voice)
            lib.espeak_SetParameter(1, 160, 0)  # 1 = espeakRATE, words per minute
            data = text.encode() + b"\0"
            # 1 = POS_CHARACTER, 1 = espeakCHARS_UTF8
            status = lib.espeak_Synth(data, len(data), 0, 1, 0, 1, None, None)
            lib.espeak_Synchronize()
            chunks, self._chunks = self._chunks, []
        if status != 0:
            raise SynthesisError(f"espeak_Synth returned {status}")
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        return audio.astype(np.int16, copy=False), self._rate


def _pick_engine(engine: str | None) -> _Engine:
    flite = shutil.which("flite")
    if engine in (None, "flite") and flite:
        return _Flite(flite)
    if engine == "flite":
        raise SynthesisError("the flite binary is not installed (apt-get install flite)")
    if engine in (None, "espeak"):
        return _Espeak()
    raise ValueError(f"unknown TTS engine {engine!r}; use 'flite' or 'espeak'")


class Synthesizer:
    """Text → mono PCM16, with an LRU cache so identical replies are identical and cheap.

    ``engine`` is ``"flite"``, ``"espeak"`` or ``None`` (flite if installed, else espeak).
    The cache is keyed by (engine/voice, cleaned text, rate) and bounded by ``cache_size``
    entries and :data:`CACHE_BYTES`. With the speech memo on (``memo.memo_enabled``), callers
    asking for a text that is being rendered right now wait for that rendering instead of
    running the engine again (N sessions giving the same reply at once cost one flite run).
    Thread-safe. Returned arrays are read-only and shared between callers: copy before editing.
    """

    def __init__(
        self, engine: str | None = None, *, cache_size: int = 256, share: bool | None = None
    ) -> None:
        self._engine = _pick_engine(engine)
        self._cache: OrderedDict[tuple[str, str, int], Pcm16] = OrderedDict()
        self._cache_size = cache_size
        self._cached_bytes = 0
        self._lock = threading.Lock()
        share = memo_enabled() if share is None else share
        # finished audio stays in _cache (as before the memo); the memo only joins renderings
        # in flight, so it keeps no results of its own (max_entries 0)
        self._inflight: SpeechMemo[tuple[str, str, int], Pcm16] | None = (
            SpeechMemo(0) if share else None
        )

    @property
    def engine_name(self) -> str:
        """Engine and voice in use, e.g. ``"flite/kal16"`` or ``"espeak-ng/en-us"``."""
        return self._engine.name

    def forget(self) -> None:
        """Empty the cache (benches measuring a first hearing call it)."""
        with self._lock:
            self._cache.clear()
            self._cached_bytes = 0

    def synthesize(self, text: str, rate: int = 24000) -> Pcm16:
        """Speak ``text`` as PCM16 mono at ``rate`` Hz.

        Non-ASCII characters are folded or dropped and text beyond :data:`MAX_TTS_CHARS` is cut
        at a word boundary. Text with nothing speakable gives an empty array.

        Raises:
            SynthesisError: the engine failed.
        """
        cleaned = _clean_text(text)
        key = (self._engine.name, cleaned, rate)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        if self._inflight is None:
            audio = self._render(cleaned, rate)
        else:
            shared, owner = self._inflight.claim(key)
            if not owner:
                return shared.result()  # someone renders this text right now: share it
            try:
                audio = self._render(cleaned, rate)
            except BaseException as exc:
                shared.set_exception(exc)
                raise
            self._remember(key, audio)  # cached before joiners wake: no window for a re-render
            shared.set_result(audio)
            return audio
        self._remember(key, audio)
        return audio

    def _remember(self, key: tuple[str, str, int], audio: Pcm16) -> None:
        with self._lock:
            if key in self._cache:
                self._cached_bytes -= self._cache.pop(key).nbytes
            self._cache[key] = audio
            self._cached_bytes += audio.nbytes
            while len(self._cache) > self._cache_size or (
                self._cached_bytes > CACHE_BYTES and len(self._cache) > 1
            ):
                self._cached_bytes -= self._cache.popitem(last=False)[1].nbytes

    def _render(self, text: str, rate: int) -> Pcm16:
        if not any(ch.isalnum() for ch in text):
            audio = np.zeros(0, dtype=np.int16)
        else:
            native, native_rate = self._engine.render(text)
            audio = resample(native, native_rate, rate)
        audio.flags.writeable = False
        return audio


_default: Synthesizer | None = None
_default_lock = threading.Lock()


def default_synthesizer() -> Synthesizer:
    """The process-wide :class:`Synthesizer` (created on first use, engine auto-selected)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Synthesizer()
        return _default


def synthesize(text: str, rate: int = 24000) -> Pcm16:
    """Speak ``text`` with the shared synthesizer; see :meth:`Synthesizer.synthesize`."""
    return default_synthesizer().synthesize(text, rate)


def engine_name() -> str:
    """Name of the shared synthesizer's engine, e.g. ``"flite/kal16"``."""
    return default_synthesizer().engine_name
