"""Rows of either store -> the store's value types. No I/O.

Usage::

    book = book_from_row(row)          # row: sqlite3.Row or a PostgREST JSON object

SQLite hands back JSON columns as text and timestamps as ISO text;
PostgREST hands back JSON already decoded and timestamps as ISO text. Both
go through the same mappers, so the two stores cannot read a row differently.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Protocol, cast

from falsafa.book import BookLayout

from .base import (
    Book,
    BookStage,
    BookStatus,
    CastMember,
    CharacterRecord,
    ChatSession,
    Message,
    MessageStatus,
    Passage,
)

__all__ = [
    "book_from_row",
    "character_from_row",
    "message_from_row",
    "passage_from_row",
    "session_from_row",
]


class Row(Protocol):
    """A ``sqlite3.Row`` or a decoded PostgREST object."""

    def __getitem__(self, key: str, /) -> Any: ...

    def keys(self) -> Any: ...


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _dt(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _layout(row: Row) -> BookLayout | None:
    # Rows read through an old schema or a narrow select have no layout.
    doc = _json(row["layout"]) if "layout" in row.keys() else None  # noqa: SIM118
    return BookLayout.from_json(doc) if doc else None


def _optional(row: Row, column: str) -> Any:
    # Rows read through an older schema or a narrow select lack newer columns.
    return row[column] if column in row.keys() else None  # noqa: SIM118


def book_from_row(row: Row) -> Book:
    progress = _optional(row, "processing_progress")
    members = _json(_optional(row, "cast_list")) or ()
    return Book(
        id=uuid.UUID(str(row["id"])),
        user_id=uuid.UUID(str(row["user_id"])),
        title=row["title"],
        file_url=row["file_url"],
        processing_status=cast(BookStatus, row["processing_status"]),
        processing_error=row["processing_error"],
        created_at=_dt(row["created_at"]),
        updated_at=_dt(row["updated_at"]),
        layout=_layout(row),
        processing_stage=cast(BookStage | None, _optional(row, "processing_stage")),
        processing_progress=None if progress is None else float(progress),
        cast=tuple(CastMember.from_json(doc) for doc in members),
    )


def character_from_row(row: Row) -> CharacterRecord:
    return CharacterRecord(
        id=uuid.UUID(str(row["id"])),
        book_id=uuid.UUID(str(row["book_id"])),
        name=row["name"],
        aliases=tuple(_json(row["aliases"]) or ()),
        description=row["description"],
        persona_prompt=row["persona_prompt"],
        gender=row["gender"],
        pronouns=row["pronouns"],
        mention_count=row["mention_count"],
        rank=row["rank"],
        facts=_json(row["facts"]) or {},
    )


def session_from_row(row: Row) -> ChatSession:
    return ChatSession(
        id=uuid.UUID(str(row["id"])),
        user_id=uuid.UUID(str(row["user_id"])),
        book_id=uuid.UUID(str(row["book_id"])),
        character_id=uuid.UUID(str(row["character_id"])),
        created_at=_dt(row["created_at"]),
    )


def message_from_row(row: Row) -> Message:
    return Message(
        id=uuid.UUID(str(row["id"])),
        session_id=uuid.UUID(str(row["session_id"])),
        role=row["role"],
        content=row["content"],
        status=cast(MessageStatus, row["status"]),
        created_at=_dt(row["created_at"]),
        reading_offset=_optional(row, "reading_offset"),
        finish_reason=_optional(row, "finish_reason"),
    )


def passage_from_row(row: Row) -> Passage:
    return Passage(
        book_id=uuid.UUID(str(row["book_id"])),
        ordinal=row["ordinal"],
        chapter=row["chapter"],
        chapter_title=row["chapter_title"],
        start=row["start_offset"],
        end=row["end_offset"],
        text=row["text"],
    )
