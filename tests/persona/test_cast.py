"""Who gets a persona: different people who take part, by the evidence."""

from __future__ import annotations

from falsafa.extract.model import Character, Extraction, Quote
from falsafa.persona._cast import Evidence, choose_cast


def book(characters: list[Character], lines: dict[str, int], heard: dict[str, int]) -> Extraction:
    quotes = []
    offset = 0
    for who, n in lines.items():
        for _ in range(n):
            quotes.append(Quote(offset, offset + 10, '"A line."', who, None))
            offset += 20
    for who, n in heard.items():
        for _ in range(n):
            quotes.append(Quote(offset, offset + 10, '"A line."', None, who))
            offset += 20
    return Extraction(characters=tuple(characters), quotes=tuple(quotes))


def test_one_slot_per_person_and_no_title_words_or_families() -> None:
    cast = [
        Character("c1", "Elizabeth", ("Eliza", "Elizabeth Bennet"), 1000, "female", rank=1),
        Character("c2", "Lizzy", (), 150, "female", rank=2),  # her nickname, split off
        Character("c3", "Ma'am", (), 40, "female", rank=3),
        Character("c4", "Lucases", (), 30, "unknown", rank=4),
        Character("c5", "Charlotte Lucas", ("Charlotte",), 100, "female", rank=5),
        Character("c6", "Miss Bennet", (), 100, "female", rank=6),  # which sister?
        Character("c7", "Sir Lewis de Bourgh", (), 20, "male", rank=7),  # dead, talked of
        Character("c8", "Mary", ("Mary Bennet",), 30, "female", rank=8),
        Character("c9", "Mrs. Bennet", (), 300, "female", rank=9),
        Character("c10", "Bill Sike", (), 5, "male", rank=10),
        Character("c11", "Sikes", (), 50, "male", rank=11),  # a man, no plural
        Character("c12", "Highbury", (), 140, "unknown", rank=12),  # a place, "spoken to"
    ]
    lines = {"c1": 50, "c2": 10, "c3": 5, "c4": 3, "c5": 10, "c6": 5, "c7": 1, "c8": 5, "c9": 40}
    lines |= {"c10": 3, "c11": 10}
    extraction = book(cast, lines, {"c3": 10, "c2": 20, "c12": 5})
    chosen = choose_cast(cast, Evidence.of(extraction, {}), top_n=12)
    assert [c.name for c in chosen] == [
        "Elizabeth",
        "Mrs. Bennet",
        "Charlotte Lucas",
        "Sikes",
        "Mary",
        "Bill Sike",
    ]


def test_evidence_orders_the_cast_and_the_top_n_are_kept() -> None:
    cast = [
        Character("a", "Anne", (), 10, "female", rank=1),  # named often, barely speaks
        Character("b", "Bella", (), 5, "female", rank=2),
        Character("c", "Clara", (), 5, "female", rank=3),
    ]
    extraction = book(cast, {"a": 3, "b": 30, "c": 10}, {"c": 10})
    confident = {"b": 20}
    chosen = choose_cast(cast, Evidence.of(extraction, confident), top_n=2)
    assert [c.name for c in chosen] == ["Bella", "Clara"]


def test_mr_and_john_knightley_stay_two_people() -> None:
    cast = [
        Character("k", "Mr. Knightley", (), 300, "male", rank=1),
        Character("j", "John Knightley", ("Mr. John Knightley",), 50, "male", rank=2),
    ]
    extraction = book(cast, {"k": 30, "j": 10}, {})
    assert len(choose_cast(cast, Evidence.of(extraction, {}), top_n=12)) == 2
