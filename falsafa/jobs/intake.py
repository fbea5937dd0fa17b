"""Intake: a book submitted for processing becomes a queued job, or is rejected.

Usage::

    intake = Intake(store, queue, downloads, settings)
    outcome = await intake.submit(ProcessingRequest(book_id, file_url, user_id))
    match outcome:
        case Accepted(job_id=job_id): ...            # 202 {"status": "accepted", "job_id": ...}
        case Rejected(reason=r, kind="invalid"): ...  # 422: the request cannot be served
        case Rejected(reason=r, kind="unavailable"): ...  # 500: try again later

The order follows the spec: confirm the book exists (and is the user's),
check the URL and extension, download (size-capped, storage origin only),
check the bytes are a readable text, then mark the book ``pending`` and push
the job with its validated text. A book that already has a live job gets
that job back instead of a second one. If the job cannot be queued after
the book was marked, its previous status is put back.
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
from falsafa.store import Store, StoreError

__all__ = ["Accepted", "Intake", "ProcessingRequest", "Rejected", "storage_credentials"]

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

        book_id = str(request.book_id)
        try:
            existing = await self.queue.existing_job(book_id)
        except RedisUnavailable:
            return _QUEUE_DOWN
        if existing is not None:
            log.info("book already queued", extra={"job_id": existing})
            return Accepted(existing, created=False)

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
        try:
            job_id, created = await self.queue.enqueue(
                book_id, str(request.user_id), request.file_url, text
            )
        except RedisUnavailable:
            # Put the status back so the book does not look queued forever.
            with trio.move_on_after(settings.store_timeout) as scope:
                scope.shield = True
                try:
                    await restore(self.store, book.id, book.processing_status)
                except StoreError:
                    log.warning("could not restore book status after queue failure")
            return _QUEUE_DOWN
        log.info("book accepted", extra={"job_id": job_id, "new_job": created, "chars": len(text)})
        return Accepted(job_id, created)


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
