"""Converting real BookNLP output (Emma) and refusing to run without models."""

from __future__ import annotations

from pathlib import Path

import pytest

from falsafa.extract.booknlp import MODEL_FILES, BookNLPExtractor, convert_files
from falsafa.extract.model import Character, Extraction, ExtractorUnavailable


@pytest.fixture(scope="module")
def emma() -> tuple[str, Extraction]:
    from tests.extract.conftest import shared_dir

    d = shared_dir() / "data" / "booknlp" / "emma"
    if not d.is_dir():
        pytest.skip(f"no BookNLP sample at {d}")
    text = (d / "158_emma.txt").read_text(encoding="utf-8")
    return text, convert_files(text, d, "158_emma")


def test_top_characters_and_merged_aliases(emma: tuple[str, Extraction]) -> None:
    _text, result = emma
    top = [c.name for c in result.characters[:12]]
    for name in (
        "Emma",
        "Harriet",
        "Mr. Knightley",
        "Mr. Elton",
        "Mr. Woodhouse",
        "Frank Churchill",
    ):
        assert name in top
    by: dict[str, Character] = {}
    for c in result.characters:
        by.setdefault(c.name, c)  # BookNLP itself leaves a few small duplicate clusters
    assert "Emma Woodhouse" in by["Emma"].aliases
    assert {"Miss Smith", "Harriet Smith"} <= set(by["Harriet"].aliases)
    assert "Frank" in by["Frank Churchill"].aliases
    assert by["Emma"].gender == "female" and by["Mr. Knightley"].gender == "male"
    assert [c.rank for c in result.characters[:3]] == [1, 2, 3]


def test_quotes_and_mentions_land_on_their_text(emma: tuple[str, Extraction]) -> None:
    text, result = emma
    assert len(result.quotes) > 2000
    first = result.quotes[0]
    assert text[first.start : first.end].startswith("“Poor Miss Taylor!")
    assert text[first.start : first.end].endswith("”")
    emma_id = next(c.id for c in result.characters if c.name == "Emma")
    proper = [m for m in result.mentions if m.character_id == emma_id and m.kind == "proper"]
    assert len(proper) > 500
    assert all(text[m.start : m.end] == m.text for m in proper)
    assert sum(m.text.startswith("Emma") for m in proper) > 0.9 * len(proper)
    spoken = [q for q in result.quotes if q.speaker == emma_id]
    assert len(spoken) > 100


def test_missing_models_are_named_with_their_directory(tmp_path: Path) -> None:
    with pytest.raises(ExtractorUnavailable) as err:
        BookNLPExtractor(tmp_path)
    msg = str(err.value)
    for name in MODEL_FILES["big"]:
        assert name in msg
    assert str(tmp_path) in msg
    assert "google/bert_uncased_L-12_H-768_A-12" in msg
