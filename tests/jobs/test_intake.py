"""Intake without HTTP: what a submitted book becomes, as values.

A real SqliteStore, a real Redis and the storage peer; the HTTP mapping of
these outcomes is tested in tests/api/test_processing.py.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import redis

from falsafa.config import Settings
from falsafa.jobs.intake import Accepted, Intake, ProcessingRequest, Rejected
from falsafa.jobs.queue import JobQueue
from falsafa.redisio import RedisIO
from falsafa.store import Book, SqliteStore
from tests.peers.storage import StoragePeer

TEXT = ("It was a dark and stormy night; the rain fell in torrents. " * 40).encode()


@pytest.fixture
async def parts(
    make_settings: Callable[..., Settings], storage: StoragePeer, tmp_path: Path
) -> AsyncIterator[tuple[SqliteStore, Callable[[Settings], Intake]]]:
    store = SqliteStore(tmp_path / "s.sqlite3")
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as downloads:

        def intake(settings: Settings) -> Intake:
            queue = JobQueue(RedisIO.from_url(settings.redis_url), settings)
            return Intake(store, queue, downloads, settings)

        try:
            yield store, intake
        finally:
            await store.aclose()


async def test_a_valid_book_is_accepted_once_and_marked_pending(
    parts: tuple[SqliteStore, Callable[[Settings], Intake]],
    make_settings: Callable[..., Settings],
    storage: StoragePeer,
    redis_client: redis.Redis,
) -> None:
    store, intake = parts
    book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), processing_status="completed")
    await store.create_book(book)
    submit = intake(make_settings(storage=storage)).submit
    request = ProcessingRequest(book.id, storage.put("books/b.txt", TEXT), book.user_id)

    first = await submit(request)
    assert isinstance(first, Accepted) and first.created
    assert (await store.get_book(book.id)).processing_status == "pending"  # type: ignore[union-attr]
    assert await submit(request) == Accepted(first.job_id, created=False)
    assert redis_client.llen("processing_queue") == 1


async def test_rejections_say_whether_to_retry(
    parts: tuple[SqliteStore, Callable[[Settings], Intake]],
    make_settings: Callable[..., Settings],
    storage: StoragePeer,
) -> None:
    store, intake = parts
    book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), processing_status="failed")
    await store.create_book(book)
    submit = intake(make_settings(storage=storage)).submit
    url = storage.put("books/b.txt", TEXT)

    assert await submit(ProcessingRequest(book.id, url, uuid.uuid4())) == Rejected(
        "book not found", "invalid"
    ), "someone else's book reads as a missing one"
    wrong = await submit(ProcessingRequest(book.id, storage.put("books/b.pdf", TEXT), book.user_id))
    assert isinstance(wrong, Rejected) and wrong.kind == "invalid" and ".pdf" in wrong.reason

    # Redis down: nothing was marked, and the caller may try again.
    down = intake(make_settings(storage=storage, redis_url="redis://127.0.0.1:1/0")).submit
    outcome = await down(ProcessingRequest(book.id, url, book.user_id))
    assert outcome == Rejected("queue unavailable, try again later", "unavailable")
    assert (await store.get_book(book.id)).processing_status == "failed"  # type: ignore[union-attr]
