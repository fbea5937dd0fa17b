"""Helpers shared by the end-to-end tests (no fixtures here, plain functions)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import redis
import trio

from falsafa.store import Book, ChatSession, Store
from falsafa.supervisor import ServiceHandle
from tests.conftest import SHARED

BOOKS = SHARED / "data" / "books"


async def create_book(store: Store, *, user_id: uuid.UUID | None = None, title: str = "") -> Book:
    book = Book(id=uuid.uuid4(), user_id=user_id or uuid.uuid4(), title=title or "A test book")
    await store.create_book(book)
    return book


def processing_body(book: Book, file_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "book_id": str(book.id),
        "user_id": str(book.user_id),
        "file_url": file_url,
        **overrides,
    }


async def wait_for_status(
    store: Store, book_id: uuid.UUID, wanted: set[str], timeout: float = 30
) -> Book:
    """Poll the book's processing_status until it is one of ``wanted``."""
    with trio.fail_after(timeout):
        while True:
            book = await store.get_book(book_id)
            if book is not None and book.processing_status in wanted:
                return book
            await trio.sleep(0.05)


def blocked_clients(client: redis.Redis) -> int:
    """How many clients Redis has blocked in BLMOVE and the like."""
    return int(client.info("clients")["blocked_clients"])


async def until_blocked(client: redis.Redis, count: int, timeout: float = 10) -> None:
    """Wait until at least ``count`` clients are blocked (a consumer is waiting)."""
    with trio.fail_after(timeout):
        while blocked_clients(client) < count:  # noqa: ASYNC110 - polling Redis
            await trio.sleep(0.01)


async def process_book(
    service: ServiceHandle, client: httpx.AsyncClient, book: Book, file_url: str
) -> Book:
    response = await client.post("/character/processing", json=processing_body(book, file_url))
    assert response.status_code == 202, response.text
    return await wait_for_status(service.services.store, book.id, {"completed", "failed"}, 60)


async def open_session(service: ServiceHandle, book: Book, rank: int = 0) -> ChatSession:
    store = service.services.store
    characters = await store.list_characters(book.id)
    assert characters, "the book has no characters"
    session = ChatSession(
        id=uuid.uuid4(), user_id=book.user_id, book_id=book.id, character_id=characters[rank].id
    )
    await store.create_session(session)
    return session


def chat_body(session: ChatSession, message: str, **overrides: Any) -> dict[str, Any]:
    return {
        "user_id": str(session.user_id),
        "character_id": str(session.character_id),
        "book_id": str(session.book_id),
        "session_id": str(session.id),
        "user_message": message,
        **overrides,
    }


async def chat_stream(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> tuple[httpx.Response, str]:
    """POST ``body`` to ``/character/chat`` and read the whole stream: the
    response and its raw text (see :func:`sse_events`)."""
    async with client.stream("POST", "/character/chat", json=body) as response:
        raw = (await response.aread()).decode()
    return response, raw


def sse_events(raw: str) -> list[dict[str, Any]]:
    """The JSON payloads of ``data:`` lines (comments and blank lines skipped)."""
    import json

    return [json.loads(line[5:]) for line in raw.splitlines() if line.startswith("data:")]
