"""A dead worker's job, its retries and its burial, in virtual time.

A real Redis holds the queue and the reaper's state; time is trio's autojump
clock, given to both the queue (retry due times) and the reaper (how long a
heartbeat has been missing). The scenario: a worker claims a job and dies
(its heartbeat key expires); the reaper returns the job after the visibility
timeout, not before, as attempt 1; a failed attempt waits out 48 s of
backoff (the second retry's 8 s, stretched over the 60 s retry window); the
third attempt's failure buries the job in the dead letters. Then: a job that
kills every worker is buried by the reaper itself, the reaper's memory
survives its process, one reaper acts at a time (and only its process runs
the book sweeper), and a reclaim cannot repeat.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
import trio
import trio.testing

from falsafa.config import Settings
from falsafa.jobs.queue import JobQueue, ProcessingJob, backoff_seconds
from falsafa.jobs.worker import Reaper, run_reaper
from falsafa.metrics import QueueGauges
from falsafa.redisio import RedisIO, RedisUnavailable
from falsafa.store import Book, SqliteStore

VISIBILITY = 60.0
WINDOW = 60.0


def open_queue(make_settings: Callable[..., Settings]) -> JobQueue:
    settings = make_settings(
        job_attempts=3, job_backoff=2.0, job_visibility=VISIBILITY, job_retry_window=WINDOW
    )
    return JobQueue(RedisIO.from_url(settings.redis_url), settings, clock=trio.current_time)


async def claim(queue: JobQueue) -> ProcessingJob:
    job = await queue.claim(timeout=0.1)
    assert job is not None
    return job


async def die(queue: JobQueue, job: ProcessingJob, r: redis.Redis) -> None:
    # What Redis does when a dead worker's heartbeat key outlives its PX.
    r.delete(queue.heartbeat_key(job.job_id))


async def stranded(
    make_settings: Callable[..., Settings], r: redis.Redis
) -> tuple[JobQueue, ProcessingJob]:
    """A queue whose one job was claimed by a worker that died at once."""
    queue = open_queue(make_settings)
    await queue.enqueue("b1", "u1", "u", "text")
    job = await claim(queue)
    await die(queue, job, r)
    return queue, job


async def test_visibility_timeout_then_backoff_then_dead_letter(
    autojump_clock: trio.testing.MockClock,
    make_settings: Callable[..., Settings],
    redis_client: redis.Redis,
) -> None:
    queue = open_queue(make_settings)
    reaper = Reaper(queue, VISIBILITY, clock=trio.current_time)
    job_id, _ = await queue.enqueue("b1", "u1", "u", "text")

    job = await claim(queue)
    await die(queue, job, redis_client)
    assert await reaper.sweep() == 0  # first seen without a heartbeat
    await trio.sleep(VISIBILITY - 0.5)
    assert await reaper.sweep() == 0, "reaped before the visibility timeout"
    await trio.sleep(0.5)
    assert await reaper.sweep() == 1
    assert (await queue.depths())["pending"] == 1

    job = await claim(queue)
    assert (job.job_id, job.attempt) == (job_id, 1), "a reclaim counts as an attempt"
    assert "heartbeats" in str(job.last_error)
    assert await queue.fail(job, "boom 2")
    wait = backoff_seconds(2, 2.0, window=WINDOW, attempts=3)
    assert wait == 48.0  # 8 s stretched over the retry window
    await trio.sleep(wait - 0.1)
    await reaper.sweep()
    assert (await queue.depths())["delayed"] == 1, "promoted before its backoff"
    await trio.sleep(0.1)
    await reaper.sweep()
    assert (await queue.depths())["pending"] == 1

    job = await claim(queue)
    assert job.attempt == 2 and job.last_error == "boom 2"
    assert not await queue.fail(job, "boom 3")
    dead = await queue.dead_jobs()
    assert [(d.job_id, d.attempt, d.last_error) for d in dead] == [(job_id, 3, "boom 3")]
    assert await queue.depths() == {"pending": 0, "processing": 0, "delayed": 0, "dead": 1}
    assert await queue.existing_job("b1") is None
    assert trio.current_time() >= VISIBILITY + 48.0


async def test_run_reaper_keeps_a_live_job_and_stops(
    autojump_clock: trio.testing.MockClock,
    make_settings: Callable[..., Settings],
    redis_client: redis.Redis,
) -> None:
    queue = open_queue(make_settings)
    await queue.enqueue("b1", "u1", "u", "text")
    job = await claim(queue)  # a live worker: its heartbeat key stays
    stopping = trio.Event()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(run_reaper, queue, stopping, VISIBILITY)
        await trio.sleep(3 * VISIBILITY)
        stopping.set()
    assert [j.job_id for j in await queue.in_progress()] == [job.job_id]


async def test_a_job_that_kills_its_worker_is_dead_lettered_and_its_book_failed(
    autojump_clock: trio.testing.MockClock,
    make_settings: Callable[..., Settings],
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), processing_status="processing")
    await store.create_book(book)
    queue = open_queue(make_settings)  # three attempts
    reaper = Reaper(queue, VISIBILITY, store=store)
    job_id, _ = await queue.enqueue(str(book.id), str(book.user_id), "u", "text")

    for attempt in (0, 1, 2):
        job = await claim(queue)
        assert (job.job_id, job.attempt) == (job_id, attempt)
        await die(queue, job, redis_client)
        await reaper.sweep()
        await trio.sleep(VISIBILITY)
        assert await reaper.sweep() == 1
        if attempt < 2:
            assert (await queue.depths())["pending"] == 1, "requeued while attempts remain"
    assert await queue.depths() == {"pending": 0, "processing": 0, "delayed": 0, "dead": 1}
    [dead] = await queue.dead_jobs()
    assert (dead.job_id, dead.attempt) == (job_id, 3)
    assert await queue.existing_job(str(book.id)) is None and await queue.text(job) is None
    failed = await store.get_book(book.id)
    assert failed is not None and failed.processing_status == "failed"
    assert "heartbeats" in str(failed.processing_error)
    await store.aclose()


async def test_when_a_heartbeat_went_missing_outlives_the_reaper(
    autojump_clock: trio.testing.MockClock,
    make_settings: Callable[..., Settings],
    redis_client: redis.Redis,
) -> None:
    # Workers restarting faster than the visibility timeout: each new
    # process's reaper goes on from what the last one saw.
    queue, _job = await stranded(make_settings, redis_client)
    first = Reaper(queue, VISIBILITY)
    assert await first.sweep() == 0  # first seen without a heartbeat, at t=0
    await first.resign()
    for _ in range(5):
        await trio.sleep(VISIBILITY / 6)
        restarted = Reaper(queue, VISIBILITY)
        assert await restarted.sweep() == 0, "reclaimed before the visibility timeout"
        await restarted.resign()
    await trio.sleep(VISIBILITY / 6)
    assert await Reaper(queue, VISIBILITY).sweep() == 1
    assert trio.current_time() == pytest.approx(VISIBILITY, abs=0.1)
    assert redis_client.hlen("processing_queue:missing") == 0


async def test_one_reaper_acts_and_exports_the_depths_at_a_time(
    make_settings: Callable[..., Settings], redis_client: redis.Redis
) -> None:
    queue = open_queue(make_settings)
    await queue.enqueue("b1", "u1", "u", "text")
    gauges = [QueueGauges(), QueueGauges()]
    first, second = (Reaper(queue, VISIBILITY, gauges=g) for g in gauges)
    await first.sweep()
    await second.sweep()
    assert exported(gauges[0]) == {"pending": 1, "processing": 0, "delayed": 0, "dead": 0}
    assert exported(gauges[1]) == {}, "a second exporter would double the sum"
    await first.resign()
    await second.sweep()
    assert exported(gauges[0]) == {} and exported(gauges[1])["pending"] == 1
    # A lapsed lease (its holder was SIGKILLed) is taken over too.
    quick = Reaper(queue, VISIBILITY, lease=0.05, gauges=gauges[0])
    await second.resign()
    await quick.sweep()
    await trio.sleep(0.1)
    await Reaper(queue, VISIBILITY, gauges=gauges[1]).sweep()
    assert exported(gauges[1])["pending"] == 1


async def test_a_reclaim_cannot_repeat_after_a_new_claim(
    autojump_clock: trio.testing.MockClock,
    make_settings: Callable[..., Settings],
    redis_client: redis.Redis,
) -> None:
    # The race of two reapers: one reclaims, a worker claims the job again,
    # and the other looks between that claim and its first heartbeat.
    queue, _job = await stranded(make_settings, redis_client)
    first, second = Reaper(queue, VISIBILITY), Reaper(queue, VISIBILITY)
    await first.sweep()
    await trio.sleep(VISIBILITY)
    assert await first.sweep() == 1
    await first.resign()
    again = await claim(queue)
    await die(queue, again, redis_client)  # not yet heartbeating
    assert await second.sweep() == 0
    assert [j.job_id for j in await queue.in_progress()] == [again.job_id]
    assert (await queue.depths())["pending"] == 0


async def test_stale_depths_are_marked_by_their_age(
    autojump_clock: trio.testing.MockClock,
    make_settings: Callable[..., Settings],
) -> None:
    gauges = QueueGauges(clock=trio.current_time)
    await Reaper(open_queue(make_settings), VISIBILITY, gauges=gauges).sweep()
    assert exported(gauges) == {"pending": 0, "processing": 0, "delayed": 0, "dead": 0}
    assert age(gauges) == 0.0
    down = make_settings(redis_url="redis://127.0.0.1:1/0")
    unreachable = JobQueue(RedisIO.from_url(down.redis_url), down, clock=trio.current_time)
    for _ in range(3):
        await trio.sleep(1.0)
        with pytest.raises(RedisUnavailable):
            await Reaper(unreachable, VISIBILITY, gauges=gauges).sweep()
    assert exported(gauges)["pending"] == 0, "the last reading stays"
    assert age(gauges) == pytest.approx(3.0)


def exported(gauges: QueueGauges) -> dict[str, float]:
    family = next(f for f in gauges.collect() if f.name == "falsafa_queue_depth")
    return {s.labels["list"]: s.value for s in family.samples}


def age(gauges: QueueGauges) -> float:
    family = next(f for f in gauges.collect() if f.name == "falsafa_queue_depth_age_seconds")
    [sample] = family.samples
    return sample.value
