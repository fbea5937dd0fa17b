"""Waiting out a store or Redis outage before a job spends an attempt.

Usage (the consumer does this when a job failed with ``JobFailed(outage=...)``)::

    if await wait_out_outage(processor, job, "store", stopping):
        await queue.release(job)     # it was down: back to the queue, no attempt spent
    else:
        await queue.fail(job, reason)  # it answers: the failure was the job's

A job that cannot reach the store is not a bad job: retrying it on the
backoff schedule would only spend its attempts while the store is down (all
three fit in ten seconds of connection errors) and dead-letter a good book.
So the consumer probes what failed, with growing pauses, until it answers
again, while its heartbeat keeps the job its own; only a store seen down
earns the free retry, so a store that answers probes but fails this job's
writes still spends attempts and cannot loop forever.
"""

from __future__ import annotations

import logging
import uuid

import trio

from falsafa.jobs.manager import BookProcessor, Outage
from falsafa.jobs.queue import ProcessingJob
from falsafa.redisio import RedisUnavailable
from falsafa.store import StoreError

__all__ = ["wait_out_outage"]

log = logging.getLogger("falsafa.worker")

# Seconds: the first pause between probes, doubling up to the last; a probe
# that does not answer in PROBE_TIMEOUT counts as down.
PROBE_FIRST_WAIT = 0.25
PROBE_MAX_WAIT = 5.0
PROBE_TIMEOUT = 10.0


async def wait_out_outage(
    processor: BookProcessor, job: ProcessingJob, outage: Outage, stopping: trio.Event
) -> bool:
    """Return once ``outage`` (``store`` or ``redis``) answers, or on stop;
    True if it was seen down (the failure was the outage's, not the job's)."""
    down = 0
    pause = PROBE_FIRST_WAIT
    while not stopping.is_set():
        try:
            with trio.fail_after(PROBE_TIMEOUT):
                await _probe(processor, job, outage)
        except (StoreError, RedisUnavailable, trio.TooSlowError) as exc:
            down += 1
            if down == 1:
                log.warning("job waits for the %s to come back", outage, extra={"error": str(exc)})
        else:
            if down:
                log.info("the %s is back; the job goes back to the queue", outage)
            return down > 0
        with trio.move_on_after(pause):
            await stopping.wait()
        pause = min(PROBE_MAX_WAIT, pause * 2)
    return down > 0


async def _probe(processor: BookProcessor, job: ProcessingJob, outage: Outage) -> None:
    if outage == "store":
        await processor.store.get_book(uuid.UUID(job.book_id))
    else:
        await processor.queue.has_heartbeat(job)
