"""Job consumers and the reaper: the worker role's long-lived tasks.

Usage (the supervisor does this)::

    nursery.start_soon(run_consumer, services, 0)
    nursery.start_soon(run_reaper, services)

A consumer claims a job (``BLMOVE`` with a 1 s timeout, interrupted at once
by a stop), heartbeats while the JobManager works, and then completes,
retries or dead-letters it. On stop, the job in progress is put back at the
head of the queue for another worker. Redis outages are waited out with
backoff instead of crashing the process: a worker that cannot reach Redis has
nothing to lose.

The reaper returns jobs whose worker died (no heartbeat for the visibility
timeout) and promotes retries whose backoff has passed.
"""

from __future__ import annotations

import logging
import time

import trio

from falsafa import metrics
from falsafa.jobs.manager import JobFailed, process_job
from falsafa.jobs.queue import ProcessingJob
from falsafa.logs import log_context
from falsafa.redisio import RedisUnavailable
from falsafa.services import Services

__all__ = ["run_consumer", "run_reaper"]

log = logging.getLogger("falsafa.worker")


async def run_consumer(services: Services, index: int) -> None:
    outage = 0
    with log_context(consumer=index):
        while not services.stopping.is_set():
            try:
                job = await _claim_until_stop(services)
                outage = 0
                if job is not None:
                    # Claimed: from here the job is ours until it is
                    # completed, retried or released.
                    await _work(services, job)
            except RedisUnavailable as exc:
                outage += 1
                if outage == 1 or outage % 30 == 0:
                    log.warning("redis unavailable, waiting", extra={"error": str(exc)})
                await trio.sleep(min(5.0, 0.2 * 2 ** min(outage, 5)))


async def _claim_until_stop(services: Services) -> ProcessingJob | None:
    # A stop interrupts a waiting claim at once (the claim hands back a job it
    # had just taken), so an idle worker stops in milliseconds, not a second.
    job = None
    failure: RedisUnavailable | None = None
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_cancel_on_stop, services, nursery.cancel_scope)
        try:
            with trio.move_on_after(5):
                job = await services.queue.claim(timeout=1.0)
        except RedisUnavailable as exc:
            failure = exc  # raised below, not wrapped in the nursery's group
        nursery.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return job


async def _work(services: Services, job: ProcessingJob) -> None:
    queue = services.queue
    with log_context(job_id=job.job_id, book_id=job.book_id, attempt=job.attempt):
        log.info("job claimed")
        outcome = "completed"
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_heartbeat, services, job)
            work_scope = trio.CancelScope()
            nursery.start_soon(_cancel_on_stop, services, work_scope)
            try:
                with work_scope:
                    await process_job(services, job)
                if work_scope.cancelled_caught:
                    outcome = "requeued"
            except JobFailed as exc:
                outcome = "failed" if exc.permanent else "retried"
                reason = str(exc)
            nursery.cancel_scope.cancel()
        with trio.CancelScope(shield=True), trio.move_on_after(10):
            if outcome == "completed":
                await queue.complete(job)
            elif outcome == "requeued":
                await queue.release(job)
                log.info("job put back on the queue (shutting down)")
            elif outcome == "retried":
                retried = await queue.fail(job, reason)
                if not retried:
                    outcome = "failed"
                    await _mark_failed(services, job, reason)
                else:
                    log.warning("job failed, will retry", extra={"reason": reason})
            else:
                await queue.bury(job, reason)
                await _mark_failed(services, job, reason)
        metrics.JOBS.labels(outcome=outcome).inc()


async def _mark_failed(services: Services, job: ProcessingJob, reason: str) -> None:
    import uuid

    log.error("job failed for good", extra={"reason": reason})
    try:
        await services.store.set_book_status(uuid.UUID(job.book_id), "failed", reason)
    except Exception as exc:  # the job is dead-lettered either way
        log.error("could not record failure on the book", extra={"error": str(exc)})


async def _heartbeat(services: Services, job: ProcessingJob) -> None:
    interval = services.settings.job_visibility / 3
    while True:
        await trio.sleep(interval)
        try:
            with trio.move_on_after(interval):
                await services.queue.heartbeat(job)
        except RedisUnavailable:
            log.warning("heartbeat failed (redis unavailable)")


async def _cancel_on_stop(services: Services, scope: trio.CancelScope) -> None:
    await services.stopping.wait()
    scope.cancel()


async def run_reaper(services: Services) -> None:
    """Requeue jobs whose heartbeat lapsed; promote due retries; sample depths."""
    queue = services.queue
    visibility = services.settings.job_visibility
    # A job just moved by BLMOVE has no heartbeat for an instant; only jobs
    # seen without one for a whole visibility period are reaped.
    missing_since: dict[str, float] = {}
    while not services.stopping.is_set():
        try:
            with trio.move_on_after(10):
                await queue.promote_due()
                now = time.monotonic()
                seen = set()
                for job in await queue.in_progress():
                    seen.add(job.raw)
                    if await queue.has_heartbeat(job):
                        missing_since.pop(job.raw, None)
                        continue
                    first = missing_since.setdefault(job.raw, now)
                    if now - first >= visibility and await queue.release(job):
                        missing_since.pop(job.raw, None)
                        metrics.JOBS.labels(outcome="reaped").inc()
                        log.warning(
                            "job without heartbeat returned to the queue",
                            extra={"job_id": job.job_id, "book_id": job.book_id},
                        )
                for raw in list(missing_since):
                    if raw not in seen:
                        del missing_since[raw]
                for name, depth in (await queue.depths()).items():
                    metrics.QUEUE_DEPTH.labels(list=name).set(depth)
        except RedisUnavailable:
            pass
        with trio.move_on_after(min(1.0, visibility / 4)):
            await services.stopping.wait()
