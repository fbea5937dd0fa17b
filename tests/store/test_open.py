"""open_store: the factory the service configures its store with."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from falsafa.store import Book, SqliteStore, SupabaseStore, open_store


async def test_open_sqlite_creates_the_file_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "falsafa.db"
    store = open_store("sqlite", sqlite_path=path)
    assert isinstance(store, SqliteStore) and store.name == "sqlite"
    assert not path.exists()  # nothing touched yet
    book = Book(uuid.uuid4(), uuid.uuid4(), title="Emma")
    await store.create_book(book)
    await store.aclose()

    again = open_store("sqlite", sqlite_path=path)  # the same file, reopened
    got = await again.get_book(book.id)
    assert got is not None and got.title == "Emma"
    await again.aclose()


def test_open_supabase_connects_lazily() -> None:
    store = open_store(
        "supabase", supabase_url="http://127.0.0.1:9", supabase_key="k", timeout=1, retries=0
    )
    assert isinstance(store, SupabaseStore) and store.name == "supabase"


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("sqlite", {}),
        ("supabase", {"supabase_url": "http://x"}),
        ("postgres", {"sqlite_path": "x.db"}),
    ],
)
def test_open_store_refuses_incomplete_settings(kind: str, options: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        open_store(kind, **options)  # type: ignore[arg-type]
