"""Offline replies that answer: the character's own lines, then a narration excerpt.

Scrooge is asked ten different questions over A Christmas Carol as chat
asks the offline responder: his stored lines (as the persona keeps them) and
the passages the store finds for each question (a real SqliteStore).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from falsafa.book import detect_chapters
from falsafa.extract.builtin import BuiltinExtractor
from falsafa.extract.model import Extraction
from falsafa.index import split_passages
from falsafa.llm.offline import best_lines, compose_offline_reply, narration_excerpt
from falsafa.llm.prompt import Prompt
from falsafa.persona import build_character_records
from falsafa.store.base import Book, CharacterRecord
from falsafa.store.sqlite import SqliteStore

CAROL = Path(__file__).resolve().parents[2] / "falsafa" / "samples" / "a_christmas_carol.txt"
QUESTIONS = [
    "What do you think of Christmas?",
    "Why are you so fond of money?",
    "Tell me about Marley.",
    "Do you love your nephew Fred?",
    "What did the ghost show you?",
    "Are you afraid of dying?",
    "What about the poor and the workhouses?",
    "How do you treat Bob Cratchit?",
    "What happened to Tiny Tim?",
    "Will you change your ways?",
]
EXCERPT = re.compile(r"“([^”]*)”")


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def carol() -> tuple[str, Extraction, list[CharacterRecord]]:
    text = CAROL.read_text(encoding="utf-8")
    extraction = BuiltinExtractor().extract(text)
    records = build_character_records(
        uuid.uuid4(), extraction, text, detect_chapters(text), book_title="A Christmas Carol"
    )
    return text, extraction, records


async def _replies(tmp_path: Path, text: str, scrooge: CharacterRecord) -> list[tuple[str, Prompt]]:
    store = SqliteStore(tmp_path / "carol.db")
    book_id = scrooge.book_id
    await store.create_book(Book(id=book_id, user_id=uuid.uuid4(), title="A Christmas Carol"))
    passages = split_passages(text, book_id, chapters=detect_chapters(text))
    await store.save_book_results(book_id, [scrooge], passages)
    out = []
    for question in QUESTIONS:
        found = await store.search_passages(book_id, question, limit=5)
        prompt = Prompt(
            messages=[],
            character_name=scrooge.name,
            user_message=question,
            quotes=tuple(q["text"] for q in scrooge.facts["quotes"]),
            passages=tuple(p.text for p in found),
        )
        out.append((compose_offline_reply(prompt), prompt))
    await store.aclose()
    return out


async def test_ten_questions_to_scrooge(
    tmp_path: Path, carol: tuple[str, Extraction, list[CharacterRecord]]
) -> None:
    text, extraction, records = carol
    scrooge = records[0]
    assert scrooge.name == "Scrooge"
    replies = await _replies(tmp_path, text, scrooge)
    assert len({reply for reply, _ in replies}) >= 8
    # ... and not merely in the passage: his lines differ too.
    assert len({reply.split("\n")[0] for reply, _ in replies}) >= 8

    flat = _flat(text)
    others = [
        _flat(q.text.strip("\"“”‘’' ")).rstrip(",")
        for q in extraction.quotes
        if q.speaker != scrooge.facts["extractor_id"] and len(q.text.split()) >= 4
    ]
    own = {_flat(q["text"]).rstrip(",") for q in scrooge.facts["quotes"]}
    for reply, _ in replies:
        said, _, rest = reply.partition("\n— Scrooge, in the book (no language model here")
        assert rest, reply
        lines = EXCERPT.findall(said)
        # His own lines, whole: each is one of his stored quotes; then at
        # most one passage, said to be the book's.
        assert 1 <= len(lines) <= 2 and all(line in own for line in lines)
        passages = EXCERPT.findall(rest)
        assert len(passages) <= 1 and rest.count("From the book: “") == len(passages)
        for excerpt in lines + passages:
            # Every excerpt stands in the book with no word cut at either end.
            at = flat.find(excerpt)
            assert at >= 0, excerpt
            assert not flat[at - 1 : at].isalpha() and not flat[at + len(excerpt)].isalpha()
        # No other character's line, whole or in part.
        assert not any(line in reply for line in others)


def test_the_line_that_answers_comes_first() -> None:
    lines = ('"Bah! Humbug!"', '"Are there no prisons?"', '"I wish to be left alone,"')
    assert best_lines("Are there any prisons left?", lines, keep=1) == ["Are there no prisons?"]
    # No shared word: still one of his lines, picked by the question itself.
    picked = {best_lines(q, lines, keep=1)[0] for q in ("Hello", "Good day", "Who?", "Why?")}
    assert picked <= {"Bah! Humbug!", "Are there no prisons?", "I wish to be left alone"}
    assert len(picked) >= 2
    assert best_lines("anything", ()) == []


def test_an_excerpt_is_narration_in_whole_sentences() -> None:
    passage = (
        "ay the fog came pouring in. Scrooge sat in his counting-house.\n\n"
        '"A merry Christmas, uncle!" cried a cheerful voice. It was the voice of '
        "Scrooge's nephew, who came upon him so quickly that this was the first "
        'intimation he had of his approach.\n\n"Bah!" said Scrooge, "Humbug!"\n\n'
        "Mr. Fezziwig laid down his pen, and looked up at the clock, which pointed to the "
        "hour of seven. He rubbed his hands; adjusted his capacious waistcoat"
    )
    excerpt = narration_excerpt("What did the nephew say?", passage)
    assert excerpt is not None
    assert excerpt.startswith("It was the voice of Scrooge's nephew") and excerpt.endswith(
        "approach."
    )
    assert "merry" not in excerpt and "Humbug" not in excerpt
    clock = narration_excerpt("When did Fezziwig look at the clock?", passage)
    assert clock == (
        "Mr. Fezziwig laid down his pen, and looked up at the clock, which pointed to the "
        "hour of seven."
    )
    assert narration_excerpt("anything", '"All speech," said he.') is None
