"""Voice lines by certainty: only lines whose speaker is sure speak for a character."""

from __future__ import annotations

import uuid

from falsafa.book import detect_chapters
from falsafa.extract.model import Character, Extraction, Quote
from falsafa.persona import build_character_records
from falsafa.persona._voice import select_quotes

BOOK_ID = uuid.UUID("00000000-0000-4000-8000-000000000018")
FILLER = "The rain went on over the moor and the house was quiet all afternoon. " * 4

# (line, speaker the extractor gave, frame written after it, scorer confidence)
LINES = [
    ("I shall walk to the village before the storm breaks", "alice", " said Alice.", None),
    ("The kettle is singing again in the kitchen", "alice", " Alice replied.", None),
    ("Nobody ever listens to me about the roof", "alice", "", 0.995),
    ("Perhaps the post will come tomorrow after all", "alice", "", 0.95),
    ("Perhaps it will, perhaps it will not", "alice", "", None),
    ("Hand me the lantern, there's a good fellow", "alice", " said Bob.", 0.99),
    ("I have mended the gate by the orchard wall", "bob", " said Bob.", None),
    ("The horses are restless in this weather", "bob", " Bob muttered.", None),
    ("We must bring the sheep down from the hill", "bob", " said Bob.", None),
]


def make_book() -> tuple[str, Extraction]:
    text = f"CHAPTER I\n\n{FILLER}\n\n"
    quotes = []
    for line, speaker, frame, confidence in LINES:
        start = len(text)
        text += f'"{line},"{frame}\n\n{FILLER}\n\n'
        quotes.append(Quote(start, start + len(line) + 3, f'"{line},"', speaker, None, confidence))
    characters = (
        Character("alice", "Alice", mention_count=20, gender="female", rank=1),
        Character("bob", "Bob", mention_count=10, gender="male", rank=2),
    )
    return text, Extraction(characters=characters, quotes=tuple(quotes))


def test_framed_and_confident_lines_only() -> None:
    text, extraction = make_book()
    records = build_character_records(BOOK_ID, extraction, text, detect_chapters(text))
    alice = next(r for r in records if r.name == "Alice")
    lines = {q["text"]: q["confidence"] for q in alice.facts["quotes"]}
    assert lines == {
        "I shall walk to the village before the storm breaks,": 1.0,
        "The kettle is singing again in the kitchen,": 1.0,
        "Nobody ever listens to me about the roof,": 0.995,
    }
    # Less sure (0.95), unknown (None) and contradicted ("said Bob") lines are
    # out, and so out of her speech habits too.
    assert alice.facts["speech"]["quotes"] == 3
    bob = next(r for r in records if r.name == "Bob")
    assert len(bob.facts["quotes"]) == 3
    assert "Hand me the lantern" not in bob.persona_prompt + alice.persona_prompt


def test_the_surest_line_wins_its_stretch_of_the_book() -> None:
    # Twelve lines, two stretches: in each, one framed line (1.0) against
    # richer lines the scorer is less sure of; the framed one is kept.
    pairs = []
    names = "one two three four five six seven eight nine ten eleven twelve".split()
    for i in range(12):
        framed = i in (2, 9)
        words = f"a plain line {names[i]}"
        if not framed:
            words = f"a much richer line full of words: {names[i]}, unusual and varied"
        pairs.append((Quote(i * 100, i * 100 + 60, f'"{words}"', "alice"), 1.0 if framed else 0.95))
    chosen = select_quotes(pairs, keep=2, skip_first=0)
    assert [q.start for q, _ in chosen] == [200, 900]
    assert [sure for _, sure in chosen] == [1.0, 1.0]
    # With fewer framed lines than places, the scorer's surest fill them.
    pairs[9] = (pairs[9][0], 0.95)
    pairs[5] = (pairs[5][0], 0.99)
    chosen = select_quotes(pairs, keep=2, skip_first=0)
    assert [(q.start, sure) for q, sure in chosen] == [(200, 1.0), (500, 0.99)]
