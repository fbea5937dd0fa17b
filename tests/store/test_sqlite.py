"""The embedded store's own concerns: files written by older versions."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest
import trio

from falsafa.book import BookLayout, Chapter
from falsafa.store import Book, SqliteStore

STAMP = "2026-11-29T10:00:00.000000+00:00"

# The books and characters tables as the first version created them.
OLD_SCHEMA = """
CREATE TABLE books (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',
    file_url TEXT NOT NULL DEFAULT '', processing_status TEXT NOT NULL DEFAULT 'pending',
    processing_error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE characters (
    id TEXT PRIMARY KEY, book_id TEXT NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    name TEXT NOT NULL, aliases TEXT NOT NULL DEFAULT '[]', description TEXT NOT NULL DEFAULT '',
    persona_prompt TEXT NOT NULL DEFAULT '', gender TEXT, pronouns TEXT,
    mention_count INTEGER NOT NULL DEFAULT 0, rank INTEGER NOT NULL DEFAULT 0,
    facts TEXT NOT NULL DEFAULT '{}', UNIQUE (id, book_id)
);
"""


async def test_an_old_file_gets_the_layout_from_the_facts(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    processed, unprocessed = uuid.uuid4(), uuid.uuid4()
    layout = {"length": 900, "chapters": [[1, "CHAPTER I", 10], [2, "CHAPTER II", 400]]}
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
        for book in (processed, unprocessed):
            conn.execute(
                "INSERT INTO books (id, user_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
                (str(book), str(uuid.uuid4()), STAMP, STAMP),
            )
        conn.execute(
            "INSERT INTO characters (id, book_id, name, facts) VALUES (?, ?, 'Emma', ?)",
            (str(uuid.uuid4()), str(processed), json.dumps({"book": layout, "quotes": []})),
        )
    conn.close()
    store = SqliteStore(path)
    try:
        got = await store.get_book(processed)
        assert got is not None and got.layout == BookLayout(
            900, (Chapter(1, "CHAPTER I", 10), Chapter(2, "CHAPTER II", 400))
        )
        assert (await store.get_book(unprocessed)).layout is None  # type: ignore[union-attr]
        # The progress columns came with the migration too.
        await store.set_book_progress(unprocessed, "indexing", 0.8)
        moved = await store.get_book(unprocessed)
        assert moved is not None and (moved.processing_stage, moved.processing_progress) == (
            "indexing",
            0.8,
        )
    finally:
        await store.aclose()
    reopened = SqliteStore(path)  # migrated once: opening again changes nothing
    try:
        assert (await reopened.get_book(processed)).layout == got.layout  # type: ignore[union-attr]
    finally:
        await reopened.aclose()


async def test_an_old_messages_table_gets_the_finish_reason_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    session = uuid.uuid4()
    with sqlite3.connect(path) as conn:
        # messages as the reading-position version created it
        conn.executescript(
            """CREATE TABLE messages (
                id TEXT PRIMARY KEY, session_id TEXT NOT NULL, role TEXT NOT NULL,
                content TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'complete',
                created_at TEXT NOT NULL, reading_offset INTEGER
            );"""
        )
        conn.execute(
            "INSERT INTO messages (id, session_id, role, content, created_at, reading_offset)"
            " VALUES (?, ?, 'assistant', 'Humbug.', ?, 7)",
            (str(uuid.uuid4()), str(session), STAMP),
        )
    conn.close()
    store = SqliteStore(path)
    try:
        [message] = await store.recent_messages(session, 10)
        assert (message.content, message.reading_offset, message.finish_reason) == (
            "Humbug.",
            7,
            None,
        )
    finally:
        await store.aclose()
    with sqlite3.connect(path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(messages)")}
    conn.close()
    assert {"reading_offset", "finish_reason"} <= columns


async def test_release_memory_closes_idle_readers_and_the_store_reads_on(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3", readers=2)
    book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), title="A Christmas Carol")
    await store.create_book(book)
    async with trio.open_nursery() as nursery:  # two readers in use at once
        for _ in range(4):
            nursery.start_soon(store.get_book, book.id)
    idle = list(store._readers)
    assert len(idle) == 2

    await store.release_memory()

    assert store._readers == []
    for reader in idle:  # closed: their page caches are freed
        with pytest.raises(sqlite3.ProgrammingError):
            reader.execute("SELECT 1")
    # Reads open a reader again; the writer still writes.
    await store.create_book(Book(id=uuid.uuid4(), user_id=book.user_id, title="Emma"))
    found = await store.get_book(book.id)
    assert found is not None and found.title == "A Christmas Carol"
    assert len(store._readers) == 1
    await store.aclose()
