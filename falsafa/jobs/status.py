"""A book's processing status: the transitions allowed, and the one place that writes them.

Usage::

    await mark(store, book, "pending")                 # checked against TRANSITIONS
    await mark(store, book, "failed", "no text")       # with the reason shown to the user
    await restore(store, book.id, previous)            # undo an intake whose job was not queued
    check_transition("completed", "failed")            # raises InvalidTransition

The life of a book::

    (any) --intake--> pending --worker--> processing --save--> completed
                                  \\                  \\--retries exhausted--> failed
                                   \\--text expired, book gone--> failed

``processing -> processing`` is a retry, and ``completed -> processing`` a
job delivered again after its results were saved (its worker died before
acknowledging it): both redo idempotent work. Only a new intake (and its
job) leaves ``failed``; a book with results is never marked ``failed``.
``completed`` is written by ``Store.save_book_results`` together with the
results, after :func:`check_transition` allowed it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace

from falsafa.store import Book, BookStatus, NotFound, Store, StoreError

__all__ = ["TRANSITIONS", "InvalidTransition", "check_transition", "mark", "mark_failed", "restore"]

TRANSITIONS: Mapping[BookStatus, frozenset[BookStatus]] = {
    "pending": frozenset({"pending", "processing", "failed"}),
    "processing": frozenset({"pending", "processing", "completed", "failed"}),
    "completed": frozenset({"pending", "processing"}),
    # processing: a new intake queued a job while the last job's failure was
    # being written (the intake's ``pending`` was overwritten).
    "failed": frozenset({"pending", "processing"}),
}


class InvalidTransition(StoreError):
    """A status change the book's life does not allow (a bug, or a race)."""


def check_transition(current: BookStatus, new: BookStatus) -> None:
    if new not in TRANSITIONS[current]:
        raise InvalidTransition(f"a {current} book cannot become {new}")


async def mark(store: Store, book: Book, new: BookStatus, error: str | None = None) -> Book:
    """Write ``new`` on ``book`` (as read just before) if the move is allowed;
    returns the book as it now is. ``NotFound`` when the book is gone."""
    check_transition(book.processing_status, new)
    await store.set_book_status(book.id, new, error)
    return _with_status(book, new, error)


async def mark_failed(store: Store, book_id: uuid.UUID, reason: str) -> bool:
    """Record that the book's job failed for good; False (and nothing
    written) when the book is gone or already has results."""
    book = await store.get_book(book_id)
    if book is None:
        return False
    try:
        await mark(store, book, "failed", reason)
    except (InvalidTransition, NotFound):
        return False
    return True


async def restore(store: Store, book_id: uuid.UUID, previous: BookStatus) -> None:
    """Put back the status an intake replaced with ``pending`` when its job
    could not be queued after all (an undo, not a step of the book's life)."""
    await store.set_book_status(book_id, previous)


def _with_status(book: Book, status: BookStatus, error: str | None) -> Book:
    return replace(book, processing_status=status, processing_error=error)
