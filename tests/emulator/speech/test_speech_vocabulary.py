"""The recogniser's vocabulary: the language model's most probable words, built once, cached."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.realtime.speech import asr, vocabulary
from emulator.realtime.speech.text import normalize_text


def _heads(path: Path) -> set[str]:
    return {line.split(" ", 1)[0].split("(", 1)[0] for line in path.read_text().splitlines()}


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty cache directory and no per-process memory of earlier builds."""
    monkeypatch.setattr(vocabulary, "_built", {})
    monkeypatch.setenv(vocabulary.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_holds_the_most_probable_words_with_every_pronunciation(fresh: Path) -> None:
    path = vocabulary.vocabulary_dictionary(2000)
    assert path.parent == fresh
    heads = _heads(path)
    assert len(heads) == 2000
    assert {"the", "you", "said", "after", "me", "seven"} <= heads
    assert "harbor" not in heads  # rank ≈7000 in the model: outside the 2000 most probable
    lines = path.read_text().splitlines()
    assert any(line.startswith("the(2) ") for line in lines)  # alternates are kept


def test_the_default_vocabulary_covers_what_the_emulator_hears_and_says(
    fresh: Path, prompts: dict[str, dict[str, object]]
) -> None:
    heads = _heads(vocabulary.vocabulary_dictionary())
    assert len(heads) == vocabulary.VOCABULARY_WORDS
    spoken = " ".join(str(p["text"]) for p in prompts.values())
    spoken += " sorry i did not hear anything you said purple mountain nine seattle paris"
    spoken += " zero one two three four five six eight ten twenty thirty forty fifty hundred"
    spoken += " thousand kitchen lights weather today"
    assert set(normalize_text(spoken).split()) <= heads


def test_built_once_then_read_from_the_cache(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = vocabulary.vocabulary_dictionary(500)
    built = first.stat().st_mtime_ns
    monkeypatch.setattr(vocabulary, "_built", {})  # as a new process would
    monkeypatch.setattr(vocabulary, "_ranked_entries", _must_not_run)
    assert vocabulary.vocabulary_dictionary(500) == first
    assert first.stat().st_mtime_ns == built
    assert [p.name for p in fresh.iterdir()] == [first.name]  # no temporary file left


def _must_not_run(*args: object) -> list[str]:
    raise AssertionError("the vocabulary was rebuilt instead of read from the cache")


def test_an_unwritable_cache_falls_back_to_the_temporary_directory(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv(vocabulary.CACHE_ENV, str(blocked / "cache"))
    monkeypatch.setattr(vocabulary.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    path = vocabulary.vocabulary_dictionary(300)
    assert path.parent.parent == tmp_path / "tmp"
    assert len(_heads(path)) == 300


def test_decoders_use_the_vocabulary_unless_given_a_dictionary(fresh: Path) -> None:
    decoder = asr.new_decoder({})
    assert decoder.lookup_word("hello") is not None
    assert decoder.lookup_word("realtime") is None  # in the full dictionary, rank ≈112000
    assert Path(decoder.config["dict"]).parent == fresh
    full = vocabulary._model_dir() / "cmudict-en-us.dict"
    assert asr.new_decoder({"dict": str(full)}).lookup_word("realtime") is not None
