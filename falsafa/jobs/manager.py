"""The book processor: one job's book through the pipeline, with its status on the book.

Usage::

    processor = BookProcessor(store, queue, completer, settings)  # completer: None offline
    await processor.process(job)          # raises JobFailed(permanent=...) on failure

Stages, in order, each timed into ``falsafa_job_stage_duration_seconds``:
``load`` (the validated text kept with the job), ``extraction``, ``index``
and ``personas`` (together in a worker process), optional ``refine`` (an LLM
writes each description when one is configured), ``save`` (one atomic,
idempotent store call that writes the book's layout and marks it
``completed``). Status goes ``pending -> processing -> completed`` through
``falsafa.jobs.status``; ``failed`` is written by the worker once retries
are exhausted. What a person watching sees (``falsafa.jobs.progress``):
``downloading`` (the load), ``extracting``, ``indexing``, ``personas`` (with
the refinement), ``saving``, and a fraction, on the book row.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Literal

import trio
import trio_parallel

from falsafa import metrics
from falsafa.config import Settings
from falsafa.extract.model import ExtractorUnavailable
from falsafa.jobs.pipeline import BookAnalysis, analyse_book
from falsafa.jobs.progress import JobProgress, StageFile, stage_file
from falsafa.jobs.queue import JobQueue, ProcessingJob
from falsafa.jobs.status import InvalidTransition, check_transition, mark
from falsafa.llm import Completer
from falsafa.persona import REFINE_MAX_TOKENS, REFINE_TEMPERATURE, refine_records
from falsafa.redisio import RedisUnavailable
from falsafa.store import NotFound, Store, StoreError, StoreUnavailable

__all__ = ["BookProcessor", "JobFailed", "Outage"]

# What a job could not reach: not the job's fault, and no attempt is spent on it.
Outage = Literal["store", "redis"]

log = logging.getLogger("falsafa.jobs")


class JobFailed(Exception):
    """The job did not complete. ``permanent`` failures skip the retries
    (the book was deleted, its text expired, the extractor is missing);
    ``outage`` names what could not be reached (``store``, ``redis``): the
    worker waits for it before it spends an attempt."""

    def __init__(
        self, reason: str, *, permanent: bool = False, outage: Outage | None = None
    ) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.outage = outage


@dataclass(eq=False, slots=True)
class BookProcessor:
    """What processing a book works with: the store, the queue (which holds
    the job's text), an LLM for persona refinement (None offline), and the
    extraction settings."""

    store: Store
    queue: JobQueue
    completer: Completer | None
    settings: Settings

    async def process(self, job: ProcessingJob) -> None:
        await _process_job(self, job)


async def _process_job(processor: BookProcessor, job: ProcessingJob) -> None:
    try:
        await _process(processor, job)
    except (JobFailed, trio.Cancelled):
        raise
    except ExtractorMissing as exc:
        raise JobFailed(str(exc), permanent=True) from None
    except StoreUnavailable as exc:
        raise JobFailed(f"store error: {exc}", outage="store") from exc
    except StoreError as exc:
        raise JobFailed(f"store error: {exc}") from exc
    except RedisUnavailable as exc:
        raise JobFailed(f"redis unavailable: {exc}", outage="redis") from exc
    except Exception as exc:
        # A bug on one book must not take the worker down (it would crash
        # again on the same job after every restart): retry, then dead-letter.
        log.exception("job crashed")
        raise JobFailed(f"internal error: {type(exc).__name__}: {exc}") from exc


async def _process(processor: BookProcessor, job: ProcessingJob) -> None:
    progress = JobProgress(processor.store, uuid.UUID(job.book_id))
    try:
        await _stages(processor, job, progress)
    finally:
        progress.close()


async def _stages(processor: BookProcessor, job: ProcessingJob, progress: JobProgress) -> None:
    settings = processor.settings
    store = processor.store
    book_id = uuid.UUID(job.book_id)

    with _stage("load"):
        book = await store.get_book(book_id)
        if book is None:
            raise JobFailed("the book no longer exists", permanent=True)
        await progress.enter("downloading")
        text = await processor.queue.text(job)
        if text is None:
            raise JobFailed(
                "the book's text expired before it was processed; upload it again", permanent=True
            )
    try:
        book = await mark(store, book, "processing")
    except NotFound:
        raise JobFailed("the book no longer exists", permanent=True) from None
    except InvalidTransition as exc:
        raise JobFailed(str(exc), permanent=True) from None

    started = time.perf_counter()
    progress.expect(len(text))
    await progress.enter("extracting")
    with stage_file() as stages:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(progress.follow, stages)
            analysis: BookAnalysis = await trio_parallel.run_sync(
                _analyse,
                job.book_id,
                text,
                settings.extractor,
                str(settings.booknlp_models) if settings.booknlp_models else None,
                settings.personas,
                book.title,
                str(stages),
                cancellable=True,
            )
            nursery.cancel_scope.cancel()
    for stage, seconds in analysis.timings.items():
        metrics.JOB_STAGE_SECONDS.labels(stage=stage).observe(seconds)
    log.info(
        "book analysed",
        extra={
            "characters": len(analysis.characters),
            "passages": len(analysis.passages),
            "seconds": round(time.perf_counter() - started, 3),
            "timings": {k: round(v, 3) for k, v in analysis.timings.items()},
            "extractor": analysis.extractor,
        },
    )
    if not analysis.characters:
        log.warning("no characters found in the book")

    characters = analysis.characters
    if processor.completer is not None:
        await progress.enter("personas")  # the LLM rewrites what the templates wrote
        with _stage("refine"):
            call = partial(
                processor.completer.complete,
                max_tokens=REFINE_MAX_TOKENS,
                temperature=REFINE_TEMPERATURE,
            )
            characters = await refine_records(characters, call, timeout=settings.llm_timeout)

    await progress.enter("saving")
    with _stage("save"):
        check_transition(book.processing_status, "completed")
        try:
            # The cast first: once the book reads completed, it is there.
            await store.set_book_cast(book_id, list(analysis.cast))
            await store.save_book_results(book_id, characters, analysis.passages, analysis.layout)
        except NotFound:
            raise JobFailed("the book no longer exists", permanent=True) from None
    log.info("job completed")


def _analyse(
    book_id: str,
    text: str,
    extractor: str,
    models: str | None,
    personas: int,
    title: str,
    stages: str,
) -> BookAnalysis:
    _lower_priority()
    try:
        return analyse_book(
            book_id,
            text,
            extractor=extractor,
            booknlp_models=models,
            personas=personas,
            title=title,
            on_stage=StageFile(stages),
        )
    except ExtractorUnavailable as exc:
        # Re-raised as a plain exception that pickles across the process boundary.
        raise ExtractorMissing(f"extractor unavailable: {exc}") from None


# Extraction runs in a worker process at a lower CPU priority: on a small box
# it competes for cores with the event loop that relays chat tokens, and the
# loop must win (a book finishing a few seconds later is invisible; a stalled
# stream is not).
EXTRACTION_NICENESS = 10


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):
        current = os.nice(0)
        if current < EXTRACTION_NICENESS:
            os.nice(EXTRACTION_NICENESS - current)


class ExtractorMissing(Exception):
    """The configured extractor cannot run here (a permanent job failure)."""


class _stage:
    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        metrics.JOB_STAGE_SECONDS.labels(stage=self.name).observe(
            time.perf_counter() - self.started
        )
