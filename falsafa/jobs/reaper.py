"""The reaper: stranded jobs back to the queue, due retries promoted, depths sampled.

Usage::

    reaper = Reaper(queue, settings.job_visibility, store=store)  # store: mark buried books failed
    reaped = await reaper.sweep()     # one round; run_reaper calls it every second or so
    await reaper.resign()             # at shutdown: another process takes over at once

Any number of worker processes run a reaper; one acts at a time. A sweep
first takes or renews a short lease in Redis (``Q:reaper``, ``lease``
seconds); a process without it does nothing and exports no queue depths,
so summing ``falsafa_queue_depth`` over every replica gives the true depth.
``holds_lease`` tells the worker's reaper loop whether to run the book
sweeper (``falsafa.jobs.sweeper``) too.

When a job's heartbeat went missing is kept in Redis (the hash
``Q:missing``: job id -> time first seen without one, by ``clock``, the
wall clock every process shares), not in the reaper's memory: whichever
process holds the lease, however often workers restart, a job without a
heartbeat for ``visibility`` seconds is reclaimed within ``visibility`` plus
one round of the reaper that sees it (plus the lease's TTL when its holder
was the worker that died).

Each reclaim is one Lua script that checks the heartbeat, the time and the
job's exact bytes in ``Q:processing`` and moves it: it cannot repeat, even
under two reapers. A reclaimed job counts as an attempt (the job may be
what kills its worker), so after ``FALSAFA_JOB_ATTEMPTS`` it is
dead-lettered and its book marked ``failed``, not redelivered forever.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace

from falsafa import metrics
from falsafa.jobs.queue import JobQueue, ProcessingJob
from falsafa.jobs.status import mark_failed
from falsafa.store import Store

__all__ = ["LEASE_SECONDS", "Reaper"]

log = logging.getLogger("falsafa.worker")

# Seconds the reaper's lease lasts without renewal (it is renewed every round).
LEASE_SECONDS = 3.0

# KEYS: lease; ARGV: token, ttl (ms). 1 when this token holds the lease.
_LEASE = """
local holder = redis.call('get', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
# KEYS: lease; ARGV: token
_RESIGN = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
# KEYS: processing, heartbeat, missing, queue, dead, book key, text key
# ARGV: raw job, job id, now, visibility, requeued raw, dead raw ('' to requeue)
# 0: left alone; 1: requeued at the head; 2: dead-lettered.
_REAP = """
if redis.call('exists', KEYS[2]) == 1 then
  redis.call('hdel', KEYS[3], ARGV[2])
  return 0
end
local since = redis.call('hget', KEYS[3], ARGV[2])
if not since then
  redis.call('hset', KEYS[3], ARGV[2], ARGV[3])
  return 0
end
if tonumber(ARGV[3]) - tonumber(since) < tonumber(ARGV[4]) then return 0 end
redis.call('hdel', KEYS[3], ARGV[2])
if redis.call('lrem', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
if ARGV[6] ~= '' then
  redis.call('lpush', KEYS[5], ARGV[6])
  if redis.call('get', KEYS[6]) == ARGV[2] then redis.call('del', KEYS[6]) end
  redis.call('del', KEYS[7])
  return 2
end
redis.call('rpush', KEYS[4], ARGV[5])
return 1
"""
# KEYS: missing, processing. Forget jobs that left Q:processing.
_FORGET = """
local live = {}
for _, raw in ipairs(redis.call('lrange', KEYS[2], 0, -1)) do
  local ok, job = pcall(cjson.decode, raw)
  if ok and type(job) == 'table' and job.job_id then live[tostring(job.job_id)] = true end
end
local gone = 0
for _, id in ipairs(redis.call('hkeys', KEYS[1])) do
  if not live[id] then gone = gone + redis.call('hdel', KEYS[1], id) end
end
return gone
"""


class Reaper:
    """One process's reaper; ``sweep()`` is one round (see the module doc)."""

    def __init__(
        self,
        queue: JobQueue,
        visibility: float,
        *,
        clock: Callable[[], float] | None = None,
        store: Store | None = None,
        lease: float = LEASE_SECONDS,
        gauges: metrics.QueueGauges = metrics.QUEUE_DEPTH,
    ) -> None:
        self.queue = queue
        self.visibility = visibility
        self.clock = clock or queue.clock
        self.store = store
        self.lease_ms = max(1, int(lease * 1000))
        self.gauges = gauges
        self.token = uuid.uuid4().hex
        # Whether the last round took or renewed the lease (False while Redis
        # is unreachable): the book sweeper runs only while it is True.
        self.holds_lease = False
        self.missing_key = f"{queue.name}:missing"
        self.lease_key = f"{queue.name}:reaper"
        client = queue.redis.client
        self._lease = client.register_script(_LEASE)
        self._resign = client.register_script(_RESIGN)
        self._reap = client.register_script(_REAP)
        self._forget = client.register_script(_FORGET)

    async def sweep(self) -> int:
        """One round; returns how many jobs were reclaimed (requeued or buried)."""
        self.holds_lease = False
        if not await self._hold_lease():
            self.gauges.withdraw()
            return 0
        self.holds_lease = True
        queue = self.queue
        await queue.promote_due()
        reaped = 0
        for job in await queue.in_progress():
            reaped += await self._reclaim(job)
        await queue.redis.call(
            lambda r: self._forget(keys=[self.missing_key, queue.processing], client=r)
        )
        self.gauges.sample(await queue.depths())
        return reaped

    async def resign(self) -> None:
        """Give up the lease (a clean stop): the next reaper acts at once."""
        self.holds_lease = False
        await self.queue.redis.call(
            lambda r: self._resign(keys=[self.lease_key], args=[self.token], client=r)
        )
        self.gauges.withdraw()

    async def _hold_lease(self) -> bool:
        held = await self.queue.redis.call(
            lambda r: self._lease(keys=[self.lease_key], args=[self.token, self.lease_ms], client=r)
        )
        return bool(held)

    async def _reclaim(self, job: ProcessingJob) -> int:
        queue = self.queue
        attempt = job.attempt + 1
        reason = f"the worker stopped sending heartbeats (attempt {attempt})"
        after = replace(job, attempt=attempt, last_error=reason)
        buried = attempt >= queue.max_attempts
        keys = [
            queue.processing,
            queue.heartbeat_key(job.job_id),
            self.missing_key,
            queue.name,
            queue.dead,
            queue.book_key(job.book_id),
            queue.text_key(job.job_id),
        ]
        args = [
            job.raw,
            job.job_id,
            repr(self.clock()),
            repr(self.visibility),
            after.to_json(),
            after.to_json() if buried else "",
        ]
        moved = int(await queue.redis.call(lambda r: self._reap(keys=keys, args=args, client=r)))
        if moved == 0:
            return 0
        context = {"job_id": job.job_id, "book_id": job.book_id, "attempt": attempt}
        if moved == 1:
            metrics.JOBS.labels(outcome="reaped").inc()
            log.warning("job without heartbeat returned to the queue", extra=context)
            return 1
        metrics.JOBS.labels(outcome="failed").inc()
        log.error("job without heartbeat dead-lettered: attempts exhausted", extra=context)
        if self.store is not None:
            try:
                await mark_failed(self.store, uuid.UUID(job.book_id), reason)
            except Exception as exc:  # the job is dead-lettered either way
                log.error("could not record failure on the book", extra={"error": str(exc)})
        return 1
