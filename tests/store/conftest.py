"""Fixtures for the store tests: sample rows and one store per implementation."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import trio

from falsafa.store import (
    Book,
    CharacterRecord,
    Passage,
    SqliteStore,
    Store,
    SupabaseStore,
    character_uuid,
)
from tests.peers.postgrest import PostgrestPeer, serve_postgrest

MIGRATIONS = Path(__file__).resolve().parents[2] / "supabase" / "migrations"
PG_DSN = os.environ.get("FALSAFA_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")

_TEXTS = [
    "Emma Woodhouse, handsome, clever, and rich, had lived nearly twenty-one years.",
    "The garden at Hartfield was quiet in the evening; Mr. Woodhouse disliked the damp.",
    "A letter arrived for Miss Bates, who read it aloud to everyone in the shop.",
    "Mr. Knightley walked over from Donwell Abbey to talk about the harvest.",
    "The sealed letter from Bath lay unopened on the table; Emma would not touch the letter.",
    "Frank Churchill wrote that he could not come; the weather in Bath was poor.",
    "They picnicked at Box Hill, and Emma was rude to Miss Bates.",
    "In the end Emma married Mr. Knightley, and the garden was full of roses.",
]


def make_book(title: str = "Emma") -> Book:
    return Book(
        id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        title=title,
        file_url=f"https://example.supabase.co/storage/v1/object/books/{uuid.uuid4()}.txt",
    )


def make_characters(book_id: uuid.UUID, n: int) -> list[CharacterRecord]:
    names = ["Emma Woodhouse", "Mr. Knightley", "Harriet Smith", "Frank Churchill", "Miss Bates"]
    return [
        CharacterRecord(
            id=character_uuid(book_id, names[i % len(names)] + str(i)),
            book_id=book_id,
            name=names[i % len(names)],
            aliases=(names[i % len(names)].split()[-1], "Zoë “the elder”"),
            description=f"character {i}",
            persona_prompt=f"You are {names[i % len(names)]}. Speak as in 1815.",
            gender="female" if i % 2 == 0 else None,
            pronouns="she/her" if i % 2 == 0 else None,
            mention_count=100 - i,
            rank=i,
            facts={
                "quotes": [{"text": f"Quote {i} ✓", "start": 10 * i, "chapter": 1}],
                "relations": [{"other": "Emma", "kind": "friend", "weight": 0.5}],
                "descriptors": ["clever"],
            },
        )
        for i in range(n)
    ]


def make_passages(book_id: uuid.UUID) -> list[Passage]:
    passages = []
    offset = 0
    for i, text in enumerate(_TEXTS):
        passages.append(
            Passage(
                book_id, i, 1 + i // 4, f"CHAPTER {1 + i // 4}", offset, offset + len(text), text
            )
        )
        offset += len(text) + 2
    return passages


@pytest.fixture
async def peer(pg_dsn: str) -> AsyncIterator[PostgrestPeer]:
    """The PostgREST peer on the migrated test database, for one test."""
    async with trio.open_nursery() as nursery:
        peer: PostgrestPeer = await nursery.start(serve_postgrest, pg_dsn)
        yield peer
        nursery.cancel_scope.cancel()


def supabase_store(peer: PostgrestPeer, **options: Any) -> SupabaseStore:
    return SupabaseStore(peer.url, peer.api_key, **{"timeout": 5.0, "backoff": 0.01, **options})


@pytest.fixture(params=["sqlite", "supabase"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each implementation in turn: the contract suite runs against both."""
    if request.param == "sqlite":
        s: Store = SqliteStore(tmp_path / "store.db")
        try:
            yield s
        finally:
            await s.aclose()
        return
    pg_dsn: str = request.getfixturevalue("pg_dsn")  # a plain fixture: only asked for here
    async with trio.open_nursery() as nursery:
        peer: PostgrestPeer = await nursery.start(serve_postgrest, pg_dsn)
        s = supabase_store(peer)
        try:
            yield s
        finally:
            await s.aclose()
        nursery.cancel_scope.cancel()
    # every request the store sent was in the syntax the peer implements
    unsupported = [r for r in peer.requests if b"unsupported by test peer" in r.response]
    assert not unsupported, unsupported


def apply_migrations(dsn: str) -> None:
    """Apply every migration, in file-name order, as Supabase's CLI would."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for path in sorted(MIGRATIONS.glob("*.sql")):
            conn.execute(path.read_text())


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A throwaway database on the local PostgreSQL with the migrations applied."""
    try:
        admin = psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_DSN!r} ({exc}). These tests need a real"
            " server: start the local one or set FALSAFA_TEST_PG_DSN.",
            pytrace=False,
        )
    name = f"falsafa_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            dsn = psycopg.conninfo.make_conninfo(PG_DSN, dbname=name)
            apply_migrations(dsn)
            yield dsn
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
