"""``POST /character/processing``: validate a book, queue its job, answer 202.

The order follows the spec: confirm the book exists (and is the user's),
check the URL and extension, download (120 s, size-capped, storage origin
only), check the bytes are a readable text, then mark the book ``pending``
and push the job with its validated text. A book that already has a live
job gets that job back instead of a second one.

Errors: 400 malformed body; 422 missing book, wrong user, bad extension,
URL outside storage, binary/empty/undecodable/oversized file; 500 when the
store, storage or Redis fail (a JSON body, never a traceback).
"""

from __future__ import annotations

import logging

import trio
from quart import Blueprint, Response, current_app, request

from falsafa.api.bodies import parse_processing
from falsafa.errors import ApiError, json_response
from falsafa.jobs.book_text import Rejected, check_extension, check_storage_url, decode_book
from falsafa.jobs.download import DownloadFailed, download_book
from falsafa.logs import log_context
from falsafa.redisio import RedisUnavailable
from falsafa.services import Services
from falsafa.store import StoreError

__all__ = ["blueprint"]

log = logging.getLogger("falsafa.processing")

blueprint = Blueprint("processing", __name__)


def _services() -> Services:
    services: Services = current_app.extensions["falsafa"]
    return services


def _accepted(job_id: str) -> Response:
    return json_response({"status": "accepted", "job_id": job_id}, 202)


@blueprint.post("/character/processing")
async def submit_book() -> Response:
    services = _services()
    settings = services.settings
    body = parse_processing(await request.get_data(cache=False))
    book_id, user_id = str(body.book_id), str(body.user_id)
    with log_context(book_id=book_id):
        try:
            book = await services.store.get_book(body.book_id)
        except StoreError as exc:
            log.error("store unavailable", extra={"error": str(exc)})
            raise ApiError(500, "store unavailable, try again later") from None
        if book is None or book.user_id != body.user_id:
            # The same answer for "missing" and "someone else's": no probing.
            raise ApiError(422, "book not found")
        try:
            check_storage_url(body.file_url, settings.storage_origins)
            check_extension(body.file_url)
        except Rejected as exc:
            raise ApiError(422, str(exc)) from None

        try:
            existing = await services.queue.existing_job(book_id)
        except RedisUnavailable:
            raise ApiError(500, "queue unavailable, try again later") from None
        if existing is not None:
            log.info("book already queued", extra={"job_id": existing})
            return _accepted(existing)

        try:
            data = await download_book(
                services.downloads,
                body.file_url,
                allowed_origins=settings.storage_origins,
                max_bytes=settings.max_book_bytes,
                timeout=settings.download_timeout,
                headers=_storage_headers(services),
            )
            text = decode_book(data)
        except Rejected as exc:
            raise ApiError(422, str(exc)) from None
        except DownloadFailed as exc:
            log.error("download failed", extra={"error": str(exc)})
            raise ApiError(500, f"could not download the file: {exc}") from None

        previous = book.processing_status
        try:
            await services.store.set_book_status(body.book_id, "pending")
        except StoreError as exc:
            log.error("store unavailable", extra={"error": str(exc)})
            raise ApiError(500, "store unavailable, try again later") from None
        try:
            job_id, created = await services.queue.enqueue(book_id, user_id, body.file_url, text)
        except RedisUnavailable:
            # Put the status back so the book does not look queued forever.
            with trio.move_on_after(settings.store_timeout) as scope:
                scope.shield = True
                try:
                    await services.store.set_book_status(body.book_id, previous)
                except StoreError:
                    log.warning("could not restore book status after queue failure")
            raise ApiError(500, "queue unavailable, try again later") from None
        log.info(
            "book accepted",
            extra={"job_id": job_id, "new_job": created, "chars": len(text)},
        )
        return _accepted(job_id)


def _storage_headers(services: Services) -> dict[str, str] | None:
    # Private Supabase buckets need the service key; public URLs ignore it.
    key = services.settings.supabase_key
    if key and services.settings.store == "supabase":
        return {"Authorization": f"Bearer {key}", "apikey": key}
    return None
