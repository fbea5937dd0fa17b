"""A job's progress: its stage and a fraction on the book, a log line and a metric per stage.

Usage (the book processor does this)::

    progress = JobProgress(store, book_id)
    try:
        await progress.enter("downloading")
        ...
        progress.expect(len(text))                         # the estimate's pace
        await progress.enter("extracting")
        with stage_file() as path:                        # the worker process's reports
            async with trio.open_nursery() as nursery:
                nursery.start_soon(progress.follow, path)  # its stages, and an estimate
                analysis = await trio_parallel.run_sync(work, ..., str(path))
                nursery.cancel_scope.cancel()
        await progress.enter("saving")
        await store.save_book_results(...)                 # completed: (no stage, 1.0)
    finally:
        progress.close()                                   # the last stage's log line

    # in the worker process:
    analyse_book(..., on_stage=StageFile(path))            # "indexing", "personas"

The stages, in order, are ``STAGES``; each owns a span of the bar
(``STAGE_STARTS``, from War and Peace's timings: extraction is four fifths
of a job). A stage's start is written on the book (``processing_stage``,
``processing_progress``) when the job enters it, so a frontend can draw a
bar; the fraction only ever rises, and the store's schema empties the bar
when a new intake marks the book ``pending`` and fills it when the book is
``completed``. Extraction reports nothing while it runs,
so within it the fraction is an estimate from the text's length and the time
spent, which slows down as it nears the stage's end and never passes it.

Progress is for people watching: a write that fails is logged and skipped,
never a reason to fail or retry the job. Each stage that ends is logged
("job stage finished", with its seconds) and counted in
``falsafa_jobs_in_stage`` while it runs.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import trio

from falsafa import metrics
from falsafa.store import BookStage, Store, StoreError

__all__ = ["STAGES", "STAGE_STARTS", "JobProgress", "StageFile", "stage_file"]

log = logging.getLogger("falsafa.jobs")

STAGES: tuple[BookStage, ...] = get_args(BookStage)
STAGE_STARTS: dict[BookStage, float] = {
    "downloading": 0.0,
    "extracting": 0.02,
    "indexing": 0.80,
    "personas": 0.84,
    "saving": 0.95,
}
# Extraction's pace for the estimate, characters per second: War and Peace
# (3.2 M characters) takes 4.3 s on an idle core, longer under load; the
# estimate is better slow than ahead.
EXTRACTION_CHARS_PER_SECOND = 400_000
# The estimate fills at most this share of the extraction's span.
ESTIMATE_CAP = 0.9
# Seconds: how often the worker process's reports are read; the least time
# between two estimated writes; the longest a progress write may take.
POLL_INTERVAL = 0.2
ESTIMATE_INTERVAL = 1.0
WRITE_TIMEOUT = 5.0


class StageFile:
    """The worker process's side: ``report("indexing")`` appends the stage
    to a file the job's own process reads (nothing else crosses from a
    ``trio_parallel`` worker while it runs). Picklable: a path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, stage: BookStage) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(stage + "\n")


@contextlib.contextmanager
def stage_file() -> Iterator[Path]:
    """A fresh, empty file for one job's stage reports; removed afterwards."""
    fd, name = tempfile.mkstemp(prefix="falsafa-stages-", suffix=".txt")
    os.close(fd)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _reported(path: Path) -> list[BookStage]:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError:
        return []
    # The last item is an unfinished line (or ""): a report half-written.
    return [line for line in lines[:-1] if line in STAGE_STARTS]


class JobProgress:
    """One job's stage and fraction, written on its book as they change."""

    def __init__(self, store: Store, book_id: uuid.UUID) -> None:
        self.store = store
        self.book_id = book_id
        self.stage: BookStage | None = None
        self.fraction = 0.0
        self._entered = 0.0
        self._written = -math.inf  # when the last estimate was written
        self._expected = 1.0  # seconds extraction should take
        self._warned = False

    def expect(self, text_length: int) -> None:
        """Pace the estimate within extraction for a text this long."""
        self._expected = max(1.0, text_length / EXTRACTION_CHARS_PER_SECOND)

    async def enter(self, stage: BookStage) -> None:
        """Leave the current stage (its log line) and write ``stage``'s start."""
        if stage == self.stage:
            return
        self.close()
        self.stage = stage
        self._entered = trio.current_time()
        metrics.JOBS_IN_STAGE.labels(stage=stage).inc()
        await self._write(stage, STAGE_STARTS[stage])

    async def follow(self, path: Path) -> None:
        """Enter each stage the worker process reports in ``path``, and move
        the estimate along within extraction; runs until cancelled."""
        seen = 0
        while True:
            reported = _reported(path)
            for stage in reported[seen:]:
                await self.enter(stage)
            seen = len(reported)
            if self.stage == "extracting":
                await self._estimate()
            await trio.sleep(POLL_INTERVAL)

    def close(self) -> None:
        """End the current stage: its log line and its count (every path out
        of a job calls this, failures and cancellation too)."""
        if self.stage is None:
            return
        seconds = trio.current_time() - self._entered
        metrics.JOBS_IN_STAGE.labels(stage=self.stage).dec()
        log.info("job stage finished", extra={"stage": self.stage, "seconds": round(seconds, 3)})
        self.stage = None

    async def _estimate(self) -> None:
        now = trio.current_time()
        if now - self._written < ESTIMATE_INTERVAL:
            return
        start, end = STAGE_STARTS["extracting"], STAGE_STARTS["indexing"]
        share = ESTIMATE_CAP * (1 - math.exp(-(now - self._entered) / self._expected))
        estimate = round(start + (end - start) * share, 3)
        if estimate > self.fraction:
            self._written = now
            await self._write("extracting", estimate)

    async def _write(self, stage: BookStage, fraction: float) -> None:
        self.fraction = fraction = max(self.fraction, fraction)
        with trio.move_on_after(WRITE_TIMEOUT) as scope:
            try:
                await self.store.set_book_progress(self.book_id, stage, fraction)
            except StoreError as exc:
                self._warn(str(exc))
        if scope.cancelled_caught:
            self._warn(f"no answer within {WRITE_TIMEOUT:g} s")

    def _warn(self, error: str) -> None:
        # Once per job: a store that is down says so in the job's failure.
        if not self._warned:
            self._warned = True
            log.warning("progress not recorded", extra={"error": error})
