"""What only the backend writes on a book, and ``auth.uid()`` without claims,
on a real PostgreSQL with every migration applied.

A user (``authenticated``) edits their book's title but not its status, error,
file_url or results, and cannot create a book already ``completed``; the
service role writes all of them. ``auth.uid()`` is NULL, not an error, when a
request carries no claims, also on a connection an earlier request used.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

TRIGGER_REFUSAL = psycopg.errors.InsufficientPrivilege


@pytest.fixture
def db(pg_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        yield conn


def _as_user(db: psycopg.Connection[Any], user: uuid.UUID) -> None:
    """Inside a transaction: what PostgREST does for a signed-in user's request."""
    db.execute("set local role authenticated")
    db.execute(
        "select set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": str(user)}),)
    )


def _own_book(db: psycopg.Connection[Any], user: uuid.UUID) -> uuid.UUID:
    book = uuid.uuid4()
    with db.transaction():
        _as_user(db, user)
        db.execute("insert into books (id, user_id, title) values (%s, %s, 'Emma')", (book, user))
    return book


def _status(db: psycopg.Connection[Any], book: uuid.UUID) -> tuple[Any, ...]:
    row = db.execute(
        "select processing_status, processing_error, title from books where id = %s", (book,)
    ).fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.parametrize(
    "change",
    [
        "processing_status = 'completed'",
        "processing_error = 'nothing wrong'",
        "file_url = 'https://elsewhere.example/x.txt'",
        "processing_stage = 'saving', processing_progress = 0.9",
        "cast_list = '[]'::jsonb",
        'layout = \'{"length": 1, "chapters": []}\'::jsonb',
    ],
)
def test_a_user_cannot_set_what_the_backend_writes(
    db: psycopg.Connection[Any], change: str
) -> None:
    me = uuid.uuid4()
    book = _own_book(db, me)
    with pytest.raises(TRIGGER_REFUSAL, match="written by the backend"), db.transaction():
        _as_user(db, me)
        db.execute(f"update books set {change} where id = %s", (book,))
    assert _status(db, book) == ("pending", None, "Emma")

    # The title is the user's to change; the status is the backend's.
    with db.transaction():
        _as_user(db, me)
        db.execute("update books set title = 'Emma (1815)' where id = %s", (book,))
    db.execute("update books set processing_status = 'completed' where id = %s", (book,))
    assert _status(db, book) == ("completed", None, "Emma (1815)")


def test_a_user_cannot_create_a_book_already_completed(db: psycopg.Connection[Any]) -> None:
    me = uuid.uuid4()
    book = uuid.uuid4()
    with pytest.raises(TRIGGER_REFUSAL, match="pending"), db.transaction():
        _as_user(db, me)
        db.execute(
            "insert into books (id, user_id, processing_status) values (%s, %s, 'completed')",
            (book, me),
        )
    assert db.execute("select count(*) from books where id = %s", (book,)).fetchone() == (0,)
    # A pending book with the uploaded file's URL is how the frontend starts.
    with db.transaction():
        _as_user(db, me)
        db.execute(
            "insert into books (id, user_id, file_url) values (%s, %s, 'https://x/b.txt')",
            (book, me),
        )
    assert _status(db, book) == ("pending", None, "")


def test_the_service_role_writes_status_and_results(db: psycopg.Connection[Any]) -> None:
    book = _own_book(db, uuid.uuid4())
    with db.transaction():
        db.execute("set local role service_role")
        db.execute(
            "update books set processing_status = 'failed', processing_error = 'no text'"
            " where id = %s",
            (book,),
        )
    assert _status(db, book) == ("failed", "no text", "Emma")


def test_auth_uid_is_null_without_claims_on_a_reused_connection(
    db: psycopg.Connection[Any],
) -> None:
    assert db.execute("select auth.uid()").fetchone() == (None,)  # never set
    me = uuid.uuid4()
    with db.transaction():
        _as_user(db, me)
        assert db.execute("select auth.uid()").fetchone() == (me,)
    # The transaction's setting is gone but reads '' now, on this connection.
    assert db.execute("select current_setting('request.jwt.claims', true)").fetchone() == ("",)
    assert db.execute("select auth.uid()").fetchone() == (None,)
    with db.transaction():
        db.execute("set local role authenticated")
        assert db.execute("select auth.uid()").fetchone() == (None,)
        assert db.execute("select count(*) from books").fetchone() == (0,)  # no one's rows
