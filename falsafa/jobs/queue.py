"""The reliable processing queue on Redis lists.

Usage::

    queue = JobQueue(redis, settings)               # clock: time.time, shared by processes
    claim = await queue.claim_book(book_id, hold=180.0)   # BookClaim(job_id, created)
    await queue.push(job, text)                   # the claimer's job, once its text is read
    await queue.abandon(book_id, claim.job_id)    # the claimer gave up (bad file, outage)
    job_id, created = await queue.enqueue(book_id, user_id, file_url, text)  # all three
    job = await queue.claim(timeout=1.0)          # None when nothing came
    await queue.heartbeat(job)                    # while working
    await queue.complete(job)                     # only after results are saved
    await queue.fail(job, "reason")               # retry later, or dead-letter
    await queue.release(job)                      # shutdown: back to the head
    jobs = await queue.book_jobs()                # BookJobs: books with live / dead jobs

Keys (``Q`` is ``FALSAFA_QUEUE``, the spec's ``processing_queue``; with
``FALSAFA_REDIS_PREFIX=P`` every key below starts ``P:``, so two checkouts on
one Redis keep apart while replicas that share the prefix share the queue):

- ``Q``: pending jobs, JSON dicts; producers LPUSH, consumers take from the
  right with ``BLMOVE`` into ``Q:processing`` atomically, so a job is always
  in exactly one list and a consumer that dies leaves it visible there;
- ``Q:processing``: jobs being worked on, each with a heartbeat key;
- ``Q:delayed``: a sorted set of retries waiting for their backoff;
- ``Q:dead``: jobs that failed every attempt, with the last reason;
- ``falsafa:book:{id}:job``: the book's live job id (one job per book),
  set by ``claim_book`` before the book is downloaded (for ``hold`` seconds,
  then for ``FALSAFA_TEXT_TTL`` once ``push`` queued the job), so concurrent
  submissions of one book get one job id and one download;
- ``Q:missing`` and ``Q:reaper``: the reaper's state (``falsafa.jobs.reaper``);
- ``falsafa:job:{id}:text``: the validated text, so the job never depends on
  the download URL staying valid (expires after ``FALSAFA_TEXT_TTL``).

Every multi-key change is one Lua script, so a crash between two commands
cannot lose or duplicate a job. Retry times are read from ``clock`` (the
wall clock, which every process shares; tests pass trio's clock).

Retries wait ``backoff_seconds(attempt)``: ``FALSAFA_JOB_BACKOFF`` for the
first, ``BACKOFF_FACTOR`` times more for each next one, at most
``BACKOFF_MAX_SECONDS`` (both in ``falsafa.config``, which also writes them
into the variable's documentation); the whole schedule is then stretched so
that the retries span at least ``FALSAFA_JOB_RETRY_WINDOW`` (a job whose
attempts all fit in a store outage of ten seconds would fail for good).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import trio

from falsafa.config import BACKOFF_FACTOR, BACKOFF_MAX_SECONDS, Settings
from falsafa.redisio import RedisIO

__all__ = ["BookClaim", "BookJobs", "JobQueue", "ProcessingJob", "backoff_seconds"]

# Seconds allowed to hand back a job whose claim was cancelled half-way.
UNDO_TIMEOUT = 5.0

# KEYS: book key; ARGV: new job id, hold (ms). The book's live job id, or
# false when this caller now holds the book under the new id.
_CLAIM_BOOK = """
local existing = redis.call('get', KEYS[1])
if existing then return existing end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""
# KEYS: book key, text key, queue; ARGV: job id, text, raw job, text ttl (s).
# Only the claim's holder queues its job, once.
_PUSH = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('exists', KEYS[2]) == 1 then return 0 end
redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[4])
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[4])
redis.call('lpush', KEYS[3], ARGV[3])
return 1
"""
# KEYS: book key, text key; ARGV: job id. A claim given up before its job
# was queued (a job already pushed, its reply lost to a cancel, stays).
_ABANDON = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('exists', KEYS[2]) == 1 then return 0 end
return redis.call('del', KEYS[1])
"""
# KEYS: processing, book key, text key, heartbeat; ARGV: raw job, job id
_COMPLETE = """
redis.call('lrem', KEYS[1], 1, ARGV[1])
if redis.call('get', KEYS[2]) == ARGV[2] then redis.call('del', KEYS[2]) end
redis.call('del', KEYS[3], KEYS[4])
return 1
"""
# KEYS: processing, delayed; ARGV: raw job, new raw job, due time
_RETRY = """
if redis.call('lrem', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('zadd', KEYS[2], ARGV[3], ARGV[2])
return 1
"""
# KEYS: processing, dead, book key, text key, heartbeat; ARGV: raw, dead raw, job id
_DEAD = """
redis.call('lrem', KEYS[1], 1, ARGV[1])
redis.call('lpush', KEYS[2], ARGV[2])
if redis.call('get', KEYS[3]) == ARGV[3] then redis.call('del', KEYS[3]) end
redis.call('del', KEYS[4], KEYS[5])
return 1
"""
# KEYS: processing, queue, heartbeat; ARGV: raw job. Back to the head (right end).
_RELEASE = """
if redis.call('lrem', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('rpush', KEYS[2], ARGV[1])
redis.call('del', KEYS[3])
return 1
"""
# KEYS: processing, queue; ARGV: raw job. A claim undone before it began.
_UNCLAIM = """
if redis.call('lrem', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('rpush', KEYS[2], ARGV[1])
return 1
"""
# KEYS: delayed, queue; ARGV: now. Due retries move to the queue.
_PROMOTE = """
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, raw in ipairs(due) do
  redis.call('zrem', KEYS[1], raw)
  redis.call('lpush', KEYS[2], raw)
end
return #due
"""


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8") if isinstance(raw, bytes) else raw


