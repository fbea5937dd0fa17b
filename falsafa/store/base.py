"""The store: everything the backend reads or writes about books and chats.

Usage::

    store = SqliteStore(path)                    # or SupabaseStore(...)
    book = await store.get_book(book_id)         # None when missing
    await store.set_book_status(book_id, "processing")
    await store.save_book_results(book_id, characters, passages, layout)   # atomic
    hits = await store.search_passages(book_id, "the letter", limit=5, before_offset=90_000)
    await store.aclose()

Two implementations behave the same and share one contract test suite:
``SqliteStore`` (embedded default) and ``SupabaseStore`` (production).

Errors are typed so that endpoints can map them to the spec's codes:
``NotFound`` -> 404/422, ``Conflict`` -> 409, ``StoreUnavailable`` -> 500.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from falsafa.book import BookLayout

__all__ = [
    "Book",
    "BookStage",
    "BookStatus",
    "CastMember",
    "CharacterRecord",
    "ChatSession",
    "Conflict",
    "Exchange",
    "Message",
    "MessageStatus",
    "NotFound",
    "Passage",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "character_uuid",
    "exchange_ids",
]

BookStatus = Literal["pending", "processing", "completed", "failed"]
# Where a processing job is (falsafa.jobs.progress), shown on the book with a fraction.
BookStage = Literal["downloading", "extracting", "indexing", "personas", "saving"]
MessageStatus = Literal["complete", "interrupted", "failed"]

# Namespace for ids derived from content, so that re-running a job or
# retrying a chat request writes the same rows instead of new ones.
_FALSAFA_NS = uuid.UUID("6f0d8a4e-2f53-4f1b-9a57-3c1f5b2e7d10")


class StoreError(Exception):
    """Base class of every store failure."""


class NotFound(StoreError):
    """The row does not exist (or is not visible to that user)."""


class Conflict(StoreError):
    """The write contradicts what is stored (e.g. a foreign key is missing)."""


class StoreUnavailable(StoreError):
    """The store could not be reached in time: network, 5xx, timeout."""


@dataclass(frozen=True, slots=True)
class CastMember:
    """One character the book's extraction found, persona or not: what a
    reader picks from. ``character_id`` is the ``characters`` row to chat
    with, None for those with too little material for a persona."""

    name: str
    aliases: tuple[str, ...] = ()
    lines: int = 0  # quotes attributed to them
    mentions: int = 0
    character_id: uuid.UUID | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "lines": self.lines,
            "mentions": self.mentions,
            "character_id": None if self.character_id is None else str(self.character_id),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> CastMember:
        character = doc.get("character_id")
        return cls(
            name=str(doc["name"]),
            aliases=tuple(doc.get("aliases") or ()),
            lines=int(doc.get("lines") or 0),
            mentions=int(doc.get("mentions") or 0),
            character_id=uuid.UUID(character) if character else None,
        )


@dataclass(frozen=True, slots=True)
class Book:
    id: uuid.UUID
    user_id: uuid.UUID
    title: str = ""
    file_url: str = ""
    processing_status: BookStatus = "pending"
    processing_error: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Written with the results: what chat maps reading positions with.
    layout: BookLayout | None = None
    # While a job runs: its stage and how far it is, 0..1 (a progress bar);
    # None before the first job and after a new intake.
    processing_stage: BookStage | None = None
    processing_progress: float | None = None
    # Every character found, by rank, written before the results (``cast_list``).
    cast: tuple[CastMember, ...] = ()


@dataclass(frozen=True, slots=True)
class CharacterRecord:
    """A character as stored: the persona and the facts behind it.

    ``facts`` is JSON: ``{"quotes": [{"text", "start", "chapter"}...],
    "relations": [...], "descriptors": [...], ...}``; every fact keeps its
    offset so chat can filter by reading position.
    """

    id: uuid.UUID
    book_id: uuid.UUID
    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    persona_prompt: str = ""
    gender: str | None = None
    pronouns: str | None = None
    mention_count: int = 0
    rank: int = 0
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Passage:
    """A few hundred words of the book along paragraph boundaries."""

    book_id: uuid.UUID
    ordinal: int
    chapter: int
    chapter_title: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ChatSession:
    id: uuid.UUID
    user_id: uuid.UUID
    book_id: uuid.UUID
    character_id: uuid.UUID
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Message:
    id: uuid.UUID
    session_id: uuid.UUID
    role: Literal["user", "assistant"]
    content: str
    status: MessageStatus = "complete"
    created_at: datetime | None = None
    # Where the reader was (a book offset; None: no position, the whole book).
    reading_offset: int | None = None
    # Why the model stopped (a reply's; one of falsafa.llm.sse.FINISH_REASONS):
    # "length" and "content_filter" mean the text was cut. None: not said.
    finish_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Exchange:
    """One user message and the assistant's reply, saved together.

    Ids come from :func:`exchange_ids`, so a retried request upserts the same
    two rows (the reply's content and status take the latest values).
    """

    session_id: uuid.UUID
    user_message_id: uuid.UUID
    assistant_message_id: uuid.UUID
    user_message: str
    reply: str
    status: MessageStatus
    # Where the reader was when it was said; history at an earlier position
    # leaves it out (None: no position given, after every position).
    reading_offset: int | None = None
    # Why the model stopped (see ``Message.finish_reason``), saved on the reply.
    finish_reason: str | None = None


def character_uuid(book_id: uuid.UUID, key: str) -> uuid.UUID:
    """A character's id, stable across re-runs of the same book."""
    return uuid.uuid5(_FALSAFA_NS, f"character:{book_id}:{key}")


def exchange_ids(
    session_id: uuid.UUID,
    previous_message_id: uuid.UUID | None,
    user_message: str,
    reading_offset: int | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """Ids of (user message, reply): the same message after the same history
    at the same reading position is the same exchange, so a retry replaces
    rather than duplicates; at another position it is a new exchange."""
    key = f"{session_id}:{previous_message_id}:{user_message}"
    if reading_offset is not None:
        key = f"{key}@{reading_offset}"
    return (
        uuid.uuid5(_FALSAFA_NS, "user:" + key),
        uuid.uuid5(_FALSAFA_NS, "assistant:" + key),
    )


class Store(Protocol):
    """The one interface both stores implement. Every method may raise
    ``StoreUnavailable``; none hangs past the store's configured deadline."""

    name: str

    async def get_book(self, book_id: uuid.UUID) -> Book | None: ...

    async def books_with_status(
        self, statuses: Collection[BookStatus], limit: int = 500
    ) -> list[Book]:
        """Books whose status is one of ``statuses``, least recently updated
        first, at most ``limit``: what the book sweeper checks against the
        queue (``falsafa.jobs.sweeper``)."""
        ...

    async def create_book(self, book: Book) -> None:
        """Insert or replace a book row (the frontend does this in production;
        the service uses it for local runs and tests)."""

    async def set_book_status(
        self, book_id: uuid.UUID, status: BookStatus, error: str | None = None
    ) -> None:
        """Raises ``NotFound`` when the book does not exist. The progress
        follows (a rule of the schema): ``pending`` (a new intake) clears the
        last job's stage and fraction, ``completed`` makes them (None, 1.0)."""

    async def set_book_progress(
        self, book_id: uuid.UUID, stage: BookStage | None, progress: float
    ) -> None:
        """Write the job's stage and fraction (0..1) on the book; the status is
        not touched. ``NotFound`` when the book does not exist."""

    async def set_book_cast(self, book_id: uuid.UUID, cast: list[CastMember]) -> None:
        """Store every character the book's extraction found (``books.cast_list``),
        in rank order. ``NotFound`` when the book does not exist."""

    async def save_book_results(
        self,
        book_id: uuid.UUID,
        characters: list[CharacterRecord],
        passages: list[Passage],
        layout: BookLayout | None = None,
    ) -> None:
        """In one transaction: replace the book's characters and passages,
        store its layout and mark it ``completed``. Idempotent. ``NotFound``
        if the book is gone."""

    async def list_characters(self, book_id: uuid.UUID) -> list[CharacterRecord]:
        """Ordered by rank."""
        ...

    async def get_character(self, character_id: uuid.UUID) -> CharacterRecord | None: ...

    async def create_session(self, session: ChatSession) -> None:
        """``Conflict`` when the book or character does not exist."""

    async def get_session(self, session_id: uuid.UUID) -> ChatSession | None: ...

    async def chat_rows(
        self, session_id: uuid.UUID, book_id: uuid.UUID, character_id: uuid.UUID
    ) -> tuple[ChatSession | None, Book | None, CharacterRecord | None]:
        """The three rows a chat request checks, read together (one round
        trip where the store allows it: they sit before the first token)."""
        ...

    async def recent_messages(
        self, session_id: uuid.UUID, limit: int, before_offset: int | None = None
    ) -> list[Message]:
        """The last ``limit`` messages, oldest first; with ``before_offset``,
        only those written at a reading offset at or before it."""
        ...

    async def save_exchange(self, exchange: Exchange) -> None:
        """Upsert both messages in one transaction (user first, then reply)."""

    async def search_passages(
        self,
        book_id: uuid.UUID,
        query: str,
        limit: int = 5,
        before_offset: int | None = None,
    ) -> list[Passage]:
        """Top passages by full-text rank; with ``before_offset``, only those
        that end at or before it. Any query text is safe (no syntax errors)."""
        ...

    async def count_passages(self, book_id: uuid.UUID) -> int: ...

    async def release_memory(self) -> None:
        """Give back caches a burst grew (after it, with the heap trim)."""
        ...

    async def aclose(self) -> None: ...
