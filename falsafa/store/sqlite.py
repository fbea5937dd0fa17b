"""The embedded store: one SQLite file, FTS5 for passage search.

Usage::

    store = SqliteStore("falsafa.db")            # created on first use
    await store.create_book(Book(id=book_id, user_id=user_id, title="Emma"))
    await store.save_book_results(book_id, characters, passages)
    hits = await store.search_passages(book_id, "a letter from Bath", limit=5)
    await store.aclose()

All SQLite calls run in worker threads (``trio.to_thread.run_sync``), so the
event loop never blocks on disk. Writes go through one connection behind a
``CapacityLimiter(1)``, so no two statements interleave inside a
transaction; every write is one transaction. Reads use a small pool of
their own connections (WAL lets readers run beside the writer), so chat's
reads before the first token do not queue behind other streams' writes.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import uuid
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import trio

from falsafa.book import BookLayout

from ._rows import (
    book_from_row,
    character_from_row,
    message_from_row,
    passage_from_row,
    session_from_row,
)
from .base import (
    Book,
    BookStage,
    BookStatus,
    CastMember,
    CharacterRecord,
    ChatSession,
    Conflict,
    Exchange,
    Message,
    NotFound,
    Passage,
    StoreError,
    StoreUnavailable,
)

__all__ = ["ENGLISH_STOPWORDS", "SqliteStore", "fts_query"]

T = TypeVar("T")

# PostgreSQL's english.stop, so that both stores ignore the same words and a
# query made only of stopwords finds nothing in either.
_STOPWORDS_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now"""
ENGLISH_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

# A long pasted paragraph must not become a thousand-term OR query.
_MAX_QUERY_TERMS = 32
_WORD = re.compile(r"\w+", re.UNICODE)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS books (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    file_url TEXT NOT NULL DEFAULT '',
    processing_status TEXT NOT NULL DEFAULT 'pending'
        CHECK (processing_status IN ('pending', 'processing', 'completed', 'failed')),
    processing_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    layout TEXT, -- falsafa.book.BookLayout as JSON, written with the results
    processing_stage TEXT
        CHECK (processing_stage IN ('downloading', 'extracting', 'indexing', 'personas', 'saving')),
    processing_progress REAL CHECK (processing_progress BETWEEN 0 AND 1),
    cast_list TEXT -- every character found, JSON [falsafa.store.CastMember]
);
CREATE INDEX IF NOT EXISTS books_user_id_idx ON books (user_id);

CREATE TABLE IF NOT EXISTS characters (
    id TEXT PRIMARY KEY,
    book_id TEXT NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    description TEXT NOT NULL DEFAULT '',
    persona_prompt TEXT NOT NULL DEFAULT '',
    gender TEXT,
    pronouns TEXT,
    mention_count INTEGER NOT NULL DEFAULT 0,
    rank INTEGER NOT NULL DEFAULT 0,
    facts TEXT NOT NULL DEFAULT '{}',
    UNIQUE (id, book_id)
);
CREATE INDEX IF NOT EXISTS characters_book_rank_idx ON characters (book_id, rank);

CREATE TABLE IF NOT EXISTS chat_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    book_id TEXT NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    character_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- the character must belong to the session's book
    FOREIGN KEY (character_id, book_id) REFERENCES characters (id, book_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS chat_sessions_character_idx ON chat_sessions (character_id, book_id);

CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'complete'
        CHECK (status IN ('complete', 'interrupted', 'failed')),
    created_at TEXT NOT NULL,
    reading_offset INTEGER, -- where the reader was; NULL: no position given
    finish_reason TEXT -- why the model stopped ('length': cut); NULL: not said
);
CREATE INDEX IF NOT EXISTS messages_session_created_idx ON messages (session_id, created_at);

CREATE TABLE IF NOT EXISTS book_passages (
    book_id TEXT NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    chapter INTEGER NOT NULL,
    chapter_title TEXT NOT NULL DEFAULT '',
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (book_id, ordinal)
);

