"""Intake: a book submitted for processing becomes a queued job, or is rejected.

Usage::

    intake = Intake(store, queue, downloads, settings)
    outcome = await intake.submit(ProcessingRequest(book_id, file_url, user_id))
    match outcome:
        case Accepted(job_id=job_id): ...            # 202 {"status": "accepted", "job_id": ...}
        case Rejected(reason=r, kind="invalid"): ...  # 422: the request cannot be served
        case Rejected(reason=r, kind="unavailable"): ...  # 500: try again later

The order follows the spec: confirm the book exists (and is the user's),
check the URL and extension, then claim the book in Redis in one atomic step
(``JobQueue.claim_book``): a book that has a live job, or a submission still
downloading it, gets that job's id back at once, without a download. Only
the claim's holder downloads (size-capped, storage origin only), checks the
bytes are a readable text, marks the book ``pending`` and pushes the job with
its validated text. ``pending`` is so written only by the request that
created the job, before the job exists for any worker: never over a job that
runs, and never by a late duplicate after a job completed. A holder that
fails gives the claim back (and puts the book's previous status back if it
had marked it); one that dies mid-way leaves a claim that lapses after
``hold_seconds(settings)``.

A duplicate that arrived during the holder's download is answered with the
same job id even if that download then fails: the book's status says what
became of it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Literal
from urllib.parse import unquote, urlsplit

import httpx
import trio

from falsafa.config import Settings, origin_of
from falsafa.jobs.book_text import Rejected as BadBook
from falsafa.jobs.book_text import check_extension, check_storage_url, decode_book
from falsafa.jobs.download import DownloadFailed, download_book
from falsafa.jobs.queue import JobQueue
from falsafa.jobs.status import mark, restore
from falsafa.redisio import RedisUnavailable
from falsafa.store import Book, Store, StoreError

__all__ = [
    "Accepted",
    "Intake",
    "ProcessingRequest",
    "Rejected",
    "hold_seconds",
    "storage_credentials",
]

log = logging.getLogger("falsafa.processing")


@dataclass(frozen=True, slots=True)
class ProcessingRequest:
    book_id: uuid.UUID
    file_url: str
    user_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Accepted:
    job_id: str
    created: bool  # False: the book's live job, already queued


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str
    # invalid: the request cannot be served as it is; unavailable: a peer failed
    kind: Literal["invalid", "unavailable"]


_STORE_DOWN = Rejected("store unavailable, try again later", "unavailable")
_QUEUE_DOWN = Rejected("queue unavailable, try again later", "unavailable")
_LAPSED = Rejected("the book's intake took too long; try again", "unavailable")

# Seconds beyond the download and two store calls that a claim is held, so a
# live holder never outlasts its claim.
CLAIM_MARGIN = 30.0


def hold_seconds(settings: Settings) -> float:
    """How long a book's claim waits for its holder to queue the job."""
    return settings.download_timeout + 2 * settings.store_timeout + CLAIM_MARGIN


@dataclass(eq=False, slots=True)
class Intake:
    store: Store
    queue: JobQueue
    downloads: httpx.AsyncClient
    settings: Settings

    async def submit(self, request: ProcessingRequest) -> Accepted | Rejected:
        settings = self.settings
        try:
            book = await self.store.get_book(request.book_id)
        except StoreError as exc:
            log.error("store unavailable", extra={"error": str(exc)})
            return _STORE_DOWN
        if book is None or book.user_id != request.user_id:
            # The same answer for "missing" and "someone else's": no probing.
            return Rejected("book not found", "invalid")
        try:
            check_storage_url(request.file_url, settings.storage_origins)
            check_extension(request.file_url)
        except BadBook as exc:
            return Rejected(str(exc), "invalid")

        try:
            claim = await self.queue.claim_book(str(request.book_id), hold=hold_seconds(settings))
        except RedisUnavailable:
            return _QUEUE_DOWN
        if not claim.created:
            log.info("book already queued", extra={"job_id": claim.job_id})
            return Accepted(claim.job_id, created=False)
        outcome: Accepted | Rejected | None = None
        try:
            outcome = await self._create(request, book, claim.job_id)
        finally:
            if not isinstance(outcome, Accepted):  # rejected, failed or cancelled
                await self._abandon(request.book_id, claim.job_id)
        return outcome

    async def _create(
        self, request: ProcessingRequest, book: Book, job_id: str
    ) -> Accepted | Rejected:
        settings = self.settings
        try:
            data = await download_book(
                self.downloads,
                request.file_url,
                allowed_origins=settings.storage_origins,
                max_bytes=settings.max_book_bytes,
                timeout=settings.download_timeout,
                credentials=partial(storage_credentials, settings),
            )
            text = decode_book(data)
        except BadBook as exc:
            return Rejected(str(exc), "invalid")
        except DownloadFailed as exc:
            log.error("download failed", extra={"error": str(exc)})
            return Rejected(f"could not download the file: {exc}", "unavailable")

        try:
            await mark(self.store, book, "pending")
        except StoreError as exc:
            log.error("store unavailable", extra={"error": str(exc)})
            return _STORE_DOWN
        job = self.queue.new_job(
            job_id, str(request.book_id), str(request.user_id), request.file_url
        )
        pushed: bool | None = None  # None: Redis failed, or the request was cancelled
        try:
            pushed = await self.queue.push(job, text)
        except RedisUnavailable:
            pass
        finally:
            if not pushed:
                # Put the status back so the book does not look queued forever.
                await self._restore(book)
        if not pushed:
            return _QUEUE_DOWN if pushed is None else _LAPSED
        log.info("book accepted", extra={"job_id": job_id, "new_job": True, "chars": len(text)})
        return Accepted(job_id, created=True)

    async def _restore(self, book: Book) -> None:
        with trio.move_on_after(self.settings.store_timeout) as scope:
            scope.shield = True
            try:
                await restore(self.store, book.id, book.processing_status)
            except StoreError:
                log.warning("could not restore book status after queue failure")

    async def _abandon(self, book_id: uuid.UUID, job_id: str) -> None:
        # Shielded: a cancelled request (client gone) still gives the book back.
        with trio.move_on_after(self.settings.store_timeout) as scope:
            scope.shield = True
            try:
                await self.queue.abandon(str(book_id), job_id)
            except RedisUnavailable:
                log.warning("could not give the book's claim back; it lapses by itself")


# Supabase Storage's object API; ``public/`` objects need no credentials.
_STORAGE_OBJECTS = "/storage/v1/object/"
_PUBLIC_OBJECTS = "/storage/v1/object/public/"


def storage_credentials(settings: Settings, url: str) -> dict[str, str] | None:
    """The headers a download of ``url`` carries: the service-role key for a
    private object of the Supabase project itself (the origin of
    ``SUPABASE_URL``, its storage object paths), nothing anywhere else. The
    key reads every table and bucket: other allowed origins, public URLs and
    a redirect's next hop never see it (SECURITY.md)."""
    key = settings.supabase_key
    if settings.store != "supabase" or not key or not settings.supabase_url:
        return None
    parts = urlsplit(url)
    if origin_of(url) != origin_of(settings.supabase_url) or parts.username or parts.password:
        return None
    path = parts.path
    if not path.startswith(_STORAGE_OBJECTS) or path.startswith(_PUBLIC_OBJECTS):
        return None
    # ``/storage/v1/object/../../rest/v1/books`` is the project's REST API,
    # which the key reads whole: no dot segment, however encoded.
    if any(segment in {".", ".."} for segment in unquote(path).split("/")):
        return None
    return {"Authorization": f"Bearer {key}", "apikey": key}
