"""A book's status moves only along its life: pending, processing, completed or failed."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from falsafa.jobs.status import (
    TRANSITIONS,
    InvalidTransition,
    check_transition,
    mark,
    mark_failed,
    restore,
)
from falsafa.store import Book, SqliteStore


def test_the_table_names_every_status() -> None:
    assert set(TRANSITIONS) == {"pending", "processing", "completed", "failed"}
    for allowed in TRANSITIONS.values():
        assert allowed <= set(TRANSITIONS)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("completed", "pending"),  # uploaded again
        ("failed", "pending"),
        ("pending", "processing"),
        ("processing", "processing"),  # a retry
        ("completed", "processing"),  # delivered again after its results were saved
        ("processing", "completed"),
        ("pending", "failed"),  # its text expired before a worker took it
    ],
)
def test_allowed(current: str, new: str) -> None:
    check_transition(current, new)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("completed", "failed"),  # a book with results is never marked failed
        ("pending", "completed"),  # results are saved only by a job that started
        ("failed", "completed"),
    ],
)
def test_refused(current: str, new: str) -> None:
    with pytest.raises(InvalidTransition, match=f"a {current} book cannot become {new}"):
        check_transition(current, new)  # type: ignore[arg-type]


async def test_mark_writes_and_refuses_on_a_real_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    try:
        book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), processing_status="completed")
        await store.create_book(book)
        assert not await mark_failed(store, book.id, "late failure"), "results are kept"
        assert (await store.get_book(book.id)).processing_status == "completed"  # type: ignore[union-attr]

        pending = await mark(store, book, "pending")
        assert pending.processing_status == "pending"
        assert (await store.get_book(book.id)).processing_status == "pending"  # type: ignore[union-attr]
        with pytest.raises(InvalidTransition):
            await mark(store, pending, "completed")

        await restore(store, book.id, "completed")  # an intake whose job was not queued
        assert (await store.get_book(book.id)).processing_status == "completed"  # type: ignore[union-attr]

        processing = await mark(store, await mark(store, book, "pending"), "processing")
        assert await mark_failed(store, book.id, "no characters")
        stored = await store.get_book(processing.id)
        assert stored is not None
        assert (stored.processing_status, stored.processing_error) == ("failed", "no characters")
        assert not await mark_failed(store, uuid.uuid4(), "gone"), "a missing book"
    finally:
        await store.aclose()