-- External-content FTS5 index over book_passages.text, kept in step by
-- triggers (they also fire for ON DELETE CASCADE). Porter stemming, like
-- PostgreSQL's 'english' configuration.
CREATE VIRTUAL TABLE IF NOT EXISTS book_passages_fts USING fts5 (
    text,
    content = 'book_passages',
    content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS book_passages_ai AFTER INSERT ON book_passages BEGIN
    INSERT INTO book_passages_fts (rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS book_passages_ad AFTER DELETE ON book_passages BEGIN
    INSERT INTO book_passages_fts (book_passages_fts, rowid, text)
    VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER IF NOT EXISTS book_passages_au AFTER UPDATE ON book_passages BEGIN
    INSERT INTO book_passages_fts (book_passages_fts, rowid, text)
    VALUES ('delete', old.rowid, old.text);
    INSERT INTO book_passages_fts (rowid, text) VALUES (new.rowid, new.text);
END;
"""

# The SQLite twin of books_progress_follows_status in the progress migration:
# a new intake (pending) empties the bar, a completed book's bar is full.
_PROGRESS_FOLLOWS_STATUS = """
CREATE TRIGGER IF NOT EXISTS books_progress_follows_status
AFTER UPDATE OF processing_status ON books
WHEN new.processing_status IS NOT old.processing_status
    AND new.processing_status IN ('pending', 'completed')
BEGIN
    UPDATE books SET processing_stage = NULL,
        processing_progress = CASE new.processing_status WHEN 'completed' THEN 1.0 END
    WHERE id = new.id;
END;
"""

_PASSAGE_COLUMNS = (
    "p.book_id, p.ordinal, p.chapter, p.chapter_title, p.start_offset, p.end_offset, p.text"
)


def fts_query(text: str) -> str | None:
    """The FTS5 MATCH expression for free user text, or None if it has no words.

    Each word becomes a double-quoted string (FTS5 syntax has no way to break
    out of one), joined with OR so that passages holding most of the words
    still match; bm25 ranks those holding more, and rarer, words first.

    >>> fts_query('Who wrote "the letter" -- AND why?')
    '"wrote" OR "letter"'
    """
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word not in ENGLISH_STOPWORDS and word not in seen:
            seen[word] = None
    if not seen:
        return None
    terms = list(seen)[:_MAX_QUERY_TERMS]
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _now() -> datetime:
    return datetime.now(UTC)


def _ts(value: datetime) -> str:
    # Fixed-width UTC text sorts in time order, which recent_messages relies on.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _id(value: object) -> str:
    """Canonical text of a UUID; anything else is the caller's bug."""
    try:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    except ValueError:
        raise StoreError(f"not a UUID: {value!r}") from None


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a file made by an older version up to the schema above (the
    SQLite twin of supabase/migrations/: 20270101000000_book_layout.sql,
    20270110000000_book_progress.sql, 20270111000000_book_cast.sql,
    20270112000000_message_position.sql)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(books)")}
    if "processing_stage" not in columns:
        conn.executescript(
            """BEGIN IMMEDIATE;
            ALTER TABLE books ADD COLUMN processing_stage TEXT CHECK (processing_stage IN
                ('downloading', 'extracting', 'indexing', 'personas', 'saving'));
            ALTER TABLE books ADD COLUMN processing_progress REAL
                CHECK (processing_progress BETWEEN 0 AND 1);
            COMMIT;"""
        )
    conn.executescript(_PROGRESS_FOLLOWS_STATUS)
    if "cast_list" not in columns:
        conn.execute("ALTER TABLE books ADD COLUMN cast_list TEXT")
    message_columns = {row[1] for row in conn.execute("PRAGMA table_info(messages)")}
    if "reading_offset" not in message_columns:
        conn.execute("ALTER TABLE messages ADD COLUMN reading_offset INTEGER")
    if "finish_reason" not in message_columns:
        conn.execute("ALTER TABLE messages ADD COLUMN finish_reason TEXT")
    if "layout" not in columns:
        # The layout used to travel in each character's facts["book"].
        conn.executescript(
            """BEGIN IMMEDIATE;
            ALTER TABLE books ADD COLUMN layout TEXT;
            UPDATE books SET layout = (
                SELECT json_extract(c.facts, '$.book') FROM characters c
                WHERE c.book_id = books.id AND json_extract(c.facts, '$.book') IS NOT NULL
                LIMIT 1);
            COMMIT;"""
        )


def _select_book(conn: sqlite3.Connection, key: str) -> Book | None:
    row = conn.execute("SELECT * FROM books WHERE id = ?", (key,)).fetchone()
    return None if row is None else book_from_row(row)


def _select_character(conn: sqlite3.Connection, key: str) -> CharacterRecord | None:
    row = conn.execute("SELECT * FROM characters WHERE id = ?", (key,)).fetchone()
    return None if row is None else character_from_row(row)


def _select_session(conn: sqlite3.Connection, key: str) -> ChatSession | None:
    row = conn.execute("SELECT * FROM chat_sessions WHERE id = ?", (key,)).fetchone()
    return None if row is None else session_from_row(row)


class SqliteStore:
    """The :class:`~falsafa.store.base.Store` on one SQLite file.

    The file and its tables are created on first use; ``":memory:"`` works
    for throwaway stores. Methods are safe to call from many trio tasks: they
    queue on one connection.
    """

    name = "sqlite"

    def __init__(
        self, path: str | os.PathLike[str], *, busy_timeout: float = 5.0, readers: int = 4
    ) -> None:
        self._path = os.fspath(path)
        self._busy_timeout = busy_timeout
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self._limiter = trio.CapacityLimiter(1)
        # ":memory:" is one database per connection: it cannot have readers.
        self._read_limiter = trio.CapacityLimiter(1 if self._path == ":memory:" else readers)
        self._readers: list[sqlite3.Connection] = []

    # -- plumbing -----------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError("store is closed")
        if self._conn is None:
            if self._path != ":memory:":
                parent = os.path.dirname(os.path.abspath(self._path))
                os.makedirs(parent, exist_ok=True)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a
            # transaction spans exactly what one method does.
            conn = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout,
                check_same_thread=False,
                isolation_level=None,
            )
            try:
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
                conn.executescript(_SCHEMA)
                _migrate(conn)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _open_reader(self) -> sqlite3.Connection:
        self._connect()  # creates the file and the schema first
        conn = sqlite3.connect(
            self._path, timeout=self._busy_timeout, check_same_thread=False, isolation_level=None
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA query_only = ON")
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._path == ":memory:":
            return await self._run(fn)
        async with self._read_limiter:
            # The free list is only touched from the event loop, so it needs
            # no lock; each connection is used by one thread at a time.
            conn = self._readers.pop() if self._readers else None

            def call() -> T:
                nonlocal conn
                if self._closed:
                    raise StoreError("store is closed")
                if conn is None:
                    conn = self._open_reader()
                return fn(conn)

            try:
                return await self._guard(trio.to_thread.run_sync(call))
            finally:
                if conn is not None:
                    if self._closed:
                        conn.close()
                    else:
                        self._readers.append(conn)

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            conn = self._connect()
            return fn(conn)

        return await self._guard(trio.to_thread.run_sync(call, limiter=self._limiter))

    @staticmethod
    async def _guard(call: Awaitable[T]) -> T:
        try:
            return await call
        except StoreError:
            raise
        except sqlite3.IntegrityError as exc:
            raise Conflict(str(exc)) from exc
        except sqlite3.OperationalError as exc:
            # locked, disk I/O error, cannot open: nothing the caller did wrong
            raise StoreUnavailable(f"sqlite: {exc}") from exc
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite: {exc}") from exc

    @staticmethod
    def _write(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
        # BEGIN IMMEDIATE takes the write lock up front, so the transaction
        # cannot fail half-way with SQLITE_BUSY after reading.
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    # -- books --------------------------------------------------------------

    async def get_book(self, book_id: uuid.UUID) -> Book | None:
        key = _id(book_id)
        return await self._read(lambda conn: _select_book(conn, key))

    async def books_with_status(
        self, statuses: Collection[BookStatus], limit: int = 500
    ) -> list[Book]:
        wanted = sorted(set(statuses))
        if not wanted or limit <= 0:
            return []
        marks = ", ".join("?" * len(wanted))
        query = (
            f"SELECT * FROM books WHERE processing_status IN ({marks})"  # placeholders only
            " ORDER BY updated_at, id LIMIT ?"
        )

        def q(conn: sqlite3.Connection) -> list[Book]:
            return [book_from_row(row) for row in conn.execute(query, (*wanted, limit))]

        return await self._read(q)

    async def create_book(self, book: Book) -> None:
        now = _now()
        values = (
            _id(book.id),
            _id(book.user_id),
            book.title,
            book.file_url,
            book.processing_status,
            book.processing_error,
            _ts(book.created_at or now),
            _ts(book.updated_at or now),
        )

        def w(conn: sqlite3.Connection) -> None:
            # An upsert, not INSERT OR REPLACE: replacing would delete the row
            # and cascade to everything derived from the book.
            conn.execute(
                """INSERT INTO books (id, user_id, title, file_url, processing_status,
                                      processing_error, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET
                       user_id = excluded.user_id, title = excluded.title,
                       file_url = excluded.file_url,
                       processing_status = excluded.processing_status,
                       processing_error = excluded.processing_error,
                       updated_at = excluded.updated_at""",
                values,
            )

        await self._run(lambda conn: self._write(conn, w))

    async def set_book_status(
        self, book_id: uuid.UUID, status: BookStatus, error: str | None = None
    ) -> None:
        key = _id(book_id)
        now = _ts(_now())

        # A new intake (pending) starts the bar again.
        clear = (
            ", processing_stage = NULL, processing_progress = NULL" if status == "pending" else ""
        )

        def w(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "UPDATE books SET processing_status = ?, processing_error = ?, updated_at = ?"
                f"{clear} WHERE id = ?",
                (status, error, now, key),
            )
            if cur.rowcount == 0:
                raise NotFound(f"book {key} not found")

        await self._run(lambda conn: self._write(conn, w))

    async def set_book_progress(
        self, book_id: uuid.UUID, stage: BookStage | None, progress: float
    ) -> None:
        key = _id(book_id)

        def w(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "UPDATE books SET processing_stage = ?, processing_progress = ? WHERE id = ?",
                (stage, progress, key),
            )
            if cur.rowcount == 0:
                raise NotFound(f"book {key} not found")

        await self._run(lambda conn: self._write(conn, w))

    async def set_book_cast(self, book_id: uuid.UUID, cast: list[CastMember]) -> None:
        key = _id(book_id)
        doc = json.dumps([member.to_json() for member in cast], ensure_ascii=False)

        def w(conn: sqlite3.Connection) -> None:
            cur = conn.execute("UPDATE books SET cast_list = ? WHERE id = ?", (doc, key))
            if cur.rowcount == 0:
                raise NotFound(f"book {key} not found")

        await self._run(lambda conn: self._write(conn, w))

    async def save_book_results(
        self,
        book_id: uuid.UUID,
        characters: list[CharacterRecord],
        passages: list[Passage],
        layout: BookLayout | None = None,
    ) -> None:
        key = _id(book_id)
        layout_json = None if layout is None else json.dumps(layout.to_json(), ensure_ascii=False)
        now = _ts(_now())
        char_rows = [
            (
                _id(c.id),
                key,
                c.name,
                json.dumps(list(c.aliases), ensure_ascii=False),
                c.description,
                c.persona_prompt,
                c.gender,
                c.pronouns,
                c.mention_count,
                c.rank,
                json.dumps(c.facts, ensure_ascii=False),
            )
            for c in characters
        ]
        passage_rows = [
            (key, p.ordinal, p.chapter, p.chapter_title, p.start, p.end, p.text) for p in passages
        ]
        keep = [row[0] for row in char_rows]

        def w(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM books WHERE id = ?", (key,)).fetchone() is None:
                raise NotFound(f"book {key} not found")
            # Characters are upserted (their ids are stable) rather than
            # deleted and re-inserted, so that re-processing a book does not
            # cascade away the chat sessions held with its characters.
            conn.executemany(
                """INSERT INTO characters (id, book_id, name, aliases, description,
                       persona_prompt, gender, pronouns, mention_count, rank, facts)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET
                       book_id = excluded.book_id, name = excluded.name,
                       aliases = excluded.aliases, description = excluded.description,
                       persona_prompt = excluded.persona_prompt, gender = excluded.gender,
                       pronouns = excluded.pronouns, mention_count = excluded.mention_count,
                       rank = excluded.rank, facts = excluded.facts""",
                char_rows,
            )
            conn.execute(
                "DELETE FROM characters WHERE book_id = ? AND id NOT IN"
                " (SELECT value FROM json_each(?))",
                (key, json.dumps(keep)),
            )
            conn.execute("DELETE FROM book_passages WHERE book_id = ?", (key,))
            conn.executemany(
                """INSERT INTO book_passages (book_id, ordinal, chapter, chapter_title,
                       start_offset, end_offset, text) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                passage_rows,
            )
            conn.execute(
                "UPDATE books SET processing_status = 'completed', processing_error = NULL,"
                " layout = ?, updated_at = ? WHERE id = ?",
                (layout_json, now, key),
            )

        await self._run(lambda conn: self._write(conn, w))

    # -- characters ---------------------------------------------------------

    async def list_characters(self, book_id: uuid.UUID) -> list[CharacterRecord]:
        key = _id(book_id)
        return await self._read(
            lambda conn: [
                character_from_row(r)
                for r in conn.execute(
                    "SELECT * FROM characters WHERE book_id = ? ORDER BY rank, name, id", (key,)
                )
            ]
        )

    async def get_character(self, character_id: uuid.UUID) -> CharacterRecord | None:
        key = _id(character_id)
        return await self._read(lambda conn: _select_character(conn, key))

    # -- sessions and messages ----------------------------------------------

    async def create_session(self, session: ChatSession) -> None:
        values = (
            _id(session.id),
            _id(session.user_id),
            _id(session.book_id),
            _id(session.character_id),
            _ts(session.created_at or _now()),
        )
        await self._run(
            lambda conn: self._write(
                conn,
                lambda c: c.execute(
                    "INSERT INTO chat_sessions (id, user_id, book_id, character_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    values,
                ),
            )
        )

    async def get_session(self, session_id: uuid.UUID) -> ChatSession | None:
        key = _id(session_id)
        return await self._read(lambda conn: _select_session(conn, key))

    async def chat_rows(
        self, session_id: uuid.UUID, book_id: uuid.UUID, character_id: uuid.UUID
    ) -> tuple[ChatSession | None, Book | None, CharacterRecord | None]:
        # One trip to a reader thread instead of three: each hand-over to a
        # thread and back costs more than these three indexed lookups.
        def q(
            conn: sqlite3.Connection,
        ) -> tuple[ChatSession | None, Book | None, CharacterRecord | None]:
            return (
                _select_session(conn, _id(session_id)),
                _select_book(conn, _id(book_id)),
                _select_character(conn, _id(character_id)),
            )

        return await self._read(q)

    async def recent_messages(
        self, session_id: uuid.UUID, limit: int, before_offset: int | None = None
    ) -> list[Message]:
        key = _id(session_id)
        if limit <= 0:
            return []
        # NULL (no position given) is after every position: left out too.
        where, params = "", [key, limit]
        if before_offset is not None:
            where, params = " AND reading_offset <= ?", [key, before_offset, limit]

        def q(conn: sqlite3.Connection) -> list[Message]:
            rows = conn.execute(
                f"SELECT * FROM messages WHERE session_id = ?{where}"
                " ORDER BY created_at DESC, role ASC LIMIT ?",
                params,
            ).fetchall()
            return [message_from_row(r) for r in reversed(rows)]

        return await self._read(q)

    async def save_exchange(self, exchange: Exchange) -> None:
        session = _id(exchange.session_id)
        now = _now()
        rows = [
            (
                _id(exchange.user_message_id),
                session,
                "user",
                exchange.user_message,
                "complete",
                exchange.reading_offset,
                None,
                now,
            ),
            # one microsecond later, so the reply always sorts after its question
            (
                _id(exchange.assistant_message_id),
                session,
                "assistant",
                exchange.reply,
                exchange.status,
                exchange.reading_offset,
                exchange.finish_reason,
                now + timedelta(microseconds=1),
            ),
        ]

        def w(conn: sqlite3.Connection) -> None:
            if (
                conn.execute("SELECT 1 FROM chat_sessions WHERE id = ?", (session,)).fetchone()
                is None
            ):
                raise NotFound(f"chat session {session} not found")
            # created_at is kept on conflict: a retry updates the reply in place.
            conn.executemany(
                """INSERT INTO messages (id, session_id, role, content, status,
                       reading_offset, finish_reason, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET
                       content = excluded.content, status = excluded.status,
                       finish_reason = excluded.finish_reason""",
                [(*r[:7], _ts(r[7])) for r in rows],
            )

        await self._run(lambda conn: self._write(conn, w))

    # -- passages -----------------------------------------------------------

    async def search_passages(
        self,
        book_id: uuid.UUID,
        query: str,
        limit: int = 5,
        before_offset: int | None = None,
    ) -> list[Passage]:
        key = _id(book_id)
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        sql = (
            f"SELECT {_PASSAGE_COLUMNS} FROM book_passages_fts f"
            " JOIN book_passages p ON p.rowid = f.rowid"
            " WHERE book_passages_fts MATCH ? AND p.book_id = ?"
        )
        params: list[Any] = [match, key]
        if before_offset is not None:
            sql += " AND p.end_offset <= ?"
            params.append(before_offset)
        sql += " ORDER BY bm25(book_passages_fts), p.ordinal LIMIT ?"
        params.append(limit)
        return await self._read(
            lambda conn: [passage_from_row(r) for r in conn.execute(sql, params)]
        )

    async def count_passages(self, book_id: uuid.UUID) -> int:
        key = _id(book_id)

        def q(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                "SELECT count(*) FROM book_passages WHERE book_id = ?", (key,)
            ).fetchone()
            return int(row[0])

        return await self._read(q)

    async def list_passages(self, book_id: uuid.UUID) -> list[Passage]:
        """Every passage of a book in reading order (tests and tools)."""
        key = _id(book_id)
        return await self._read(
            lambda conn: [
                passage_from_row(r)
                for r in conn.execute(
                    f"SELECT {_PASSAGE_COLUMNS} FROM book_passages p WHERE p.book_id = ?"
                    " ORDER BY p.ordinal",
                    (key,),
                )
            ]
        )

    async def delete_book(self, book_id: uuid.UUID) -> None:
        """Delete a book and, by cascade, everything derived from it."""
        key = _id(book_id)
        await self._run(
            lambda conn: self._write(
                conn, lambda c: c.execute("DELETE FROM books WHERE id = ?", (key,))
            )
        )

    async def release_memory(self) -> None:
        """Close the idle reader connections and shrink the writer's page
        cache (``PRAGMA shrink_memory``): after a burst of chats their caches
        hold ~2 MB of pages that would stay in the heap among the burst's
        freed memory. Readers reopen on the next read."""
        readers, self._readers = self._readers, []

        def close() -> None:
            for reader in readers:
                reader.close()

        await trio.to_thread.run_sync(close)
        if self._conn is not None and not self._closed:
            await self._run(lambda conn: conn.execute("PRAGMA shrink_memory").fetchall())

    async def aclose(self) -> None:
        readers, self._readers = self._readers, []

        def close() -> None:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            for reader in readers:
                reader.close()

        # Through the limiter, so it waits for a statement in flight.
        with trio.CancelScope(shield=True):
            await trio.to_thread.run_sync(close, limiter=self._limiter)