def backoff_seconds(
    attempt: int, base: float = 2.0, *, window: float = 0.0, attempts: int = 1
) -> float:
    """Delay before retry number ``attempt`` (1-based): ``base``, then
    ``BACKOFF_FACTOR`` times the last, at most ``BACKOFF_MAX_SECONDS``; with
    a ``window``, every delay is scaled by one factor so that the retries of
    a job of ``attempts`` attempts add up to at least ``window`` seconds
    (``backoff_seconds(1, 2, window=60, attempts=3)`` is 12, then 48)."""

    def plain(n: int) -> float:
        return float(min(BACKOFF_MAX_SECONDS, base * BACKOFF_FACTOR ** max(0, n - 1)))

    retries = attempts - 1
    if window <= 0 or retries <= 0:
        return plain(attempt)
    total = sum(plain(n) for n in range(1, retries + 1))
    return plain(attempt) * max(1.0, window / total)


@dataclass(frozen=True, slots=True)
class ProcessingJob:
    job_id: str
    book_id: str
    user_id: str
    file_url: str
    attempt: int = 0
    enqueued_at: float = 0.0
    last_error: str | None = None
    raw: str = ""

    def to_json(self) -> str:
        doc = asdict(self)
        doc.pop("raw")
        return json.dumps(doc, sort_keys=True)

    @classmethod
    def from_raw(cls, raw: bytes | str) -> ProcessingJob:
        text = raw.decode() if isinstance(raw, bytes) else raw
        doc: dict[str, Any] = json.loads(text)
        return cls(
            job_id=str(doc["job_id"]),
            book_id=str(doc["book_id"]),
            user_id=str(doc["user_id"]),
            file_url=str(doc.get("file_url", "")),
            attempt=int(doc.get("attempt", 0)),
            enqueued_at=float(doc.get("enqueued_at", 0.0)),
            last_error=doc.get("last_error"),
            raw=text,
        )


@dataclass(frozen=True, slots=True)
class BookClaim:
    """What ``claim_book`` found: the book's live job, or a new one.

    ``created``: the caller holds the book under ``job_id`` and must
    ``push`` that job or ``abandon`` the claim; otherwise ``job_id`` is the
    job another submission created (queued, running, or still downloading).
    """

    job_id: str
    created: bool


@dataclass(frozen=True, slots=True)
class BookJobs:
    """Which books have jobs, read from all four lists at one instant."""

    live: frozenset[str]
    """Book ids with a job pending, in progress or waiting for a retry."""
    dead: dict[str, str]
    """Book id -> the last error of its newest dead-lettered job."""


