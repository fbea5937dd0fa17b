"""The book sweeper: no book stays pending or processing without a live job.

A real Redis holds the queue, a real store the books (SQLite, and Supabase
through the PostgREST peer for the store that is down), the storage peer the
files; the intake is the real one. The sweeper's clock is a number the test
moves. Scenarios: a book whose dead job's failure was never written becomes
``failed`` with that job's reason; a book whose job vanished is queued again
from its file, or ``failed`` when the file cannot be fetched; books with a
live job, a pending book the frontend has not submitted yet, and jobless
books inside the grace period are left alone; a store
that is down is waited out and the repair lands once it is back; in a
worker's reaper loop, the sweeper acts only while that process holds the
reaper's lease.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path

import httpx
import pytest
import redis
import trio

from falsafa import metrics
from falsafa.config import Settings
from falsafa.jobs.intake import Intake
from falsafa.jobs.queue import JobQueue
from falsafa.jobs.reaper import Reaper
from falsafa.jobs.sweeper import BookSweeper
from falsafa.jobs.worker import run_reaper
from falsafa.redisio import RedisIO
from falsafa.store import Book, BookStatus, SqliteStore, Store
from tests.peers.postgrest import PostgrestPeer
from tests.peers.storage import StoragePeer
from tests.store.conftest import peer, pg_dsn, supabase_store

__all__ = ["peer", "pg_dsn"]  # fixtures used here

GRACE = 30.0
TEXT = ("The bell struck twelve, and the Spirit was gone from the room. " * 40).encode()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Parts:
    """The sweeper and what it works with."""

    def __init__(self, store: Store, settings: Settings, downloads: httpx.AsyncClient) -> None:
        self.store = store
        self.queue = JobQueue(RedisIO.from_url(settings.redis_url), settings)
        self.clock = Clock()
        self.sweeper = BookSweeper(
            store,
            self.queue,
            Intake(store, self.queue, downloads, settings),
            grace=GRACE,
            interval=0.0,
            clock=self.clock,
        )

    async def book(self, status: BookStatus, file_url: str = "") -> Book:
        book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), title=status, file_url=file_url)
        await self.store.create_book(book)
        await self.store.set_book_status(book.id, status)
        return book

    async def dead_job(self, book: Book, reason: str) -> None:
        await self.queue.enqueue(str(book.id), str(book.user_id), book.file_url, "text")
        job = await self.queue.claim(timeout=0.1)
        assert job is not None and job.book_id == str(book.id)
        await self.queue.bury(job, reason)

    async def status(self, book: Book) -> tuple[str, str | None]:
        got = await self.store.get_book(book.id)
        assert got is not None
        return got.processing_status, got.processing_error


def repairs(action: str) -> float:
    return metrics.BOOK_REPAIRS.labels(action=action)._value.get()


@pytest.fixture
async def downloads() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
        yield client


@pytest.fixture
async def parts(
    make_settings: Callable[..., Settings],
    storage: StoragePeer,
    downloads: httpx.AsyncClient,
    tmp_path: Path,
) -> AsyncIterator[Parts]:
    store = SqliteStore(tmp_path / "s.sqlite3")
    try:
        yield Parts(store, make_settings(storage=storage), downloads)
    finally:
        await store.aclose()


async def test_a_dead_jobs_book_is_marked_failed_with_its_reason(parts: Parts) -> None:
    stuck = await parts.book("processing")
    await parts.dead_job(stuck, "store error: save_book_results: gave up after 4 attempts")
    live = await parts.book("pending")
    await parts.queue.enqueue(str(live.id), str(live.user_id), "", "text")
    done = await parts.book("completed")
    # Created by the frontend, not submitted yet: no job was asked for.
    fresh = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), title="fresh")
    await parts.store.create_book(fresh)
    failed_before = repairs("failed")

    assert await parts.sweeper.sweep() == 0  # first seen without a job
    parts.clock.now = GRACE - 1
    assert await parts.sweeper.sweep() == 0, "repaired inside the grace period"
    parts.clock.now = GRACE
    assert await parts.sweeper.sweep() == 1

    assert await parts.status(stuck) == (
        "failed",
        "store error: save_book_results: gave up after 4 attempts",
    )
    assert await parts.status(live) == ("pending", None)  # its job is queued
    assert await parts.status(done) == ("completed", None)
    assert await parts.status(fresh) == ("pending", None)
    assert repairs("failed") == failed_before + 1
    parts.clock.now = 2 * GRACE
    assert await parts.sweeper.sweep() == 0  # nothing left to repair


async def test_a_book_whose_job_vanished_is_queued_again_from_its_file(
    parts: Parts, storage: StoragePeer, redis_client: redis.Redis
) -> None:
    lost = await parts.book("processing", storage.put("books/lost.txt", TEXT))
    gone = await parts.book("pending", f"{storage.url}/storage/v1/object/public/books/none.txt")
    requeued_before = repairs("requeued")

    await parts.sweeper.sweep()
    parts.clock.now = GRACE
    assert await parts.sweeper.sweep() == 2

    jobs = await parts.queue.book_jobs()
    assert jobs.live == {str(lost.id)}
    assert await parts.status(lost) == ("pending", None)  # the intake's own step
    assert repairs("requeued") == requeued_before + 1
    status, error = await parts.status(gone)
    assert status == "failed"
    assert error is not None and "cannot be queued again" in error and "not found" in error
    assert redis_client.llen("processing_queue") == 1


async def test_a_store_that_is_down_is_waited_out(
    make_settings: Callable[..., Settings],
    storage: StoragePeer,
    downloads: httpx.AsyncClient,
    peer: PostgrestPeer,
) -> None:
    store = supabase_store(peer, timeout=1.0)
    parts = Parts(store, make_settings(storage=storage), downloads)
    stuck = await parts.book("processing")
    await parts.dead_job(stuck, "extraction crashed")
    await parts.sweeper.maybe_sweep()
    parts.clock.now = GRACE

    peer.stop()
    assert await parts.sweeper.maybe_sweep() == 0  # logged, not raised
    await peer.start()
    # (the shared test database may hold other tests' books too)
    assert await parts.sweeper.maybe_sweep() >= 1
    assert await parts.status(stuck) == ("failed", "extraction crashed")
    await store.aclose()


async def test_only_the_process_holding_the_reaper_lease_sweeps(parts: Parts) -> None:
    stuck = await parts.book("processing")
    await parts.dead_job(stuck, "extraction crashed")
    sweeper = BookSweeper(parts.store, parts.queue, parts.sweeper.intake, grace=0.0, interval=0.0)
    other = Reaper(parts.queue, 4.0, lease=600.0)  # another worker process's reaper
    await other.sweep()
    assert other.holds_lease
    stopping = trio.Event()
    async with trio.open_nursery() as nursery:
        # Rounds every second (a quarter of the visibility timeout).
        nursery.start_soon(partial(run_reaper, books=sweeper), parts.queue, stopping, 4.0)
        await trio.sleep(2.5)
        assert await parts.status(stuck) == ("processing", None), "swept without the lease"
        await other.resign()
        for _ in range(50):  # within ten seconds
            if (await parts.status(stuck))[0] == "failed":
                break
            await trio.sleep(0.2)
        stopping.set()
    assert await parts.status(stuck) == ("failed", "extraction crashed")
