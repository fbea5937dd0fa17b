"""Job consumers and the reaper: the worker role's long-lived tasks.

Usage (the supervisor does this)::

    nursery.start_soon(run_consumer, processor, stopping, 0)   # processor: BookProcessor
    nursery.start_soon(
        partial(run_reaper, store=store, books=sweeper), queue, stopping, visibility
    )

A consumer claims a job (``BLMOVE`` with a 1 s timeout, interrupted at once
by a stop), heartbeats while the BookProcessor works, and then completes,
retries or dead-letters it. On stop, the job in progress is put back at the
head of the queue for another worker. Redis outages are waited out with
backoff instead of crashing the process: a worker that cannot reach Redis has
nothing to lose.

The reaper (``falsafa.jobs.reaper``, one acting at a time across every
worker process) returns jobs whose worker died and promotes retries whose
backoff has passed; ``run_reaper`` runs it every second or so. In the
process that holds the reaper's lease, the same loop runs the book sweeper
(``falsafa.jobs.sweeper``), which repairs books left ``pending`` or
``processing`` without a live job: one sweeper acts at a time, like the
reaper, and a process that loses the lease forgets what its sweeper saw.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable

import trio

from falsafa import metrics
from falsafa.jobs.manager import BookProcessor, JobFailed
from falsafa.jobs.outage import wait_out_outage
from falsafa.jobs.queue import JobQueue, ProcessingJob
from falsafa.jobs.reaper import Reaper
from falsafa.jobs.status import mark_failed
from falsafa.jobs.sweeper import BookSweeper
from falsafa.logs import log_context
from falsafa.redisio import RedisUnavailable
from falsafa.store import Store

__all__ = ["Reaper", "run_consumer", "run_reaper"]  # Reaper: from falsafa.jobs.reaper

log = logging.getLogger("falsafa.worker")

# Seconds. A claim waits this long in Redis (BLMOVE) before looking again,
# within an outer bound for a Redis that does not answer.
CLAIM_WAIT = 1.0
CLAIM_TIMEOUT = 5.0
# While Redis is down: wait OUTAGE_FIRST_WAIT, doubling, up to OUTAGE_MAX_WAIT.
OUTAGE_FIRST_WAIT = 0.2
OUTAGE_MAX_WAIT = 5.0
# Bounds for acknowledging a finished job and for one reaper round.
ACK_TIMEOUT = 10.0
REAPER_ROUND_TIMEOUT = 10.0
REAPER_INTERVAL = 1.0


async def run_consumer(processor: BookProcessor, stopping: trio.Event, index: int) -> None:
    outage = 0
    with log_context(consumer=index):
        while not stopping.is_set():
            try:
                job = await _claim_until_stop(processor.queue, stopping)
                outage = 0
                if job is not None:
                    # Claimed: from here the job is ours until it is
                    # completed, retried or released.
                    await _work(processor, stopping, job)
            except RedisUnavailable as exc:
                outage += 1
                if outage == 1 or outage % 30 == 0:
                    log.warning("redis unavailable, waiting", extra={"error": str(exc)})
                await trio.sleep(min(OUTAGE_MAX_WAIT, OUTAGE_FIRST_WAIT * 2 ** min(outage, 5)))


async def _claim_until_stop(queue: JobQueue, stopping: trio.Event) -> ProcessingJob | None:
    # A stop interrupts a waiting claim at once (the claim hands back a job it
    # had just taken), so an idle worker stops in milliseconds, not a second.
    job = None
    failure: RedisUnavailable | None = None
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_cancel_on_stop, stopping, nursery.cancel_scope)
        try:
            with trio.move_on_after(CLAIM_TIMEOUT):
                job = await queue.claim(timeout=CLAIM_WAIT)
        except RedisUnavailable as exc:
            failure = exc  # raised below, not wrapped in the nursery's group
        nursery.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return job


async def _work(processor: BookProcessor, stopping: trio.Event, job: ProcessingJob) -> None:
    queue = processor.queue
    with log_context(job_id=job.job_id, book_id=job.book_id, attempt=job.attempt):
        log.info("job claimed")
        outcome = "completed"
        reason = ""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_heartbeat, queue, job, processor.settings.job_visibility)
            work_scope = trio.CancelScope()
            nursery.start_soon(_cancel_on_stop, stopping, work_scope)
            try:
                with work_scope:
                    await processor.process(job)
                if work_scope.cancelled_caught:
                    outcome = "requeued"
            except JobFailed as exc:
                outcome = "failed" if exc.permanent else "retried"
                reason = str(exc)
                # An outage spends no attempt: wait for it to end, heartbeat on.
                if exc.outage and await wait_out_outage(processor, job, exc.outage, stopping):
                    outcome = "outage"
            nursery.cancel_scope.cancel()
        with trio.CancelScope(shield=True), trio.move_on_after(ACK_TIMEOUT):
            if outcome == "completed":
                await queue.complete(job)
            elif outcome in ("requeued", "outage"):
                await queue.release(job)
                log.info("job put back on the queue", extra={"why": outcome, "reason": reason})
            elif outcome == "retried":
                retried = await queue.fail(job, reason)
                if not retried:
                    outcome = "failed"
                    await _mark_failed(processor, job, reason)
                else:
                    log.warning("job failed, will retry", extra={"reason": reason})
            else:
                await queue.bury(job, reason)
                await _mark_failed(processor, job, reason)
        metrics.JOBS.labels(outcome=outcome).inc()


async def _mark_failed(processor: BookProcessor, job: ProcessingJob, reason: str) -> None:
    log.error("job failed for good", extra={"reason": reason})
    try:
        if not await mark_failed(processor.store, uuid.UUID(job.book_id), reason):
            log.warning("failure not recorded: the book is gone or has results")
    except Exception as exc:  # the job is dead-lettered either way
        log.error("could not record failure on the book", extra={"error": str(exc)})


async def _heartbeat(queue: JobQueue, job: ProcessingJob, visibility: float) -> None:
    interval = visibility / 3
    while True:
        await trio.sleep(interval)
        try:
            with trio.move_on_after(interval):
                await queue.heartbeat(job)
        except RedisUnavailable:
            log.warning("heartbeat failed (redis unavailable)")


async def _cancel_on_stop(stopping: trio.Event, scope: trio.CancelScope) -> None:
    await stopping.wait()
    scope.cancel()


async def run_reaper(
    queue: JobQueue,
    stopping: trio.Event,
    visibility: float,
    *,
    clock: Callable[[], float] | None = None,
    store: Store | None = None,
    books: BookSweeper | None = None,
) -> None:
    """Sweep (reclaim stranded jobs, promote due retries, sample depths) until
    stopped, then hand the lease on. ``store``: where a job dead-lettered by
    the reaper marks its book ``failed``; ``books``: the sweeper run after
    each round while this process holds the lease."""
    reaper = Reaper(queue, visibility, clock=clock, store=store)
    while not stopping.is_set():
        try:
            with trio.move_on_after(REAPER_ROUND_TIMEOUT):
                await reaper.sweep()
        except RedisUnavailable:
            pass  # the depths exported stay, and their age says how stale
        if books is not None:
            if reaper.holds_lease:
                await books.maybe_sweep()  # its own interval and deadline; never raises
            else:
                books.forget()  # another process sweeps; what this one saw goes stale
        with trio.move_on_after(min(REAPER_INTERVAL, visibility / 4)):
            await stopping.wait()
    # Shielded: a stopping worker still hands the lease on (else it lapses).
    with (
        trio.CancelScope(shield=True),
        trio.move_on_after(ACK_TIMEOUT),
        contextlib.suppress(RedisUnavailable),
    ):
        await reaper.resign()
