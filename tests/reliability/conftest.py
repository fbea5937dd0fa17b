"""Fixtures for the reliability tests: one service with every peer, ready to abuse.

``hostile`` runs the API role (jobs stay queued where a test can see them)
against the storage and OpenAI peers, with one book that may be processed and
one completed book with an open chat session.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from falsafa.config import Settings
from falsafa.logs import JsonFormatter
from falsafa.store import Book, ChatSession
from falsafa.supervisor import ServiceHandle
from tests.chat.conftest import ReadyBook, ready_book
from tests.conftest import StartService
from tests.peers.openai import OpenAIPeer, Script
from tests.peers.storage import StoragePeer
from tests.store.conftest import pg_dsn
from tests.support import BOOKS, create_book

__all__ = ["Hostile", "JsonLines", "json_logs", "pg_dsn", "ready_book"]

CAROL = (BOOKS / "a_christmas_carol.txt").read_bytes()
REPLY = ["All", " is", " well", "."]


class JsonLines(logging.Handler):
    """Every record at INFO and above, formatted as the service writes it.

    Formatting each record in the test (instead of letting pytest keep the
    raw records) catches what only shows in production, where the service
    logs at INFO: an ``extra`` key that collides with a LogRecord attribute
    raises inside the request and turns a 202 into a 500.
    """

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def errors(self) -> list[str]:
        return [
            line
            for line in self.lines
            if '"level": "error"' in line or '"level": "critical"' in line
        ]


@pytest.fixture(autouse=True)
def json_logs() -> Iterator[JsonLines]:
    root = logging.getLogger()
    handler = JsonLines()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@dataclass
class Hostile:
    """A running service and what a test needs to aim at it."""

    service: ServiceHandle
    client: httpx.AsyncClient
    storage: StoragePeer
    llm: OpenAIPeer
    book: Book
    """Owned by its user, status ``pending``: the processing endpoint's target."""
    book_url: str
    """A readable .txt in storage."""
    make_ready_book: ReadyBook
    _session: ChatSession | None = None

    async def open_chat(self) -> ChatSession:
        """A completed book with an open session (built on first use: it costs)."""
        if self._session is None:
            _book, self._session = await self.make_ready_book(self.service)
        return self._session

    @property
    def session(self) -> ChatSession:
        assert self._session is not None, "await hostile.open_chat() first"
        return self._session

    @property
    def url(self) -> str:
        assert self.service.url is not None
        return self.service.url

    @property
    def storage_hostport(self) -> str:
        return self.storage.url.split("://", 1)[1]

    def processing(self, **overrides: Any) -> dict[str, Any]:
        return {
            "book_id": str(self.book.id),
            "user_id": str(self.book.user_id),
            "file_url": self.book_url,
            **overrides,
        }

    def chat(self, **overrides: Any) -> dict[str, Any]:
        return {
            "user_id": str(self.session.user_id),
            "character_id": str(self.session.character_id),
            "book_id": str(self.session.book_id),
            "session_id": str(self.session.id),
            "user_message": "Who are you?",
            **overrides,
        }

    def unknown_chat(self, **overrides: Any) -> dict[str, Any]:
        """Valid ids of a session that does not exist (404 when it validates)."""
        ids = {f: str(uuid.uuid4()) for f in ("user_id", "character_id", "book_id", "session_id")}
        return {**ids, "user_message": "hello", **overrides}


@pytest.fixture
async def hostile(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
) -> AsyncIterator[Hostile]:
    llm.default = Script(tokens=REPLY)
    service = await start_service(make_settings(storage=storage, llm=llm, roles=frozenset({"api"})))
    book = await create_book(service.services.store)
    url = storage.put("books/carol.txt", CAROL[:20_000])
    assert service.url is not None
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
        yield Hostile(service, client, storage, llm, book, url, ready_book)