class JobQueue:
    def __init__(
        self, redis: RedisIO, settings: Settings, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.redis = redis
        self.clock = clock
        self.prefix = f"{settings.redis_prefix}:" if settings.redis_prefix else ""
        self.name = f"{self.prefix}{settings.queue}"
        self.processing = f"{self.name}:processing"
        self.delayed = f"{self.name}:delayed"
        self.dead = f"{self.name}:dead"
        self.max_attempts = settings.job_attempts
        self.visibility_ms = int(settings.job_visibility * 1000)
        self.text_ttl = settings.text_ttl
        self.backoff = settings.job_backoff
        self.retry_window = settings.job_retry_window
        client = redis.client
        self._claim_book = client.register_script(_CLAIM_BOOK)
        self._push = client.register_script(_PUSH)
        self._abandon = client.register_script(_ABANDON)
        self._complete = client.register_script(_COMPLETE)
        self._retry = client.register_script(_RETRY)
        self._dead = client.register_script(_DEAD)
        self._release = client.register_script(_RELEASE)
        self._unclaim = client.register_script(_UNCLAIM)
        self._promote = client.register_script(_PROMOTE)

    def book_key(self, book_id: str) -> str:
        return f"{self.prefix}falsafa:book:{book_id}:job"

    def text_key(self, job_id: str) -> str:
        return f"{self.prefix}falsafa:job:{job_id}:text"

    def heartbeat_key(self, job_id: str) -> str:
        return f"{self.prefix}falsafa:job:{job_id}:heartbeat"

    async def existing_job(self, book_id: str) -> str | None:
        raw = await self.redis.call(lambda r: r.get(self.book_key(book_id)))
        return _text(raw) if raw else None

    async def claim_book(self, book_id: str, *, hold: float) -> BookClaim:
        """Take the book for a new job, atomically, unless it has a live one.

        A claim not pushed within ``hold`` seconds lapses (its holder died
        mid-download), so the book is never blocked for longer."""
        job_id = str(uuid.uuid4())
        hold_ms = max(1, int(hold * 1000))
        existing = await self.redis.call(
            lambda r: self._claim_book(
                keys=[self.book_key(book_id)], args=[job_id, hold_ms], client=r
            )
        )
        if existing:
            return BookClaim(_text(existing), created=False)
        return BookClaim(job_id, created=True)

    def new_job(self, job_id: str, book_id: str, user_id: str, file_url: str) -> ProcessingJob:
        return ProcessingJob(
            job_id=job_id,
            book_id=book_id,
            user_id=user_id,
            file_url=file_url,
            enqueued_at=self.clock(),
        )

    async def push(self, job: ProcessingJob, text: str) -> bool:
        """Queue the claimed ``job`` with the book's validated text; False
        (nothing queued) when the claim lapsed or the job was queued already."""
        pushed = await self.redis.call(
            lambda r: self._push(
                keys=[self.book_key(job.book_id), self.text_key(job.job_id), self.name],
                args=[job.job_id, text.encode("utf-8"), job.to_json(), self.text_ttl],
                client=r,
            )
        )
        return bool(pushed)

    async def abandon(self, book_id: str, job_id: str) -> None:
        """Give the book back: its claimed job will not be queued (a no-op
        once that job was pushed)."""
        await self.redis.call(
            lambda r: self._abandon(
                keys=[self.book_key(book_id), self.text_key(job_id)], args=[job_id], client=r
            )
        )

    async def enqueue(
        self, book_id: str, user_id: str, file_url: str, text: str, *, hold: float = 60.0
    ) -> tuple[str, bool]:
        """Claim, then push: (job id, created). A book with a live job gets
        that job's id back and nothing is queued."""
        claim = await self.claim_book(book_id, hold=hold)
        if claim.created:
            await self.push(self.new_job(claim.job_id, book_id, user_id, file_url), text)
        return claim.job_id, claim.created

    async def claim(self, timeout: float = 1.0) -> ProcessingJob | None:
        # A cancelled claim is unblocked at once, and a job it had already
        # moved goes back to the tail it came from: a stopped consumer never
        # takes work it will not do.
        def take(r: Any) -> bytes | None:
            raw: bytes | None = r.blmove(self.name, self.processing, timeout, "RIGHT", "LEFT")
            return raw

        def undo(r: Any, raw: bytes | None) -> object:
            if raw is None:  # call_blocking only undoes a result
                return 0
            return self._unclaim(keys=[self.processing, self.name], args=[raw], client=r)

        raw = await self.redis.call_blocking(take, undo=undo)
        if raw is None:
            return None
        job = ProcessingJob.from_raw(raw)
        try:
            await self.heartbeat(job)
        except trio.Cancelled:
            with trio.CancelScope(shield=True), trio.move_on_after(UNDO_TIMEOUT):
                await self.release(job)
            raise
        return job

    async def heartbeat(self, job: ProcessingJob) -> None:
        await self.redis.call(
            lambda r: r.set(self.heartbeat_key(job.job_id), b"1", px=self.visibility_ms)
        )

    async def text(self, job: ProcessingJob) -> str | None:
        raw = await self.redis.call(lambda r: r.get(self.text_key(job.job_id)))
        return _text(raw) if raw is not None else None

    async def complete(self, job: ProcessingJob) -> None:
        keys = [
            self.processing,
            self.book_key(job.book_id),
            self.text_key(job.job_id),
            self.heartbeat_key(job.job_id),
        ]
        await self.redis.call(
            lambda r: self._complete(keys=keys, args=[job.raw, job.job_id], client=r)
        )

    async def fail(self, job: ProcessingJob, reason: str) -> bool:
        """Schedule a retry with backoff; returns False when the job is
        dead-lettered instead (attempts exhausted)."""
        attempt = job.attempt + 1
        if attempt >= self.max_attempts:
            await self.bury(job, reason)
            return False
        retry = replace(job, attempt=attempt, last_error=reason[:500])
        delay = backoff_seconds(
            attempt, self.backoff, window=self.retry_window, attempts=self.max_attempts
        )
        due = self.clock() + delay
        await self.redis.call(
            lambda r: self._retry(
                keys=[self.processing, self.delayed],
                args=[job.raw, retry.to_json(), due],
                client=r,
            )
        )
        await self.redis.call(lambda r: r.delete(self.heartbeat_key(job.job_id)))
        return True

    async def bury(self, job: ProcessingJob, reason: str) -> None:
        dead = replace(job, attempt=job.attempt + 1, last_error=reason[:500])
        keys = [
            self.processing,
            self.dead,
            self.book_key(job.book_id),
            self.text_key(job.job_id),
            self.heartbeat_key(job.job_id),
        ]
        await self.redis.call(
            lambda r: self._dead(keys=keys, args=[job.raw, dead.to_json(), job.job_id], client=r)
        )

    async def release(self, job: ProcessingJob) -> bool:
        keys = [self.processing, self.name, self.heartbeat_key(job.job_id)]
        return bool(
            await self.redis.call(lambda r: self._release(keys=keys, args=[job.raw], client=r))
        )

    async def promote_due(self) -> int:
        now = self.clock()  # read here: the lambda runs on a worker thread
        return int(
            await self.redis.call(
                lambda r: self._promote(keys=[self.delayed, self.name], args=[now], client=r)
            )
        )

    async def in_progress(self) -> list[ProcessingJob]:
        raws = await self.redis.call(lambda r: r.lrange(self.processing, 0, -1))
        return [ProcessingJob.from_raw(raw) for raw in raws]

    async def has_heartbeat(self, job: ProcessingJob) -> bool:
        return bool(await self.redis.call(lambda r: r.exists(self.heartbeat_key(job.job_id))))

    async def depths(self) -> dict[str, int]:
        def read(r: Any) -> list[int]:
            pipe = r.pipeline(transaction=False)
            pipe.llen(self.name)
            pipe.llen(self.processing)
            pipe.zcard(self.delayed)
            pipe.llen(self.dead)
            return [int(x) for x in pipe.execute()]

        pending, processing, delayed, dead = await self.redis.call(read)
        return {"pending": pending, "processing": processing, "delayed": delayed, "dead": dead}

    async def dead_jobs(self) -> list[ProcessingJob]:
        raws = await self.redis.call(lambda r: r.lrange(self.dead, 0, -1))
        return [ProcessingJob.from_raw(raw) for raw in raws]

    async def book_jobs(self, dead_limit: int = 1000) -> BookJobs:
        """The books of every live job and of the newest ``dead_limit`` dead
        ones, read in one MULTI: a job moving between lists is seen once. A
        book claimed by a submission still downloading it has no job in any
        list yet: ``existing_job`` tells."""

        def read(r: Any) -> list[list[bytes]]:
            pipe = r.pipeline(transaction=True)
            pipe.lrange(self.name, 0, -1)
            pipe.lrange(self.processing, 0, -1)
            pipe.zrange(self.delayed, 0, -1)
            pipe.lrange(self.dead, 0, dead_limit - 1)
            return list(pipe.execute())

        pending, processing, delayed, dead = await self.redis.call(read)
        live = frozenset(
            ProcessingJob.from_raw(raw).book_id for raw in (*pending, *processing, *delayed)
        )
        reasons: dict[str, str] = {}
        for raw in dead:  # newest first (LPUSH)
            job = ProcessingJob.from_raw(raw)
            reasons.setdefault(job.book_id, job.last_error or "the job failed")
        return BookJobs(live, reasons)
