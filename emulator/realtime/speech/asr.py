"""Offline speech recognition with pocketsphinx (en-us model shipped in the wheel).

Measured facts that shape this module:

- pocketsphinx keeps front-end state (noise estimate, cepstral mean) across utterances, so the
  same audio decoded after different audio gave different words. ``reinit_feat()`` before each
  utterance (0.1 ms) makes every transcript depend on its own audio only.
- ``process_raw`` holds the GIL for the whole decode (≈0.2–0.4× audio time). In an asyncio
  server that stalls every session, even from a worker thread: use :class:`ProcessRecognizer`
  (``asr_workers``) there, which decodes in separate processes, streaming as audio arrives.
- pocketsphinx returns "mm" for digital silence, and "" for white noise but only after decoding
  it 2-3× slower than speech; hence an energy gate and a spectral-flatness gate (white noise
  ≈0.55, flite speech ≈0.001, speech in -20 dB SNR noise ≈0.18 at the 25th percentile).
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import soxr

from .codecs import Pcm16, as_pcm16, resample

__all__ = [
    "ASR_RATE",
    "DecoderStream",
    "Recognizer",
    "Transcriber",
    "decode_whole",
    "default_recognizer",
    "new_decoder",
]

#: The acoustic model's sample rate; input at other rates is resampled with soxr.
ASR_RATE = 16000
_MIN_SAMPLES = ASR_RATE // 10  # under 100 ms nothing can be said
_GATE_FRAME = ASR_RATE * 30 // 1000
# Loudest 30 ms frame below this RMS (≈ -50 dBFS) means "nobody spoke".
_GATE_RMS = 32768 * 10 ** (-50 / 20)
# Audible frames this spectrally flat (25th percentile) are broadband noise, not a voice.
_GATE_FLATNESS = 0.3


class Transcriber(Protocol):
    """Anything that turns PCM16 mono audio into a lower-case transcript."""

    def transcribe(self, pcm16: bytes | npt.ArrayLike, rate: int = 24000) -> str: ...


def _no_speech(samples: Pcm16) -> bool:
    if samples.size < _MIN_SAMPLES:
        return True
    usable = samples.size // _GATE_FRAME * _GATE_FRAME
    frames = samples[:usable].astype(np.float64).reshape(-1, _GATE_FRAME)
    audible = frames[np.sqrt(np.mean(frames**2, axis=1)) >= _GATE_RMS]
    if audible.size == 0:
        return True
    power = np.abs(np.fft.rfft(audible * np.hanning(_GATE_FRAME), axis=1)) ** 2 + 1e-9
    flatness = np.exp(np.mean(np.log(power), axis=1)) / np.mean(power, axis=1)
    return bool(np.percentile(flatness, 25) > _GATE_FLATNESS)


#: pocketsphinx options, over a dictionary of the model's 20k most probable words
#: (``vocabulary.py``; pass ``dict`` to use another). Measured with bench/speech_wer.py (its
#: streamed set: replies + fixtures) and 40 other flite sentences (WER, CPU per audio second):
#: full 134k dictionary, maxhmmpf 5000 (the old default): 1.7 % / 9.0 %, CPU RTF 0.36 / 0.21;
#: 20k words, maxhmmpf 3000: 1.7 % / 7.7 %, 0.16 / 0.15; plus wbeam 1e-20 (library 7e-29; fewer
#: word exits, so a ≈30 % shorter final pass): 1.7 % / 7.7 %, 0.12 / 0.12 (chosen; replies
#: decoded whole: CPU RTF 0.11, was 0.33, WER 2.2 % as before).
#: Rejected: 10k words: 10.3 % on the other sentences (OOV words); 5k words: 8.6 % on the bench
#: set; wbeam 1e-15: 10.6 %; beam/pbeam 1e-40: 12-16 %; lpbeam 1e-30 + lponlybeam 1e-20: 3.4 %
#: on the bench set; topn 2 read "france" as "friends"; bestpath off: +1 point; fwdflatefwid 2
#: + fwdflatsfwin 10, lponlybeam 1e-24, maxhmmpf 2000: no gain beyond the noise.
#: Before the vocabulary (full dictionary): maxhmmpf 2500 (after other utterances it misread a
#: smoke fixture, "repeat after me" → "read the doctor may"), a phone lookahead (pl_window 5),
#: narrower fwdflat beams or frame downsampling (ds 2): 6–18 points of WER; no fwdflat pass:
#: 3 points (it is the final pass, ≈70 ms of CPU at the end of a turn).
DECODER_DEFAULTS: dict[str, Any] = {"loglevel": "FATAL", "maxhmmpf": 3000, "wbeam": 1e-20}


def new_decoder(options: dict[str, Any]) -> Any:
    """A pocketsphinx ``Decoder`` with the project's defaults (≈0.2–0.5 s, ≈60 MB)."""
    from pocketsphinx import Decoder

    from .vocabulary import vocabulary_dictionary

    settings = {**DECODER_DEFAULTS, **options, "samprate": ASR_RATE}
    settings.setdefault("dict", str(vocabulary_dictionary()))
    return Decoder(**settings)


