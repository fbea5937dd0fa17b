"""The production store: Supabase's tables through its REST API (PostgREST).

Usage::

    store = SupabaseStore("https://xyz.supabase.co", service_role_key, timeout=10, retries=3)
    book = await store.get_book(book_id)
    await store.save_book_results(book_id, characters, passages)   # one rpc
    await store.aclose()

Built on the ``supabase`` async client, used the trio-safe way: postgrest's
own retry is off (it sleeps with ``asyncio.sleep``), and no auth session or
realtime channel is ever started (both are asyncio-only). The HTTP client
underneath is an ``httpx.AsyncClient`` we own, which runs on trio.

Every call runs under ``trio.move_on_after(timeout)``, retries included.
Transient failures (network errors, HTTP 5xx and 429, malformed answers) are
retried with bounded exponential backoff; then :class:`StoreUnavailable`.
PostgREST errors map to :class:`NotFound` (``PT404`` raised by our SQL
functions, ``PGRST116``) and :class:`Conflict` (``23503``, ``23505``); any
other 4xx is our own bug and surfaces as :class:`StoreError` with its message.
Writes that must be atomic go through ``rpc`` (PostgREST runs each request in
one transaction): ``save_book_results`` and ``save_chat_exchange``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable, Collection
from functools import partial
from typing import Any, NoReturn, TypeVar, cast

import httpx
import trio
from postgrest import APIError, APIResponse, CountMethod, ReturnMethod

from falsafa.book import BookLayout
from supabase import AsyncClient, AsyncClientOptions, acreate_client

from ._rows import (
    book_from_row,
    character_from_row,
    message_from_row,
    passage_from_row,
    session_from_row,
)
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
    NotFound,
    Passage,
    StoreError,
    StoreUnavailable,
)

__all__ = ["SupabaseStore"]

T = TypeVar("T")

_PASSAGE_COLUMNS = "book_id,ordinal,chapter,chapter_title,start_offset,end_offset,text"


class _Transient(Exception):
    """A failure worth retrying: the next attempt may well succeed."""


async def _raise_for_transient_status(response: httpx.Response) -> None:
    # postgrest-py folds the HTTP status into APIError only when the body is
    # not PostgREST JSON, so a gateway's 503 with a JSON body would look like
    # our own 4xx. Decide on the status here, where it is still known.
    if response.status_code >= 500 or response.status_code == 429:
        await response.aread()
        raise _Transient(f"HTTP {response.status_code}: {response.text[:200]}")


def _rows(response: APIResponse) -> list[dict[str, Any]]:
    data = response.data
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        # postgrest-py hands back the raw text when the body is not JSON
        raise _Transient(f"malformed answer from PostgREST: {str(data)[:200]!r}")
    return cast(list[dict[str, Any]], data)


def _one(rows: list[dict[str, Any]], convert: Callable[[dict[str, Any]], T]) -> T | None:
    return convert(rows[0]) if rows else None


class SupabaseStore:
    """The :class:`~falsafa.store.base.Store` on Supabase (PostgREST + SQL functions).

    ``key`` is the service-role key: the backend writes results that row-level
    security keeps from users. ``timeout`` bounds each method, retries
    included; ``retries`` bounds the attempts after the first.
    """

    name = "supabase"

    def __init__(
        self,
        url: str,
        key: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.05,
        max_backoff: float = 2.0,
    ) -> None:
        self._url = url
        self._key = key
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._client: AsyncClient | None = None
        self._http: httpx.AsyncClient | None = None
        self._lock = trio.Lock()
        self._closed = False

    # -- plumbing -----------------------------------------------------------

    async def _get_client(self) -> AsyncClient:
        async with self._lock:
            if self._closed:
                raise StoreError("store is closed")
            if self._client is None:
                http = httpx.AsyncClient(
                    timeout=httpx.Timeout(self._timeout),
                    limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
                    event_hooks={"response": [_raise_for_transient_status]},
                )
                options = AsyncClientOptions(
                    postgrest_client_retry=False,
                    postgrest_client_timeout=self._timeout,
                    auto_refresh_token=False,
                    persist_session=False,
                    # With Authorization set, client creation does not ask the
                    # auth client for a session (no request, no asyncio task).
                    headers={"Authorization": f"Bearer {self._key}"},
                    httpx_client=http,
                )
                try:
                    self._client = await acreate_client(self._url, self._key, options)
                except Exception as exc:
                    await http.aclose()
                    raise StoreError(f"cannot create the Supabase client: {exc}") from exc
                self._http = http
            return self._client

    async def _call(self, what: str, request: Callable[[AsyncClient], Awaitable[T]]) -> T:
        """Run ``request`` under the deadline, retrying transient failures."""
        last = "no attempt finished"
        with trio.move_on_after(self._timeout):
            for attempt in range(self._retries + 1):
                if attempt:
                    delay = min(self._backoff * 2 ** (attempt - 1), self._max_backoff)
                    await trio.sleep(delay * random.uniform(0.5, 1.0))
                client = await self._get_client()
                try:
                    return await request(client)
                except _Transient as exc:
                    last = str(exc)
                except httpx.TransportError as exc:  # connect, read, timeouts, protocol
                    last = f"{type(exc).__name__}: {exc}"
                except (KeyError, TypeError, ValueError) as exc:
                    # rows that do not look like our tables: a garbled answer
                    last = f"malformed answer from PostgREST: {exc!r}"
                except APIError as exc:
                    self._raise_api_error(what, exc)
            raise StoreUnavailable(f"{what}: gave up after {self._retries + 1} attempts: {last}")
        raise StoreUnavailable(f"{what}: no answer within {self._timeout} s ({last})")

    @staticmethod
    def _raise_api_error(what: str, exc: APIError) -> NoReturn:
        code = exc.code or ""
        message = f"{what}: {exc.message} ({code})" + (f": {exc.details}" if exc.details else "")
        if code in {"PT404", "PGRST116"}:
            raise NotFound(message) from exc
        if code in {"23503", "23505"}:
            raise Conflict(message) from exc
        if code.startswith("PGRST00") or code.startswith("08") or code.startswith("53"):
            # PostgREST lost its database: not our request's fault
            raise StoreUnavailable(message) from exc
        raise StoreError(message) from exc

    # -- books --------------------------------------------------------------

    async def get_book(self, book_id: uuid.UUID) -> Book | None:
        async def q(c: AsyncClient) -> Book | None:
            r = await c.table("books").select("*").eq("id", str(book_id)).limit(1).execute()
            return _one(_rows(r), book_from_row)

        return await self._call("get_book", q)

    async def books_with_status(
        self, statuses: Collection[BookStatus], limit: int = 500
    ) -> list[Book]:
        wanted = sorted(set(statuses))
        if not wanted or limit <= 0:
            return []

        async def q(c: AsyncClient) -> list[Book]:
            r = await (
                c.table("books")
                .select("*")
                .in_("processing_status", wanted)
                .order("updated_at")
                .order("id")
                .limit(limit)
                .execute()
            )
            return [book_from_row(row) for row in _rows(r)]

        return await self._call("books_with_status", q)

    async def create_book(self, book: Book) -> None:
        row: dict[str, Any] = {
            "id": str(book.id),
            "user_id": str(book.user_id),
            "title": book.title,
            "file_url": book.file_url,
            "processing_status": book.processing_status,
            "processing_error": book.processing_error,
        }
        # Left out when unknown, so a replace keeps the stored creation time.
        if book.created_at is not None:
            row["created_at"] = book.created_at.isoformat()
        if book.updated_at is not None:
            row["updated_at"] = book.updated_at.isoformat()

        async def w(c: AsyncClient) -> None:
            await (
                c.table("books")
                .upsert(row, on_conflict="id", returning=ReturnMethod.minimal)
                .execute()
            )

        await self._call("create_book", w)

    async def set_book_status(
        self, book_id: uuid.UUID, status: BookStatus, error: str | None = None
    ) -> None:
        change = {"processing_status": status, "processing_error": error}
        await self._update_book("set_book_status", book_id, change)

    async def set_book_progress(
        self, book_id: uuid.UUID, stage: BookStage | None, progress: float
    ) -> None:
        change = {"processing_stage": stage, "processing_progress": progress}
        await self._update_book("set_book_progress", book_id, change)

    async def set_book_cast(self, book_id: uuid.UUID, cast: list[CastMember]) -> None:
        change = {"cast_list": [member.to_json() for member in cast]}
        await self._update_book("set_book_cast", book_id, change)

    async def _update_book(self, what: str, book_id: uuid.UUID, change: dict[str, Any]) -> None:
        async def w(c: AsyncClient) -> None:
            r = await c.table("books").update(change).eq("id", str(book_id)).execute()
            if not _rows(r):
                raise NotFound(f"book {book_id} not found")

        await self._call(what, w)

    async def save_book_results(
        self,
        book_id: uuid.UUID,
        characters: list[CharacterRecord],
        passages: list[Passage],
        layout: BookLayout | None = None,
    ) -> None:
        args = {
            "p_book_id": str(book_id),
            "p_layout": None if layout is None else layout.to_json(),
            "p_characters": [
                {
                    "id": str(ch.id),
                    "name": ch.name,
                    "aliases": list(ch.aliases),
                    "description": ch.description,
                    "persona_prompt": ch.persona_prompt,
                    "gender": ch.gender,
                    "pronouns": ch.pronouns,
                    "mention_count": ch.mention_count,
                    "rank": ch.rank,
                    "facts": ch.facts,
                }
                for ch in characters
            ],
            "p_passages": [
                {
                    "ordinal": p.ordinal,
                    "chapter": p.chapter,
                    "chapter_title": p.chapter_title,
                    "start_offset": p.start,
                    "end_offset": p.end,
                    "text": p.text,
                }
                for p in passages
            ],
        }

        async def w(c: AsyncClient) -> None:
            await c.rpc("save_book_results", args).execute()

        await self._call("save_book_results", w)

    async def delete_book(self, book_id: uuid.UUID) -> None:
        """Delete a book and, by cascade, everything derived from it."""

        async def w(c: AsyncClient) -> None:
            await (
                c.table("books")
                .delete(returning=ReturnMethod.minimal)
                .eq("id", str(book_id))
                .execute()
            )

        await self._call("delete_book", w)

    # -- characters ---------------------------------------------------------

    async def list_characters(self, book_id: uuid.UUID) -> list[CharacterRecord]:
        async def q(c: AsyncClient) -> list[CharacterRecord]:
            r = await (
                c.table("characters")
                .select("*")
                .eq("book_id", str(book_id))
                .order("rank")
                .order("name")
                .order("id")
                .execute()
            )
            return [character_from_row(row) for row in _rows(r)]

        return await self._call("list_characters", q)

    async def get_character(self, character_id: uuid.UUID) -> CharacterRecord | None:
        async def q(c: AsyncClient) -> CharacterRecord | None:
            r = await (
                c.table("characters").select("*").eq("id", str(character_id)).limit(1).execute()
            )
            return _one(_rows(r), character_from_row)

        return await self._call("get_character", q)

    # -- sessions and messages ----------------------------------------------

    async def create_session(self, session: ChatSession) -> None:
        row: dict[str, Any] = {
            "id": str(session.id),
            "user_id": str(session.user_id),
            "book_id": str(session.book_id),
            "character_id": str(session.character_id),
        }
        if session.created_at is not None:
            row["created_at"] = session.created_at.isoformat()
        attempts = 0

        async def w(c: AsyncClient) -> None:
            nonlocal attempts
            attempts += 1
            try:
                await c.table("chat_sessions").insert(row, returning=ReturnMethod.minimal).execute()
            except APIError as exc:
                # An insert whose answer was lost may have committed: on a
                # retry, finding our own row is success, not a conflict.
                if exc.code == "23505" and attempts > 1:
                    r = await c.table("chat_sessions").select("*").eq("id", row["id"]).execute()
                    found = _one(_rows(r), session_from_row)
                    if found is not None and (
                        found.user_id,
                        found.book_id,
                        found.character_id,
                    ) == (session.user_id, session.book_id, session.character_id):
                        return
                raise

        await self._call("create_session", w)

    async def chat_rows(
        self, session_id: uuid.UUID, book_id: uuid.UUID, character_id: uuid.UUID
    ) -> tuple[ChatSession | None, Book | None, CharacterRecord | None]:
        # Three requests at the same time: the wait is the slowest of them.
        rows: dict[str, Any] = {}
        failures: list[StoreError] = []

        async def read(key: str, fetch: Callable[[], Awaitable[Any]]) -> None:
            try:
                rows[key] = await fetch()
            except StoreError as exc:
                failures.append(exc)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(read, "session", partial(self.get_session, session_id))
            nursery.start_soon(read, "book", partial(self.get_book, book_id))
            nursery.start_soon(read, "character", partial(self.get_character, character_id))
        if failures:
            raise failures[0]
        return rows["session"], rows["book"], rows["character"]

    async def get_session(self, session_id: uuid.UUID) -> ChatSession | None:
        async def q(c: AsyncClient) -> ChatSession | None:
            r = await (
                c.table("chat_sessions").select("*").eq("id", str(session_id)).limit(1).execute()
            )
            return _one(_rows(r), session_from_row)

        return await self._call("get_session", q)

    async def recent_messages(
        self, session_id: uuid.UUID, limit: int, before_offset: int | None = None
    ) -> list[Message]:
        if limit <= 0:
            return []

        async def q(c: AsyncClient) -> list[Message]:
            query = c.table("messages").select("*").eq("session_id", str(session_id))
            if before_offset is not None:
                # lte leaves out NULL (no position given): after every position.
                query = query.lte("reading_offset", before_offset)
            r = await query.order("created_at", desc=True).order("role").limit(limit).execute()
            return [message_from_row(row) for row in reversed(_rows(r))]

        return await self._call("recent_messages", q)

    async def save_exchange(self, exchange: Exchange) -> None:
        args = {
            "p_session_id": str(exchange.session_id),
            "p_user_message_id": str(exchange.user_message_id),
            "p_assistant_message_id": str(exchange.assistant_message_id),
            "p_user_message": exchange.user_message,
            "p_reply": exchange.reply,
            "p_status": exchange.status,
            "p_reading_offset": exchange.reading_offset,
            "p_finish_reason": exchange.finish_reason,
        }

        async def w(c: AsyncClient) -> None:
            await c.rpc("save_chat_exchange", args).execute()

        await self._call("save_exchange", w)

    # -- passages -----------------------------------------------------------

    async def search_passages(
        self,
        book_id: uuid.UUID,
        query: str,
        limit: int = 5,
        before_offset: int | None = None,
    ) -> list[Passage]:
        # PostgreSQL text cannot hold NUL; everything else is the SQL
        # function's business (it never parses the query as syntax).
        text = query.replace("\x00", " ")
        if limit <= 0 or not text.strip():
            return []
        args = {
            "p_book_id": str(book_id),
            "p_query": text,
            "p_limit": limit,
            "p_before_offset": before_offset,
        }

        async def q(c: AsyncClient) -> list[Passage]:
            r = await c.rpc("search_book_passages", args).execute()
            return [passage_from_row(row) for row in _rows(r)]

        return await self._call("search_passages", q)

    async def count_passages(self, book_id: uuid.UUID) -> int:
        async def q(c: AsyncClient) -> int:
            r = await (
                c.table("book_passages")
                .select("ordinal", count=CountMethod.exact)
                .eq("book_id", str(book_id))
                .limit(1)
                .execute()
            )
            _rows(r)
            if r.count is None:
                raise _Transient("PostgREST sent no count (Content-Range)")
            return r.count

        return await self._call("count_passages", q)

    async def list_passages(self, book_id: uuid.UUID) -> list[Passage]:
        """Every passage of a book in reading order (tests and tools)."""

        async def q(c: AsyncClient) -> list[Passage]:
            r = await (
                c.table("book_passages")
                .select(_PASSAGE_COLUMNS)
                .eq("book_id", str(book_id))
                .order("ordinal")
                .execute()
            )
            return [passage_from_row(row) for row in _rows(r)]

        return await self._call("list_passages", q)

    async def release_memory(self) -> None:
        """Nothing cached here grows with a burst (the HTTP pool is bounded)."""

    async def aclose(self) -> None:
        async with self._lock:
            self._closed = True
            http, self._http, self._client = self._http, None, None
        if http is not None:
            with trio.CancelScope(shield=True):
                await http.aclose()
