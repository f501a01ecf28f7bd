"""The recogniser's vocabulary: the most probable words of the language model pocketsphinx ships.

pocketsphinx searches every word that is both in its pronouncing dictionary (134k entries)
and in its language model (72.5k words). Most of the search is spent on words nobody says to
a voice assistant: a dictionary of the model's own :data:`VOCABULARY_WORDS` most probable
words (by unigram probability, every pronunciation kept) halves the CPU per utterance on
``bench/speech_wer.py`` with the same WER there, and a lower WER on other flite sentences
(measured; see the comment over ``asr.DECODER_DEFAULTS``). Nothing is downloaded: the list is
built from the installed model in ≈0.3 s, once, and cached as a dictionary file named after
what it was built from (so a new pocketsphinx model gets a new file).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

__all__ = ["CACHE_ENV", "VOCABULARY_WORDS", "vocabulary_dictionary"]

#: 10k words cost another ≈25 % of CPU but misread more everyday sentences (measured).
VOCABULARY_WORDS = 20_000
#: Where the built dictionary is kept (default ``$XDG_CACHE_HOME/realtime-toolkit/asr``, beside
#: provision's ``tokens``).
CACHE_ENV = "REALTIME_EMULATOR_CACHE"
_FORMAT = b"vocabulary-1"  # bump when the way the list is built changes
_lock = threading.Lock()
_built: dict[int, Path] = {}  # per process: the fingerprint reads the 3 MB dictionary


def _model_dir() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us"


def _cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "realtime-toolkit" / "asr"


def _fingerprint(dictionary: Path, model: Path, words: int) -> str:
    digest = hashlib.blake2b(_FORMAT, digest_size=10)
    digest.update(dictionary.read_bytes())
    digest.update(f"{model.stat().st_size}:{words}".encode())
    return digest.hexdigest()


def _ranked_entries(dictionary: Path, model: Path, words: int) -> list[str]:
    """The dictionary lines of the ``words`` most probable words, in the dictionary's order."""
    from pocketsphinx import NGramModel

    lm = NGramModel.readfile(str(model))
    lines = dictionary.read_text(encoding="utf-8").splitlines(keepends=True)
    heads = {line.split(" ", 1)[0].split("(", 1)[0] for line in lines if line.strip()}
    unknown = lm.prob(["\x00not-a-word\x00"])  # what the model says for a word it lacks
    scored = [(lm.prob([word]), word) for word in heads]
    known = sorted((s for s in scored if s[0] > unknown), key=lambda s: (-s[0], s[1]))
    keep = {word for _, word in known[:words]}
    return [line for line in lines if line.split(" ", 1)[0].split("(", 1)[0] in keep]


def _write_atomically(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.writelines(lines)
        os.replace(temporary, path)  # two processes building at once both write the same file
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def vocabulary_dictionary(words: int = VOCABULARY_WORDS) -> Path:
    """Path of a pocketsphinx dictionary holding the ``words`` most probable words.

    Built on first use from the installed model and kept in the cache directory
    (``REALTIME_EMULATOR_CACHE``, else ``$XDG_CACHE_HOME/realtime-toolkit/asr``); when that
    directory cannot be written, in the system's temporary directory.
    """
    with _lock:
        if words in _built and _built[words].is_file():
            return _built[words]
        _built[words] = path = _build(words)
        return path


def _build(words: int) -> Path:
    model_dir = _model_dir()
    dictionary, model = model_dir / "cmudict-en-us.dict", model_dir / "en-us.lm.bin"
    name = f"asr-vocabulary-{words}-{_fingerprint(dictionary, model, words)}.dict"
    fallback = Path(tempfile.gettempdir()) / f"realtime-emulator-{os.getuid()}"
    for folder in (_cache_dir(), fallback):
        path = folder / name
        if path.is_file():
            return path
        try:
            _write_atomically(path, _ranked_entries(dictionary, model, words))
        except OSError:
            continue
        return path
    raise OSError("no writable directory for the recogniser's vocabulary")
