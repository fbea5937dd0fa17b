"""A dead worker's job, its retries and its burial, in virtual time.

A real Redis holds the queue; time is trio's autojump clock, given to both the
queue (retry due times) and the reaper (how long a heartbeat has been
missing). The scenario: a worker claims a job and dies (its heartbeat key
expires); the reaper returns the job after the visibility timeout, not
before; two failed attempts wait out 12 s and then 48 s of backoff (2 s and
8 s stretched over the 60 s retry window); the third failure buries the job
in the dead letters.
"""

from __future__ import annotations

from collections.abc import Callable

import redis
import trio
import trio.testing

from falsafa.config import Settings
from falsafa.jobs.queue import JobQueue, ProcessingJob, backoff_seconds
from falsafa.jobs.worker import Reaper, run_reaper
from falsafa.redisio import RedisIO

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

    for attempt in (1, 2):
        job = await claim(queue)
        assert (job.job_id, job.attempt) == (job_id, attempt - 1)
        assert await queue.fail(job, f"boom {attempt}")
        wait = backoff_seconds(attempt, 2.0, window=WINDOW, attempts=3)
        assert wait == (12.0, 48.0)[attempt - 1]
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
    assert trio.current_time() >= VISIBILITY + WINDOW


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