def _hypothesis(decoder: Any) -> str:
    hyp = decoder.hyp()
    return " ".join(hyp.hypstr.split()) if hyp is not None else ""


def decode_whole(decoder: Any, samples: Pcm16) -> str:
    """One utterance (16 kHz samples) decoded in one call."""
    decoder.reinit_feat()  # forget the previous utterance's noise and CMN estimates
    decoder.start_utt()
    decoder.process_raw(samples.tobytes(), full_utt=True)
    decoder.end_utt()
    return _hypothesis(decoder)


class DecoderStream:
    """One utterance decoded while it arrives: ``feed`` PCM16 chunks, then ``finish``.

    Most of the work happens in ``feed``, so when speech stops only the last chunk and the
    decoder's final pass remain. The result follows the same gates as
    :meth:`Recognizer.transcribe` (silence, noise, under 100 ms → ``""``).

    The final pass (≈100 ms of CPU, measured) can run before the end is certain: ``pause``
    when the speaker has been silent for a while ends the decoder's utterance and keeps its
    hypothesis; audio fed afterwards is kept but not decoded (it is silence, or ``resume``
    comes). ``resume`` (the speaker went on) decodes everything fed so far again, from the
    start, and streaming continues; ``finish`` after a ``pause`` returns the kept hypothesis.
    """

    def __init__(self, decoder: Any, rate: int = 24000) -> None:
        self.decoder = decoder
        self._resampler = (
            None if rate == ASR_RATE else soxr.ResampleStream(rate, ASR_RATE, 1, dtype="int16")
        )
        self._samples: list[Pcm16] = []
        self._paused: str | None = None  # the hypothesis of a paused (ended) utterance
        decoder.reinit_feat()
        decoder.start_utt()

    @property
    def paused(self) -> bool:
        """Whether the final pass already ran (``pause``) and no ``resume`` came since."""
        return self._paused is not None

    def feed(self, pcm16: bytes) -> None:
        """Decode another chunk (mono PCM16 LE at the stream's rate)."""
        self._push(as_pcm16(pcm16), last=False)

    def pause(self) -> None:
        """Run the final pass now on the audio so far (the speaker may have finished)."""
        if self._paused is None:
            self.decoder.end_utt()
            self._paused = _hypothesis(self.decoder)

    def resume(self) -> None:
        """The speaker went on after a ``pause``: decode all the audio again and go on."""
        if self._paused is not None:
            self._paused = None
            self.decoder.reinit_feat()
            self.decoder.start_utt()
            if self._samples:
                self.decoder.process_raw(np.concatenate(self._samples).tobytes(), full_utt=False)

    def finish(self) -> str:
        """End the utterance and return its transcript; the decoder is free again."""
        self._push(np.zeros(0, np.int16), last=True)
        if self._paused is None:
            self.decoder.end_utt()
            text = _hypothesis(self.decoder)
        else:
            text = self._paused
        samples = np.concatenate(self._samples) if self._samples else np.zeros(0, np.int16)
        return "" if _no_speech(samples) else text

    def cancel(self) -> None:
        """Abandon the utterance (the decoder is free again)."""
        if self._paused is None:
            self.decoder.end_utt()

    def _push(self, samples: Pcm16, last: bool) -> None:
        if self._resampler is not None:
            samples = np.asarray(self._resampler.resample_chunk(samples, last=last), dtype=np.int16)
        if samples.size:
            samples = samples.astype("<i2", copy=False)
            self._samples.append(samples)
            if self._paused is None:
                self.decoder.process_raw(samples.tobytes(), full_utt=False)


class Recognizer:
    """In-process pocketsphinx recogniser; thread-safe (one decoder behind a lock).

    The decoder (≈0.3–1 s to load, ≈90 MB) is created on first use. Extra keyword arguments
    are pocketsphinx config options over :data:`DECODER_DEFAULTS`.
    """

    def __init__(self, **decoder_options: Any) -> None:
        self._options = decoder_options
        self._decoder: Any = None
        self._lock = threading.Lock()

    def _ensure_decoder(self) -> Any:
        if self._decoder is None:
            self._decoder = new_decoder(self._options)
        return self._decoder

    def load(self) -> None:
        """Load the model now rather than on the first :meth:`transcribe`."""
        with self._lock:
            self._ensure_decoder()

    def transcribe(self, pcm16: bytes | npt.ArrayLike, rate: int = 24000) -> str:
        """Return what was said in ``pcm16`` (mono int16 samples or LE bytes at ``rate`` Hz).

        The result is lower-case words without punctuation; numbers come out as words.
        Silence, broadband noise and audio shorter than 100 ms give ``""`` without decoding.
        Blocks for ≈0.2–0.5× the audio duration while holding the GIL.
        """
        samples = resample(as_pcm16(pcm16), rate, ASR_RATE)
        if _no_speech(samples):
            return ""
        with self._lock:
            return decode_whole(self._ensure_decoder(), samples)


_default: Recognizer | None = None
_default_lock = threading.Lock()


def default_recognizer() -> Recognizer:
    """The process-wide :class:`Recognizer` (its model loads on first transcription)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Recognizer()
        return _default
