"""The reliable queue against a real Redis: no job lost, none duplicated."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import pytest
import redis
import trio

from falsafa.config import Settings
from falsafa.jobs.queue import BookClaim, JobQueue, ProcessingJob, backoff_seconds
from falsafa.redisio import RedisIO, RedisUnavailable
from tests.support import blocked_clients, until_blocked


@pytest.fixture
def queue(make_settings: Callable[..., Settings]) -> JobQueue:
    settings = make_settings(job_attempts=3)
    return JobQueue(RedisIO.from_url(settings.redis_url), settings)


async def test_enqueue_claim_complete(queue: JobQueue, redis_client: redis.Redis) -> None:
    job_id, created = await queue.enqueue("b1", "u1", "http://s/x.txt", "text é")
    assert created
    job = await queue.claim(timeout=0.1)
    assert job is not None and job.job_id == job_id and job.attempt == 0
    assert redis_client.llen("processing_queue") == 0
    assert redis_client.llen("processing_queue:processing") == 1
    assert await queue.text(job) == "text é"
    assert await queue.has_heartbeat(job)
    await queue.complete(job)
    assert redis_client.llen("processing_queue:processing") == 0
    assert await queue.existing_job("b1") is None
    assert await queue.text(job) is None
    assert await queue.claim(timeout=0.1) is None


async def test_one_live_job_per_book(queue: JobQueue, redis_client: redis.Redis) -> None:
    first, created = await queue.enqueue("b1", "u1", "u", "t")
    second, created_again = await queue.enqueue("b1", "u1", "u", "t")
    assert (created, created_again, first == second) == (True, False, True)
    assert redis_client.llen("processing_queue") == 1


async def test_a_book_claim_is_pushed_once_abandoned_or_lapses(
    queue: JobQueue, redis_client: redis.Redis
) -> None:
    claim = await queue.claim_book("b1", hold=60)
    assert claim.created
    # Claimed, not yet queued: a duplicate gets the same id and nothing to do.
    assert await queue.claim_book("b1", hold=60) == BookClaim(claim.job_id, created=False)
    job = queue.new_job(claim.job_id, "b1", "u1", "u")
    assert await queue.push(job, "t") and not await queue.push(job, "t"), "queued once"
    await queue.abandon("b1", claim.job_id)  # a cancel after the push: nothing undone
    assert await queue.existing_job("b1") == claim.job_id
    assert redis_client.llen("processing_queue") == 1

    given_back = await queue.claim_book("b2", hold=60)
    await queue.abandon("b2", given_back.job_id)
    assert (await queue.claim_book("b2", hold=60)).created, "the book is free again"
    lapsed = await queue.claim_book("b3", hold=0.05)
    await trio.sleep(0.1)  # its holder died mid-download
    assert (await queue.claim_book("b3", hold=60)).created
    late = queue.new_job(lapsed.job_id, "b3", "u1", "u")
    assert not await queue.push(late, "t"), "a lapsed claim queues nothing"
    assert redis_client.llen("processing_queue") == 1


async def test_failures_retry_with_backoff_then_dead_letter(
    queue: JobQueue, redis_client: redis.Redis
) -> None:
    await queue.enqueue("b1", "u1", "u", "t")
    reasons = []
    for attempt in range(3):
        job = await queue.claim(timeout=0.1)
        if job is None:
            # The retry waits in the delayed set; pretend its time has come.
            for raw in redis_client.zrange("processing_queue:delayed", 0, -1):
                redis_client.zadd("processing_queue:delayed", {raw: 0})
            assert await queue.promote_due() == 1
            job = await queue.claim(timeout=0.1)
        assert job is not None and job.attempt == attempt
        reasons.append(await queue.fail(job, f"boom {attempt}"))
    assert reasons == [True, True, False]
    dead = await queue.dead_jobs()
    assert [(d.book_id, d.attempt, d.last_error) for d in dead] == [("b1", 3, "boom 2")]
    assert redis_client.llen("processing_queue:processing") == 0
    assert await queue.existing_job("b1") is None
    assert (await queue.depths()) == {"pending": 0, "processing": 0, "delayed": 0, "dead": 1}


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 10)] == [2.0, 8.0, 32.0, 300.0]


def test_backoff_is_stretched_over_the_retry_window() -> None:
    # Three attempts: 2 s + 8 s would fit in a ten-second outage.
    assert [backoff_seconds(n, 2.0, window=60, attempts=3) for n in (1, 2)] == [12.0, 48.0]
    # A schedule already longer than the window is kept as it is.
    assert [backoff_seconds(n, 2.0, window=30, attempts=4) for n in (1, 2, 3)] == [2, 8, 32]
    # No floor, or no retry to stretch.
    assert backoff_seconds(1, 2.0, window=0, attempts=3) == 2.0
    assert backoff_seconds(1, 2.0, window=60, attempts=1) == 2.0


async def test_release_puts_the_job_at_the_head(queue: JobQueue) -> None:
    await queue.enqueue("b1", "u", "u", "t")
    await queue.enqueue("b2", "u", "u", "t")
    job = await queue.claim(timeout=0.1)
    assert job is not None and job.book_id == "b1"
    assert await queue.release(job)
    again = await queue.claim(timeout=0.1)
    assert again is not None and again.book_id == "b1"


def test_job_json_round_trip() -> None:
    job = ProcessingJob("j", "b", "u", "url", attempt=2, enqueued_at=1.5, last_error="x")
    back = ProcessingJob.from_raw(job.to_json())
    assert (back.job_id, back.attempt, back.last_error, back.raw) == ("j", 2, "x", job.to_json())
    assert json.loads(job.to_json())["book_id"] == "b"


async def test_dead_redis_raises_redis_unavailable(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(redis_url="redis://127.0.0.1:1/0")
    queue = JobQueue(RedisIO.from_url(settings.redis_url), settings)
    with pytest.raises(RedisUnavailable):
        await queue.enqueue("b", "u", "u", "t")


async def test_a_cancelled_claim_is_unblocked_and_takes_nothing(
    queue: JobQueue, redis_client: redis.Redis
) -> None:
    # An abandoned BLMOVE would stay blocked on the server for its whole
    # timeout and take the next job pushed meanwhile.
    async with trio.open_nursery() as nursery:
        nursery.start_soon(queue.claim, 60.0)
        await until_blocked(redis_client, 1)
        nursery.cancel_scope.cancel()
    assert blocked_clients(redis_client) == 0
    await queue.enqueue("b1", "u1", "u", "t")
    assert redis_client.llen("processing_queue") == 1
    assert redis_client.llen("processing_queue:processing") == 0


async def test_a_blocking_call_cancelled_after_taking_hands_it_back(
    redis_url: str, redis_client: redis.Redis
) -> None:
    io = RedisIO.from_url(redis_url)
    redis_client.rpush("src", b"job")

    def take(r: redis.Redis) -> bytes | None:
        raw: bytes | None = r.lmove("src", "dst", "RIGHT", "LEFT")  # type: ignore[assignment]
        # Still running when the cancellation comes: blocked until unblocked.
        r.blmove("nothing", "elsewhere", 60, "RIGHT", "LEFT")
        return raw

    undone: list[bytes | None] = []

    def undo(r: redis.Redis, raw: bytes | None) -> None:
        undone.append(raw)
        r.lrem("dst", 1, raw)  # type: ignore[arg-type]
        r.rpush("src", raw)  # type: ignore[arg-type]

    with trio.CancelScope() as scope:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(functools.partial(io.call_blocking, take, undo=undo))
            await until_blocked(redis_client, 1)
            scope.cancel()
    assert scope.cancelled_caught
    assert undone == [b"job"]
    assert redis_client.lrange("src", 0, -1) == [b"job"] and redis_client.llen("dst") == 0
    assert blocked_clients(redis_client) == 0
    io.close()


async def test_a_blocking_call_that_finishes_returns_its_result(
    redis_url: str, redis_client: redis.Redis
) -> None:
    io = RedisIO.from_url(redis_url)
    redis_client.rpush("src", b"job")
    raw = await io.call_blocking(
        lambda r: r.blmove("src", "dst", 1, "RIGHT", "LEFT"), undo=lambda r, raw: None
    )
    assert raw == b"job" and redis_client.lrange("dst", 0, -1) == [b"job"]
    io.close()
