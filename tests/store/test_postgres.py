"""The migrations on a real PostgreSQL: schema, RLS, and the rpc functions.

Plain synchronous psycopg against the throwaway database of ``pg_dsn``; each
test makes its own rows (fresh uuids), so they share the database safely.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from .conftest import MIGRATIONS, apply_migrations

TABLES = ["books", "characters", "chat_sessions", "messages", "book_passages"]


@pytest.fixture
def db(pg_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        yield conn


def _book(db: psycopg.Connection[Any], user_id: uuid.UUID | None = None) -> uuid.UUID:
    book_id = uuid.uuid4()
    db.execute(
        "insert into books (id, user_id, title) values (%s, %s, 'Emma')",
        (book_id, user_id or uuid.uuid4()),
    )
    return book_id


def _passages(texts: list[str]) -> list[dict[str, Any]]:
    out, offset = [], 0
    for i, text in enumerate(texts):
        out.append(
            {
                "ordinal": i,
                "chapter": 1,
                "chapter_title": "CHAPTER I",
                "start_offset": offset,
                "end_offset": offset + len(text),
                "text": text,
            }
        )
        offset += len(text) + 2
    return out


def _characters(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "name": f"Character {i}",
            "aliases": [f"C{i}", "“quoted”"],
            "rank": i,
            "mention_count": 10 - i,
            "facts": {"quotes": [{"text": "Hello", "start": i, "chapter": 1}]},
        }
        for i in range(n)
    ]


def _save(
    db: psycopg.Connection[Any],
    book_id: uuid.UUID,
    characters: list[dict[str, Any]],
    passages: list[dict[str, Any]],
) -> None:
    db.execute(
        "select save_book_results(%s, %s, %s)", (book_id, Jsonb(characters), Jsonb(passages))
    )


def _search(
    db: psycopg.Connection[Any],
    book_id: uuid.UUID,
    query: str,
    limit: int = 5,
    before: int | None = None,
) -> list[tuple[Any, ...]]:
    return db.execute(
        "select ordinal, end_offset, rank from search_book_passages(%s, %s, %s, %s)",
        (book_id, query, limit, before),
    ).fetchall()


TEXTS = [
    "Emma Woodhouse, handsome, clever, and rich, had lived nearly twenty-one years.",
    "A letter arrived for Miss Bates, who read it aloud to everyone in the shop.",
    "The sealed letter from Bath lay unopened on the table; Emma would not touch the letter.",
    "Frank Churchill wrote that he could not come; the weather in Bath was poor.",
    "In the end Emma married Mr. Knightley, and the garden was full of roses.",
]


def test_migrations_apply_twice(pg_dsn: str) -> None:
    apply_migrations(pg_dsn)  # guarded DDL: a re-run changes nothing and fails nothing


def test_rls_is_enabled_on_every_table(db: psycopg.Connection[Any]) -> None:
    rows = dict(
        db.execute(
            "select relname, relrowsecurity from pg_class"
            " where relnamespace = 'public'::regnamespace and relname = any(%s)",
            (TABLES,),
        ).fetchall()
    )
    assert rows == dict.fromkeys(TABLES, True)
    policies = {r[0] for r in db.execute("select tablename from pg_policies").fetchall()}
    assert policies == set(TABLES)


def test_a_user_sees_only_their_own_books(db: psycopg.Connection[Any]) -> None:
    me, someone = uuid.uuid4(), uuid.uuid4()
    mine, theirs = _book(db, me), _book(db, someone)
    _save(db, mine, _characters(1), _passages(TEXTS))
    _save(db, theirs, _characters(1), _passages(TEXTS))
    with db.transaction():
        db.execute("set local role authenticated")
        db.execute(
            "select set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": str(me)}),)
        )
        assert [r[0] for r in db.execute("select id from books").fetchall()] == [mine]
        assert {r[0] for r in db.execute("select book_id from characters").fetchall()} == {mine}
        assert _search(db, theirs, "letter") == []
        assert len(_search(db, mine, "letter")) == 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _save(db, mine, [], [])


def test_search_ranks_and_filters_by_position(db: psycopg.Connection[Any]) -> None:
    book = _book(db)
    _save(db, book, [], _passages(TEXTS))

    hits = _search(db, book, "sealed letter Bath")
    assert [h[0] for h in hits] == [2, 1, 3]
    assert hits[0][2] > hits[1][2]
    assert [h[0] for h in _search(db, book, "sealed letter Bath", limit=1)] == [2]
    assert [h[0] for h in _search(db, book, "letters sealing")] == [2, 1]  # stemmed

    cut = _passages(TEXTS)[2]["end_offset"]
    before = _search(db, book, "sealed letter Bath", before=cut)
    assert [h[0] for h in before] == [2, 1]
    assert all(h[1] <= cut for h in before)
    assert [h[0] for h in _search(db, book, "sealed letter Bath", before=cut - 1)] == [1]
    assert _search(db, book, "sealed letter Bath", before=0) == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        "the of and",
        '"',
        "letter & | ! <-> ( :* ')",
        "-letter",
        "'; drop schema public cascade; --",
    ],
)
def test_search_accepts_any_text(db: psycopg.Connection[Any], query: str) -> None:
    book = _book(db)
    _save(db, book, [], _passages(TEXTS))
    hits = _search(db, book, query)
    assert len(hits) == (2 if "letter" in query else 0)


def test_save_book_results_is_idempotent(db: psycopg.Connection[Any]) -> None:
    book = _book(db)
    characters = _characters(3)
    for _ in range(2):
        _save(db, book, characters, _passages(TEXTS))
        assert db.execute(
            "select count(*) from characters where book_id = %s", (book,)
        ).fetchone() == (3,)
        assert db.execute(
            "select count(*) from book_passages where book_id = %s", (book,)
        ).fetchone() == (len(TEXTS),)
    row = db.execute(
        "select aliases, facts from characters where id = %s", (characters[1]["id"],)
    ).fetchone()
    assert row == (["C1", "“quoted”"], characters[1]["facts"])
    assert db.execute("select processing_status from books where id = %s", (book,)).fetchone() == (
        "completed",
    )


def test_save_book_results_is_atomic(db: psycopg.Connection[Any]) -> None:
    book = _book(db)
    _save(db, book, _characters(2), _passages(TEXTS))
    db.execute("update books set processing_status = 'processing' where id = %s", (book,))
    broken = _passages(TEXTS)
    broken[-1]["text"] = None  # NOT NULL violation on the last row
    with pytest.raises(psycopg.errors.NotNullViolation):
        _save(db, book, _characters(4), broken)
    assert db.execute("select count(*) from characters where book_id = %s", (book,)).fetchone() == (
        2,
    )
    assert db.execute("select processing_status from books where id = %s", (book,)).fetchone() == (
        "processing",
    )


def test_save_book_results_of_missing_book(db: psycopg.Connection[Any]) -> None:
    with pytest.raises(psycopg.Error) as info:
        _save(db, uuid.uuid4(), _characters(1), [])
    assert info.value.sqlstate == "PT404"  # PostgREST answers 404


def _session(db: psycopg.Connection[Any]) -> tuple[uuid.UUID, uuid.UUID, str]:
    book = _book(db)
    characters = _characters(1)
    _save(db, book, characters, [])
    session = uuid.uuid4()
    db.execute(
        "insert into chat_sessions (id, user_id, book_id, character_id) values (%s, %s, %s, %s)",
        (session, uuid.uuid4(), book, characters[0]["id"]),
    )
    return book, session, characters[0]["id"]


def _exchange(
    db: psycopg.Connection[Any], session: uuid.UUID, ids: list[uuid.UUID], **kw: str
) -> None:
    args = {"reply": "I am Emma.", "status": "complete", **kw}
    db.execute(
        "select save_chat_exchange(%s, %s, %s, %s, %s, %s)",
        (session, ids[0], ids[1], "Who are you?", args["reply"], args["status"]),
    )


def test_save_chat_exchange_upserts(db: psycopg.Connection[Any]) -> None:
    _, session, _ = _session(db)
    ids = [uuid.uuid4(), uuid.uuid4()]
    _exchange(db, session, ids, reply="I", status="interrupted")
    _exchange(db, session, ids)
    rows = db.execute(
        "select role, content, status from messages where session_id = %s order by created_at",
        (session,),
    ).fetchall()
    assert rows == [("user", "Who are you?", "complete"), ("assistant", "I am Emma.", "complete")]


def test_save_chat_exchange_is_one_function_with_offset_and_finish_reason(
    db: psycopg.Connection[Any],
) -> None:
    # One candidate for PostgREST, taking every argument the store sends.
    rows = db.execute(
        "select pg_get_function_identity_arguments(p.oid) from pg_proc p"
        " join pg_namespace n on n.oid = p.pronamespace"
        " where n.nspname = 'public' and p.proname = 'save_chat_exchange'"
    ).fetchall()
    assert len(rows) == 1, rows
    assert "p_reading_offset integer, p_finish_reason text" in rows[0][0]
    _, session, _ = _session(db)
    ids = [uuid.uuid4(), uuid.uuid4()]
    db.execute(
        "select save_chat_exchange(%s, %s, %s, 'Go on?', 'And then', 'complete',"
        " p_reading_offset => 42, p_finish_reason => 'length')",
        (session, ids[0], ids[1]),
    )
    saved = db.execute(
        "select role, reading_offset, finish_reason from messages where session_id = %s"
        " order by created_at",
        (session,),
    ).fetchall()
    assert saved == [("user", 42, None), ("assistant", 42, "length")]


def test_save_chat_exchange_is_atomic(db: psycopg.Connection[Any]) -> None:
    _, session, _ = _session(db)
    with pytest.raises(psycopg.errors.CheckViolation):
        _exchange(db, session, [uuid.uuid4(), uuid.uuid4()], status="bogus")
    assert db.execute(
        "select count(*) from messages where session_id = %s", (session,)
    ).fetchone() == (0,)
    with pytest.raises(psycopg.Error) as info:
        _exchange(db, uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()])
    assert info.value.sqlstate == "PT404"


def test_deletes_cascade(db: psycopg.Connection[Any]) -> None:
    book, session, character = _session(db)
    _save(db, book, [{"id": character, "name": "Emma"}], _passages(TEXTS))
    _exchange(db, session, [uuid.uuid4(), uuid.uuid4()])

    # a character that disappears on re-processing takes its sessions along
    db.execute("delete from characters where id = %s", (character,))
    assert db.execute(
        "select count(*) from chat_sessions where id = %s", (session,)
    ).fetchone() == (0,)
    assert db.execute(
        "select count(*) from messages where session_id = %s", (session,)
    ).fetchone() == (0,)

    db.execute("delete from books where id = %s", (book,))
    for table in ("characters", "book_passages", "chat_sessions"):
        count = db.execute(
            f"select count(*) from {table} where book_id = %s",
            (book,),
        ).fetchone()
        assert count == (0,), table


def test_a_session_needs_a_character_of_its_book(db: psycopg.Connection[Any]) -> None:
    book_a, _, _ = _session(db)
    _, _, character_b = _session(db)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        db.execute(
            "insert into chat_sessions (user_id, book_id, character_id) values (%s, %s, %s)",
            (uuid.uuid4(), book_a, character_b),
        )


def test_updated_at_moves_on_update(db: psycopg.Connection[Any]) -> None:
    book = _book(db)
    before = db.execute("select updated_at from books where id = %s", (book,)).fetchone()
    db.execute("update books set title = 'Emma II' where id = %s", (book,))
    after = db.execute("select updated_at from books where id = %s", (book,)).fetchone()
    assert before is not None and after is not None and after[0] > before[0]


def test_layout_migration_moves_the_layout_out_of_the_facts(db: psycopg.Connection[Any]) -> None:
    book = _book(db)
    layout = {"length": 900, "chapters": [[1, "CHAPTER I", 10], [2, "CHAPTER II", 400]]}
    characters = _characters(2)
    for character in characters:  # how the layout was kept before the migration
        character["facts"] = {**character["facts"], "book": layout}
    _save(db, book, characters, _passages(TEXTS))
    db.execute("update books set layout = null where id = %s", (book,))
    migration = sorted(MIGRATIONS.glob("*_book_layout.sql"))[-1]
    db.execute(migration.read_text())
    assert db.execute("select layout from books where id = %s", (book,)).fetchone() == (layout,)
    # The function takes the layout now; the three-argument one is gone.
    db.execute(
        "select save_book_results(%s, %s, %s, %s)",
        (book, Jsonb(_characters(1)), Jsonb([]), Jsonb({"length": 5, "chapters": []})),
    )
    assert db.execute("select layout from books where id = %s", (book,)).fetchone() == (
        {"length": 5, "chapters": []},
    )
    found = db.execute(
        "select count(*) from pg_proc where proname = 'save_book_results'"
    ).fetchone()
    assert found == (1,)
