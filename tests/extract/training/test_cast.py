"""Training the cast's person scorer: labels from the official scorer's name
matching, a one-to-one merged/split count that a shared surname does not
fool, and weights that cover every feature the extractor computes."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from falsafa.extract.training.cast import (
    THRESHOLDS,
    choose_threshold,
    one_to_one,
    read_cast,
    train_cast,
)
from falsafa.extract.training.gold import GoldBook
from tests.extract.conftest import shared_dir


@pytest.fixture(autouse=True)
def _scorer() -> None:
    if not (shared_dir() / "tools" / "score_extraction.py").is_file():
        pytest.skip("the official scorer is not in ../shared/tools")


def _gold(*names: list[str]) -> dict[str, object]:
    return {
        "characters": [
            {"id": str(i), "names": n, "mention_count": 10, "main": True}
            for i, n in enumerate(names)
        ]
    }


def _char(i: int, name: str, *aliases: str) -> dict[str, object]:
    return {"id": f"c{i}", "name": name, "aliases": list(aliases)}


def test_a_shared_surname_neither_merges_nor_splits_one_to_one() -> None:
    gold = _gold(["Mr. Hale", "Richard Hale"], ["Mrs. Hale", "Maria Hale"])
    chars = [_char(1, "Hale"), _char(2, "Mr. Hale"), _char(3, "Maria Hale", "Mrs. Hale")]
    assert one_to_one(gold, chars) == (0, 0)


def test_one_person_in_two_clusters_is_split_and_two_in_one_merged() -> None:
    gold = _gold(["Mr. Hale", "Richard Hale"], ["Mrs. Hale", "Maria Hale"], ["Dixon"])
    chars = [_char(1, "Richard Hale"), _char(2, "Mr. Hale", "Dixon"), _char(3, "Mrs. Hale")]
    merged, split = one_to_one(gold, chars)
    assert (merged, split) == (1, 1)


_TEXT = (
    "Mr. Hale walked by Temple Bar with Margaret. “We are late,” said Mr. Hale. "
    "The Temple Bar stood on the hill, and Margaret passed the Temple Bar.\n\n"
    "“Come in,” Margaret said. Mr. Hale smiled at Margaret, and he went in. "
    "Near Temple Bar the road turned; by Temple Bar a river ran.\n"
)


def _book(name: str) -> GoldBook:
    gold = {**_gold(["Mr. Hale"], ["Margaret Hale"]), "book_id": name, "text": _TEXT, "quotes": []}
    return GoldBook(name, "litbank", _TEXT, gold, False)


def test_clusters_are_labelled_by_the_scorers_name_matching() -> None:
    cast = read_cast(_book("a"))
    labels = {names[0]: y for names, y in zip(cast.names, cast.labels, strict=True)}
    assert labels["Mr. Hale"] == 1 and labels["Margaret"] == 1
    assert labels["Temple Bar"] == 0


def test_the_trained_model_keeps_the_speakers_and_drops_the_house() -> None:
    model = train_cast([_book("a"), _book("b")])["person"]
    cast = read_cast(_book("c"))
    p = {n[0]: model.probability(f) for n, f in zip(cast.names, cast.features, strict=True)}
    assert p["Mr. Hale"] > p["Temple Bar"]
    assert p["Margaret"] > p["Temple Bar"]


def test_the_threshold_is_chosen_among_the_candidates_by_cross_validation() -> None:
    casts = [read_cast(_book(n)) for n in "abc"]
    chosen = choose_threshold(casts)
    assert chosen in THRESHOLDS
    assert train_cast([_book("a"), _book("b")])["person"].threshold in THRESHOLDS
    # One book makes no cross-validation: the lowest threshold.
    assert choose_threshold(casts[:1]) == THRESHOLDS[0]


def test_the_packaged_weights_name_every_feature() -> None:
    doc = json.loads(
        (resources.files("falsafa.extract") / "weights" / "person.json").read_text("utf-8")
    )
    cast = read_cast(_book("a"))
    seen = {k for f in cast.features for k in f}
    assert seen and seen <= set(doc["weights"])
    assert isinstance(doc["bias"], float) and doc["threshold"] in THRESHOLDS
