"""Intake without HTTP: what a submitted book becomes, as values.

A real SqliteStore, a real Redis and the storage peer; the HTTP mapping of
these outcomes is tested in tests/api/test_processing.py.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import redis
import trio

from falsafa.config import Settings
from falsafa.jobs.intake import Accepted, Intake, ProcessingRequest, Rejected
from falsafa.jobs.queue import JobQueue
from falsafa.redisio import RedisIO
from falsafa.store import Book, BookStatus, SqliteStore
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


Submission = tuple[
    SqliteStore,
    Callable[[ProcessingRequest], Awaitable[Accepted | Rejected]],
    Book,
    ProcessingRequest,
]


@pytest.fixture
def submission(
    parts: tuple[SqliteStore, Callable[[Settings], Intake]],
    make_settings: Callable[..., Settings],
    storage: StoragePeer,
) -> Callable[..., Awaitable[Submission]]:
    """``await submission(status, delay=0)``: a book of ``status`` in the
    store, its text in storage (served after ``delay`` s), and the request."""

    async def make(status: BookStatus, delay: float = 0.0) -> Submission:
        store, intake = parts
        book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), processing_status=status)
        await store.create_book(book)
        url = storage.put("books/b.txt", TEXT, delay=delay)
        submit = intake(make_settings(storage=storage)).submit
        return store, submit, book, ProcessingRequest(book.id, url, book.user_id)

    return make


async def test_a_valid_book_is_accepted_once_and_marked_pending(
    submission: Callable[..., Awaitable[Submission]], redis_client: redis.Redis
) -> None:
    store, submit, book, request = await submission("completed")

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


async def test_concurrent_submissions_download_once_and_share_one_job(
    submission: Callable[..., Awaitable[Submission]],
    storage: StoragePeer,
    redis_client: redis.Redis,
) -> None:
    store, submit, book, request = await submission("completed", delay=0.5)
    outcomes: list[Accepted | Rejected] = []

    async def post() -> None:
        outcomes.append(await submit(request))

    async with trio.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(post)
            await trio.sleep(0.05)
    accepted = [o for o in outcomes if isinstance(o, Accepted)]
    assert len(accepted) == 5 and len({o.job_id for o in accepted}) == 1
    assert sum(o.created for o in accepted) == 1
    assert [r.method for r in storage.requests] == ["GET"], "one download"
    assert redis_client.llen("processing_queue") == 1
    assert (await store.get_book(book.id)).processing_status == "pending"  # type: ignore[union-attr]


async def test_a_failed_intake_gives_the_book_back(
    submission: Callable[..., Awaitable[Submission]],
    storage: StoragePeer,
    redis_client: redis.Redis,
) -> None:
    store, submit, book, request = await submission("failed")
    storage.fail_next(1, status=503)

    failed = await submit(request)
    assert isinstance(failed, Rejected) and failed.kind == "unavailable"
    assert redis_client.get(f"falsafa:book:{book.id}:job") is None, "the claim was given back"
    assert (await store.get_book(book.id)).processing_status == "failed"  # type: ignore[union-attr]
    retried = await submit(request)
    assert isinstance(retried, Accepted) and retried.created
    assert redis_client.llen("processing_queue") == 1


async def test_a_request_cancelled_mid_download_gives_the_book_back(
    submission: Callable[..., Awaitable[Submission]], redis_client: redis.Redis
) -> None:
    # The client left: its claim must not make the next submission wait out
    # the claim's hold.
    store, submit, book, request = await submission("completed", delay=1.0)
    with trio.move_on_after(0.3):
        await submit(request)
    assert redis_client.get(f"falsafa:book:{book.id}:job") is None
    assert (await store.get_book(book.id)).processing_status == "completed"  # type: ignore[union-attr]
    again = await submit(request)
    assert isinstance(again, Accepted) and again.created
