"""A processed book ready for chat, built once per session by the real pipeline."""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Awaitable, Callable

import pytest

from falsafa.jobs.pipeline import BookAnalysis, analyse_book
from falsafa.store import Book, ChatSession, character_uuid
from falsafa.supervisor import ServiceHandle
from tests.support import BOOKS

CAROL_TEXT = (BOOKS / "a_christmas_carol.txt").read_text(encoding="utf-8")


@functools.cache
def carol_analysis() -> BookAnalysis:
    return analyse_book(str(uuid.UUID(int=1)), CAROL_TEXT, title="A Christmas Carol")


ReadyBook = Callable[[ServiceHandle], Awaitable[tuple[Book, ChatSession]]]


@pytest.fixture
def ready_book() -> ReadyBook:
    """Save Carol's analysis as a completed book and open a session with its
    top character (ids are re-derived for a fresh book id)."""

    async def make(service: ServiceHandle) -> tuple[Book, ChatSession]:
        store = service.services.store
        analysis = carol_analysis()
        book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), title="A Christmas Carol")
        await store.create_book(book)
        characters = [
            dataclasses.replace(c, id=character_uuid(book.id, c.name), book_id=book.id)
            for c in analysis.characters
        ]
        passages = [dataclasses.replace(p, book_id=book.id) for p in analysis.passages]
        await store.save_book_results(book.id, characters, passages, analysis.layout)
        session = ChatSession(
            id=uuid.uuid4(), user_id=book.user_id, book_id=book.id, character_id=characters[0].id
        )
        await store.create_session(session)
        return book, session

    return make
