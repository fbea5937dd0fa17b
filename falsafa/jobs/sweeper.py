"""Books that read ``pending`` or ``processing`` without a live job: found and repaired.

Usage (the worker's reaper loop does this, every round it holds the reaper's lease)::

    sweeper = BookSweeper.configured(store, queue, intake, settings)   # or BookSweeper(..., grace=30)
    await sweeper.maybe_sweep()    # a round every SWEEP_INTERVAL s; never raises
    repaired = await sweeper.sweep()   # one round, now (tests)
    sweeper.forget()               # the lease went to another process

The queue is what moves a book on; the book's status is only what a reader
sees. The two part when a write is lost: the store was down when the worker
wrote ``failed`` after the last attempt, Redis lost its lists, an intake
marked the book ``pending`` and then could not queue it. Nothing would
touch such a book again. Each round compares the books the store has in
those states with every job in the queue, processing, delayed and dead
lists, and repairs a book seen without a live job for ``grace`` seconds
(an intake marks the book before it queues the job, and a job that has
just completed leaves a stale read behind) unless a submission holds the
book's claim (``JobQueue.claim_book``: it is downloading the book, or has
just queued its job):

- its newest job is dead-lettered: ``failed`` with that job's reason;
- no job at all: submitted again through the intake (the book's
  ``file_url`` downloaded again), or ``failed`` saying why it cannot be. A
  ``pending`` row untouched since the frontend created it was never
  submitted: it is left alone.

A repair that fails (the store still down) is tried again next round.
``falsafa_book_repairs_total{action}`` counts repairs. One sweeper acts at a
time: the worker runs it only while its reaper holds the lease
(``falsafa.jobs.reaper``). Two repeating a repair, as when a round outlasts
the lease, is harmless all the same (the claim gives one job per book;
``failed`` is written once).
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable

import trio

from falsafa import metrics
from falsafa.config import Settings
from falsafa.jobs.intake import Accepted, Intake, ProcessingRequest
from falsafa.jobs.queue import JobQueue
from falsafa.jobs.status import mark_failed
from falsafa.redisio import RedisUnavailable
from falsafa.store import Book, BookStatus, Store, StoreError

__all__ = ["MAX_GRACE", "SWEEP_INTERVAL", "BookSweeper"]

log = logging.getLogger("falsafa.sweeper")

# Seconds between two rounds, and at most this many books looked at a round
# (the least recently updated first: a backlog is worked through in turn).
SWEEP_INTERVAL = 10.0
SWEEP_BOOKS = 500
# A book is repaired after this long without a live job, or the job
# visibility timeout if shorter (within a minute of the store's return).
MAX_GRACE = 30.0
UNFINISHED: tuple[BookStatus, ...] = ("pending", "processing")


class BookSweeper:
    """See the module docstring. ``round_timeout`` bounds one round (it may
    download books again); ``clock`` measures the grace (trio's by default)."""

    def __init__(
        self,
        store: Store,
        queue: JobQueue,
        intake: Intake,
        *,
        grace: float,
        round_timeout: float = 60.0,
        interval: float = SWEEP_INTERVAL,
        clock: Callable[[], float] = trio.current_time,
    ) -> None:
        self.store = store
        self.queue = queue
        self.intake = intake
        self.grace = grace
        self.round_timeout = round_timeout
        self.interval = interval
        self.clock = clock
        self._jobless_since: dict[uuid.UUID, float] = {}
        self._last_round = -math.inf

    @classmethod
    def configured(
        cls, store: Store, queue: JobQueue, intake: Intake, settings: Settings
    ) -> BookSweeper:
        """The sweeper ``settings`` call for: a round may download a book and
        write twice, so it gets the download timeout and three store calls."""
        return cls(
            store,
            queue,
            intake,
            grace=min(settings.job_visibility, MAX_GRACE),
            round_timeout=settings.download_timeout + 3 * settings.store_timeout,
        )

    async def maybe_sweep(self) -> int:
        """A round if ``interval`` has passed since the last; failures are
        logged (the next round tries again), never raised."""
        if self.clock() - self._last_round < self.interval:
            return 0
        self._last_round = self.clock()
        try:
            with trio.move_on_after(self.round_timeout):
                return await self.sweep()
        except (StoreError, RedisUnavailable) as exc:
            log.warning("book sweep failed; next round tries again", extra={"error": str(exc)})
        return 0

    async def sweep(self) -> int:
        """One round; returns how many books were repaired."""
        books = await self.store.books_with_status(UNFINISHED, limit=SWEEP_BOOKS)
        jobs = await self.queue.book_jobs()  # after the books: a job queued since counts
        now = self.clock()
        jobless = {
            book.id: book
            for book in books
            if str(book.id) not in jobs.live and (str(book.id) in jobs.dead or _submitted(book))
        }
        for book_id in set(self._jobless_since) - set(jobless):
            del self._jobless_since[book_id]
        repaired = 0
        for book_id, book in jobless.items():
            first = self._jobless_since.setdefault(book_id, now)
            if now - first < self.grace:
                continue
            if await self.queue.existing_job(str(book_id)) is not None:
                del self._jobless_since[book_id]  # a submission holds it: not jobless
                continue
            if await self._repair(book, jobs.dead.get(str(book_id))):
                del self._jobless_since[book_id]
                repaired += 1
        return repaired

    def forget(self) -> None:
        """Drop what earlier rounds saw: another process sweeps meanwhile, so
        a book seen jobless then is no evidence when this one sweeps again."""
        self._jobless_since.clear()

    async def _repair(self, book: Book, dead_reason: str | None) -> bool:
        context = {"book_id": str(book.id), "status": book.processing_status}
        if dead_reason is not None:
            if await mark_failed(self.store, book.id, dead_reason):
                metrics.BOOK_REPAIRS.labels(action="failed").inc()
                log.warning("book without a live job marked failed", extra=context)
            return True  # or it moved on meanwhile: nothing left to repair
        outcome = await self.intake.submit(ProcessingRequest(book.id, book.file_url, book.user_id))
        if isinstance(outcome, Accepted):
            if outcome.created:  # else a submission claimed the book since: not ours
                metrics.BOOK_REPAIRS.labels(action="requeued").inc()
                log.warning(
                    "book without a live job queued again",
                    extra={**context, "job_id": outcome.job_id},
                )
            return True
        if outcome.kind == "unavailable":
            log.warning(
                "book without a live job: cannot queue it yet",
                extra={**context, "error": outcome.reason},
            )
            return False
        reason = (
            f"its job was lost and it cannot be queued again ({outcome.reason}); submit it again"
        )
        if await mark_failed(self.store, book.id, reason):
            metrics.BOOK_REPAIRS.labels(action="failed").inc()
            log.warning("book without a live job marked failed", extra={**context, "why": reason})
        return True


def _submitted(book: Book) -> bool:
    """Whether the book went through an intake: ``processing``, or
    ``pending`` and written since its row was created. The frontend creates
    a book ``pending`` before it uploads and submits the file; such a row,
    untouched since, has no job yet because none was asked for."""
    if book.processing_status != "pending":
        return True
    created, updated = book.created_at, book.updated_at
    return created is not None and updated is not None and updated > created
