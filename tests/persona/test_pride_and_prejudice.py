"""Pride and Prejudice (PDNC train): personas a reader recognises, measured on gold.

The voice lines are scored as bench/voice_lines.py scores them: a line is
the character's when the gold speaker of the quote it overlaps is the gold
character the official scorer pairs with the persona's character.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from falsafa.book import detect_chapters
from falsafa.extract.builtin import BuiltinExtractor
from falsafa.extract.training.gold import assignment, scorer
from falsafa.persona import build_character_records
from falsafa.store.base import CharacterRecord
from tests.extract.conftest import shared_dir

GOLD = shared_dir() / "data" / "pdnc" / "train" / "PrideAndPrejudice.json"
# The cast issue's acceptance list: each one person.
CAST = [
    "Elizabeth", "Jane", "Lydia", "Kitty", "Mary", "Mr. Bennet", "Mrs. Bennet", "Mr. Darcy",
    "Mr. Bingley", "Miss Bingley", "Mr. Wickham", "Mr. Collins", "Charlotte Lucas",
    "Lady Catherine", "Colonel Fitzwilliam", "Mr. Gardiner", "Mrs. Gardiner",
]  # fmt: skip

pytestmark = pytest.mark.skipif(not GOLD.is_file(), reason=f"no {GOLD}")


@pytest.fixture(scope="module")
def book() -> tuple[dict[str, Any], list[CharacterRecord], dict[str, int]]:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    text = gold["text"]
    extraction = BuiltinExtractor().extract(text)
    records = build_character_records(uuid.uuid4(), extraction, text, detect_chapters(text))
    pred_to_gold = {p: j for j, p in assignment(gold, extraction.to_score_json()).items()}
    return gold, records, pred_to_gold


def persona(records: list[CharacterRecord], name: str) -> CharacterRecord:
    return next(r for r in records if r.name == name)


def lines_right(
    gold: dict[str, Any], record: CharacterRecord, pred_to_gold: dict[str, int]
) -> tuple[int, int]:
    s = scorer()
    spans = sorted((q["char_start"], q["char_end"], k) for k, q in enumerate(gold["quotes"]))
    index = s.SpanIndex([(a, b) for a, b, _ in spans])
    mine = pred_to_gold.get(record.facts["extractor_id"])
    want = gold["characters"][mine]["id"] if mine is not None else object()
    right = 0
    for q in record.facts["quotes"]:
        k = index.first_overlap((q["start"], q["end"]))
        right += k is not None and gold["quotes"][spans[k][2]].get("speaker_id") == want
    return right, len(record.facts["quotes"])


def test_every_one_of_elizabeths_lines_is_hers(book: Any) -> None:
    gold, records, pred_to_gold = book
    right, total = lines_right(gold, persona(records, "Elizabeth"), pred_to_gold)
    assert total >= 20 and right == total


def test_every_one_of_darcys_lines_is_his(book: Any) -> None:
    gold, records, pred_to_gold = book
    right, total = lines_right(gold, persona(records, "Mr. Darcy"), pred_to_gold)
    assert total >= 5 and right == total


def test_descriptors_are_words_the_novel_uses_of_them(book: Any) -> None:
    gold, records, _ = book
    text = gold["text"]
    for name in ("Elizabeth", "Mr. Darcy"):
        record = persona(records, name)
        titles = {"Mr.", "Mrs.", "Miss", "Colonel", "Lady"}
        names = {w for n in (record.name, *record.aliases) for w in n.split() if w not in titles}
        assert record.facts["descriptors"], name
        for d in record.facts["descriptors"]:
            # The word stands where the book first applies it, and one of the
            # character's names is in the same sentence.
            assert text[d["start"] : d["start"] + len(d["text"])].lower() == d["text"]
            around = text[d["start"] - 200 : d["start"] + 200]
            sentence = re.split(r"(?<!Mr)(?<!Mrs)[.!?]\s", around)
            near = next(s for s in sentence if d["text"] in s.lower())
            assert names & set(re.findall(r"[A-Z]\w+", near)), (name, d["text"], near)


def test_twelve_slots_are_twelve_different_people_of_the_cast(book: Any) -> None:
    gold, records, pred_to_gold = book
    s = scorer()
    assert len(records) == 12
    people = [pred_to_gold.get(r.facts["extractor_id"]) for r in records]
    assert None not in people and len(set(people)) == 12
    for r, j in zip(records, people, strict=True):
        gold_names = gold["characters"][j]["names"]  # type: ignore[index]
        assert any(s.names_match(c, g) for c in CAST for g in gold_names), (r.name, gold_names)
    assert not {"Lizzy", "Ma'am", "Miss Bennet", "Sir Lewis de Bourgh"} & {r.name for r in records}
