"""The store: books, characters, chat sessions, messages and passages.

Usage::

    from falsafa.store import open_store, NotFound

    store = open_store("sqlite", sqlite_path="var/falsafa.db")
    # or: open_store("supabase", supabase_url=url, supabase_key=service_key)
    try:
        book = await store.get_book(book_id)
    finally:
        await store.aclose()

``open_store`` picks one of the two implementations of
:class:`~falsafa.store.base.Store`; both behave the same (one contract test
suite runs against each).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Literal

from .base import (
    Book,
    BookStage,
    BookStatus,
    CastMember,
    CharacterRecord,
    ChatSession,
    Conflict,
    Exchange,
    Message,
    MessageStatus,
    NotFound,
    Passage,
    Store,
    StoreError,
    StoreUnavailable,
    character_uuid,
    exchange_ids,
)
from .sqlite import SqliteStore

if TYPE_CHECKING:
    from falsafa.config import Settings

    from .supabase import SupabaseStore

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
    "SqliteStore",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "SupabaseStore",
    "character_uuid",
    "exchange_ids",
    "open_store",
    "store_for",
]

StoreKind = Literal["sqlite", "supabase"]


def open_store(
    kind: str,
    *,
    sqlite_path: str | os.PathLike[str] | None = None,
    supabase_url: str | None = None,
    supabase_key: str | None = None,
    timeout: float = 10.0,
    retries: int = 3,
) -> Store:
    """A store of the given kind (``"sqlite"`` or ``"supabase"``).

    Nothing is connected yet: both stores open their connection on first use,
    so this is cheap and cannot fail on the network. ``timeout`` bounds each
    call (retries included); ``retries`` is how many times a transient
    Supabase failure is retried.
    """
    if kind == "sqlite":
        if sqlite_path is None:
            raise ValueError("the sqlite store needs sqlite_path")
        return SqliteStore(sqlite_path)
    if kind == "supabase":
        if not supabase_url or not supabase_key:
            raise ValueError("the supabase store needs supabase_url and supabase_key")
        from .supabase import SupabaseStore

        return SupabaseStore(supabase_url, supabase_key, timeout=timeout, retries=retries)
    raise ValueError(f"unknown store kind {kind!r} (expected 'sqlite' or 'supabase')")


if TYPE_CHECKING:
    # mypy proves here that both implementations satisfy the protocol.
    def _conforms(sqlite: SqliteStore, supabase: SupabaseStore) -> tuple[Store, Store]:
        return sqlite, supabase


def store_for(settings: Settings) -> Store:
    """The store ``settings`` configure (``FALSAFA_STORE`` and friends)."""
    return open_store(
        settings.store,
        sqlite_path=settings.sqlite_path,
        supabase_url=settings.supabase_url,
        supabase_key=settings.supabase_key,
        timeout=settings.store_timeout,
    )


def __getattr__(name: str) -> Any:
    # SupabaseStore pulls in the supabase client and its dependencies; load
    # it only for those who use it.
    if name == "SupabaseStore":
        from .supabase import SupabaseStore

        return SupabaseStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
