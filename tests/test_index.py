"""Passages (``falsafa.index``), on the real books and small texts."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest

from falsafa.book import chapter_at, detect_chapters, position_to_offset
from falsafa.index import sentence_spans, split_passages
from falsafa.store.base import Book
from tests.book.books import BOOK_STEMS, read_book


@pytest.mark.parametrize("stem", BOOK_STEMS)
def test_passages_cover_the_text(stem: str) -> None:
    text = read_book(stem)
    chapters = detect_chapters(text)
    book_id = uuid.uuid4()
    passages = split_passages(text, book_id, chapters=chapters)
    assert [p.ordinal for p in passages] == list(range(len(passages)))
    previous_end = 0
    for p in passages:
        assert p.book_id == book_id
        assert text[p.start : p.end] == p.text
        assert text[previous_end : p.start].strip() == "", "text lost between passages"
        assert p.text == p.text.strip()
        chapter = chapter_at(chapters, p.start)
        assert p.chapter == (chapter.number if chapter else 0)
        assert chapter_at(chapters, p.end - 1) == chapter, "a passage crosses a chapter"
        previous_end = p.end
    assert text[previous_end:].strip() == ""
    words = sorted(len(p.text.split()) for p in passages)
    assert 200 <= words[len(words) // 2] <= 320
    assert words[-1] <= 520


def test_long_paragraph_is_split_at_sentences() -> None:
    paragraph = " ".join(f"Sentence number {i} goes on for a little while." for i in range(200))
    text = "CHAPTER I\n\n" + paragraph + "\n"
    passages = split_passages(text, uuid.uuid4(), target_words=100)
    assert len(passages) > 5
    for p in passages[1:]:
        assert p.text.startswith("Sentence number")
        assert p.text.endswith("while.")


def test_sentence_spans_keep_abbreviations() -> None:
    text = 'Mr. Holmes smiled. "Is it so?" asked Dr. Watson. J. M. Barrie wrote it.'
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Mr. Holmes smiled.",
        '"Is it so?" asked Dr. Watson.',
        "J. M. Barrie wrote it.",
    ]


async def test_position_filter_never_returns_a_later_passage(tmp_path: Path) -> None:
    store_mod = pytest.importorskip("falsafa.store.sqlite")
    text = read_book("a_christmas_carol")
    chapters = detect_chapters(text)
    book_id = uuid.uuid4()
    passages = split_passages(text, book_id, chapters=chapters)
    store = store_mod.SqliteStore(tmp_path / "s.sqlite3")
    try:
        await store.create_book(Book(id=book_id, user_id=uuid.uuid4(), title="Carol"))
        await store.save_book_results(book_id, [], passages)
        rng = random.Random(7)
        for position in [*range(0, 6), *(rng.random() for _ in range(20))]:
            limit = position_to_offset(position, len(text), chapters)
            for query in ("Scrooge", "ghost spirit chain", "Tiny Tim Bob Cratchit goose"):
                hits = await store.search_passages(book_id, query, limit=10, before_offset=limit)
                assert all(p.end <= limit for p in hits), (position, query)
        # The filter removes results rather than starving the search.
        assert await store.search_passages(book_id, "Scrooge", before_offset=len(text))
        assert await store.search_passages(book_id, "Scrooge", before_offset=0) == []
    finally:
        await store.aclose()
