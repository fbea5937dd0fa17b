"""Personas from hand-made extractions: facts, position filtering, refinement."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import trio
from trio.testing import MockClock

from falsafa.book import detect_chapters, position_to_offset
from falsafa.extract.model import Character, Extraction, Mention, Quote, Relation
from falsafa.persona import (
    LlmCall,
    apply_refined_description,
    build_character_records,
    refine_description,
    render_persona,
)
from falsafa.store.base import CharacterRecord, character_uuid

Marsh = tuple[str, Extraction]
BOOK_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
FILLER = " ".join(["The afternoon went by slowly in the house by the marsh."] * 6)

# (speaker, addressee, line): Alice says a dozen distinct lines, Bob answers.
CHAPTER_ONE = [
    ("alice", "bob", "Good morning, Mr. Bob, I wonder about the marmalade again."),
    ("bob", "alice", "It isn't ready yet, Miss Alice, and I can't hurry it."),
    ("alice", "bob", "Then I shall wait, though the marmalade is a trial to my patience."),
    ("alice", None, "Whatever is the matter with the kettle this morning?"),
    ("bob", "alice", "Nothing's the matter with it, Miss Alice, you'll see."),
    ("alice", "bob", "The marmalade must be finished before the vicar arrives, Mr. Bob!"),
    ("alice", "bob", "Good morning, Mr. Bob, I wonder about the marmalade again."),
    ("alice", None, "The geese on the marsh have been noisy since dawn."),
    ("alice", "bob", "Remember the candles for the dining room, Mr. Bob."),
    ("alice", None, "Oh, what a wretched draught comes under that door!"),
]
CHAPTER_TWO = [
    ("alice", "bob", "I have decided that the marmalade shall be sent to the county fair."),
    ("alice", None, "Does anybody know where the silver spoons have gone?"),
    ("alice", "bob", "You must fetch the lanterns from the stable, Mr. Bob."),
    ("bob", "alice", "I'll do it directly, Miss Alice, don't you worry."),
    ("alice", None, "How splendid the marmalade looks in the evening light!"),
    ("alice", "bob", "Tell nobody about the locked drawer in the study, Mr. Bob."),
    ("alice", None, "The treasure was under the floorboards all along, I am certain of it."),
]


def make_book() -> tuple[str, Extraction]:
    parts: list[str] = ["THE MARSH HOUSE\n\n"]
    quotes: list[Quote] = []
    mentions: list[Mention] = []
    for title, lines in (("CHAPTER I", CHAPTER_ONE), ("CHAPTER II", CHAPTER_TWO)):
        parts.append(f"{title}\n\n{FILLER}\n\n")
        for speaker, addressee, line in lines:
            offset = sum(map(len, parts))
            quotes.append(Quote(offset, offset + len(line) + 2, f'"{line}"', speaker, addressee))
            name = {"alice": "Alice", "bob": "Bob"}[speaker]
            tail = f" said {name}."
            mention_at = offset + len(line) + 2 + len(" said ")
            mentions.append(Mention(mention_at, mention_at + len(name), name, speaker))
            parts.append(f'"{line}"{tail}\n\n')
        if title == "CHAPTER II":
            offset = sum(map(len, parts))
            parts.append("Dora, whom Alice called Ally in private, came home.\n\n")
            mentions.append(Mention(offset, offset + 4, "Dora", "dora"))
            ally = offset + len("Dora, whom Alice called ")
            mentions.append(Mention(ally, ally + 4, "Ally", "alice"))
        parts.append(FILLER + "\n\n")
    text = "".join(parts)
    chapter_two = text.index("CHAPTER II")
    dora_at = text.index("Dora,")
    characters = (
        Character(
            "alice",
            "Alice",
            aliases=("Ally", "Miss Alice"),
            mention_count=30,
            gender="female",
            pronouns="she/her",
            descriptors=(("brisk", 200), ("secretive", chapter_two + 50)),
            actions=(("waited", 300),),
            first_offset=text.index("Alice"),
            rank=1,
        ),
        Character("bob", "Bob", ("Mr. Bob",), 20, "male", "he/him", first_offset=300, rank=2),
        Character("dora", "Dora", (), 2, "female", first_offset=dora_at, rank=3),
    )
    relations = (
        Relation("alice", "bob", "speaks_to", 8, quotes[0].start),
        Relation("bob", "alice", "speaks_to", 3, quotes[1].start),
        Relation("alice", "dora", "co_occurs", 1, dora_at),
    )
    return text, Extraction(characters, tuple(quotes), tuple(mentions), relations)


@pytest.fixture
def book() -> Marsh:
    return make_book()


def records_for(book: Marsh) -> list[CharacterRecord]:
    text, extraction = book
    return build_character_records(
        BOOK_ID, extraction, text, detect_chapters(text), top_n=5, book_title="The Marsh House"
    )


def test_records_are_ranked_idempotent_and_skip_thin_characters(book: Marsh) -> None:
    first, second = records_for(book), records_for(book)
    assert [r.name for r in first] == ["Alice", "Bob"]  # Dora has no material
    assert [r.id for r in first] == [r.id for r in second]
    assert first[0].id == character_uuid(BOOK_ID, "alice")
    assert [r.rank for r in first] == [1, 2]
    assert first[0].persona_prompt == render_persona(first[0].facts, None)


def test_facts_keep_offsets_and_chapters(book: Marsh) -> None:
    text, _ = book
    alice = records_for(book)[0].facts
    chapter_two = text.index("CHAPTER II")
    for key in ("aliases", "addressed_as", "descriptors", "quotes", "relations", "favourite_words"):
        assert alice[key], key
        for fact in alice[key]:
            assert fact["chapter"] == (1 if fact["start"] < chapter_two else 2), (key, fact)
    for q in alice["quotes"]:
        assert q["text"] in text[q["start"] : q["end"]]


def test_voice_quotes_are_varied(book: Marsh) -> None:
    quotes = [q["text"] for q in records_for(book)[0].facts["quotes"]]
    assert len(quotes) == len(set(quotes)), "duplicates kept"
    assert "Good morning, Mr. Bob, I wonder about the marmalade again." not in quotes  # first five
    assert {q["chapter"] for q in records_for(book)[0].facts["quotes"]} == {1, 2}


def test_speech_traits_and_address(book: Marsh) -> None:
    alice, bob = (r.facts for r in records_for(book))
    assert alice["speech"]["quotes"] == 14
    assert (
        bob["speech"]["contractions_per_100_words"] > alice["speech"]["contractions_per_100_words"]
    )
    assert alice["speech"]["question_share"] > 0
    assert "marmalade" in [w["text"] for w in alice["favourite_words"]]
    assert [a["text"] for a in bob["addressed_as"]] == ["Mr. Bob"]
    assert "Miss Alice" in [a["text"] for a in alice["addressed_as"]]
    kinds = {(r["name"], r["kind"]) for r in alice["relations"]}
    assert {("Bob", "speaks_to"), ("Bob", "spoken_to_by"), ("Dora", "co_occurs")} <= kinds


def test_rendered_persona_never_reaches_past_the_position(book: Marsh) -> None:
    text, extraction = book
    chapters = detect_chapters(text)
    alice = records_for(book)[0].facts
    # Words the book shows only late, and where it first shows them.
    later_only = {w: text.index(w) for w in ("Ally", "Dora", "treasure", "floorboards")}
    later_only["secretive"] = text.index("CHAPTER II") + 50
    positions = sorted({q.start for q in extraction.quotes} | {q.end for q in extraction.quotes})
    positions += [position_to_offset(n, len(text), chapters) for n in (0, 1, 2)]
    for before in positions:
        prompt = render_persona(alice, before)
        for line in (q for _, _, q in CHAPTER_ONE + CHAPTER_TWO):
            offset = text.index(line)
            if offset + len(line) > before:
                assert line not in prompt, (before, line)
        for word, first in later_only.items():
            if first >= before:
                assert word not in prompt, (before, word)
    chapter_one = render_persona(alice, position_to_offset(1, len(text), chapters), "chapter 1")
    assert "(chapter 1)" in chapter_one and "Dora" not in chapter_one
    everything = render_persona(alice, None)
    assert "Dora" in everything and "treasure" in everything


def test_persona_before_the_character_appears(book: Marsh) -> None:
    prompt = render_persona(records_for(book)[0].facts, 5)
    assert "not met you yet" in prompt
    assert '"' not in prompt.split("## How you speak")[1].split("##")[0]


async def failing_llm(messages: list[dict[str, str]]) -> str:
    raise RuntimeError("upstream 500")


async def slow_llm(messages: list[dict[str, str]]) -> str:
    await trio.sleep(3600)
    return "never"


async def good_llm(messages: list[dict[str, str]]) -> str:
    assert messages[0]["role"] == "system" and "Alice" in messages[1]["content"]
    return "You are Alice, brisk mistress of the marsh house, forever fussing over marmalade."


@pytest.mark.parametrize("llm", [failing_llm, slow_llm])
async def test_llm_failure_keeps_the_deterministic_persona(
    book: Marsh, llm: LlmCall, autojump_clock: MockClock
) -> None:
    record = records_for(book)[0]
    start = trio.current_time()
    description = await refine_description(record.facts, llm, timeout=5)
    assert trio.current_time() - start <= 5.01
    assert description == record.description
    refined = apply_refined_description(record, description)
    assert refined == record
    for section in ("## Who you are", "## How you speak", "## The people in your world"):
        assert section in refined.persona_prompt
    assert "marmalade" in refined.persona_prompt


async def test_refined_description_is_used_only_for_the_whole_book(book: Marsh) -> None:
    text, _ = book
    record = records_for(book)[0]
    description = await refine_description(record.facts, good_llm, timeout=5)
    assert description.startswith("You are Alice, brisk")
    refined = apply_refined_description(record, description)
    assert description in refined.persona_prompt
    early = render_persona(refined.facts, text.index("CHAPTER II"))
    assert description not in early and "brisk" in early


SHARED = Path(os.environ.get("FALSAFA_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))


def test_builtin_extractor_on_a_real_book() -> None:
    builtin = pytest.importorskip("falsafa.extract.builtin")
    path = SHARED / "data" / "books" / "a_christmas_carol.txt"
    if not path.exists():
        pytest.skip("shared books not found")
    text = path.read_text(encoding="utf-8")
    extraction = builtin.BuiltinExtractor().extract(text)
    chapters = detect_chapters(text)
    records = build_character_records(BOOK_ID, extraction, text, chapters, top_n=8)
    assert 3 <= len(records) <= 8
    assert any("Scrooge" in r.name for r in records)
    before = position_to_offset(1, len(text), chapters)
    for record in records:
        prompt = render_persona(record.facts, before)
        for q in record.facts["quotes"]:
            if q["end"] > before:
                assert f'"{q["text"]}"' not in prompt
