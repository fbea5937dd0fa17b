"""One chat reply, from lock to saved exchange: the stream's producer task.

Usage (the chat endpoint does this after validating the session)::

    conversations = Conversations(store, locks, keeper, responder, store_timeout=10)
    before = reading_offset(book.layout, request)     # PositionOutOfRange: a 400
    body = streams.open(partial(conversations.converse, request, character, before))

``converse`` runs as a task of the service (``falsafa.chat.streams``):

1. take the session lock (``SET NX PX``); held -> ``code: 429`` event;
   Redis down -> ``code: 503`` event;
2. the lock keeper (``falsafa.chat.lockkeeper``, one task for all streams)
   checks and renews it every second; if it is lost (expired, taken over,
   Redis flushed) the reply is cancelled within about a second, the client
   gets a ``code: 409`` event, and the lock is not touched again;
3. build the prompt (persona for the reading position, the history written
   at or before it, passages before it);
4. stream tokens until the model's finish_reason or ``[DONE]``; LLM
   failure -> ``code: 502`` event with a public message (the upstream's
   detail is logged with the request id);
5. save the exchange (``complete``, ``interrupted`` when the client left,
   ``failed``; a few tries within the store timeout) and release the lock,
   shielded from cancellation; a complete reply's ``done`` event is sent
   after both, so the next message can follow it at once, and only if the
   exchange was saved: otherwise a ``code: 503`` event says to retry. The
   save is fenced: only while Redis confirms the lock is still ours
   (``LockKeeper.still_ours``), so a stream that lost its lock never saves
   over the new owner's exchange (``code: 409``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Literal

import trio

from falsafa import metrics
from falsafa.book import BookLayout
from falsafa.chat.context import HISTORY_MESSAGES, PASSAGES_RETRIEVED, build_prompt
from falsafa.chat.lockkeeper import HeldLock, LockKeeper
from falsafa.chat.reply import ReplyText
from falsafa.chat.sse import done_event, error_event, token_event
from falsafa.chat.streams import ChatStream
from falsafa.llm import LLMError, Responder, TokenStream
from falsafa.locks import SessionLocks
from falsafa.persona import render_persona
from falsafa.redisio import RedisUnavailable
from falsafa.store import Exchange, Message, Store, StoreError, exchange_ids
from falsafa.store.base import CharacterRecord, MessageStatus, Passage

__all__ = ["ChatRequest", "Conversations", "PositionOutOfRange", "reading_offset"]

log = logging.getLogger("falsafa.chat")

# A reply's tokens, as the responder hands them out (see ``Responder.stream``).
Tokens = AbstractAsyncContextManager[TokenStream]

LOCK_LOST = "the session lock expired or was taken over; reply stopped"
# Seconds allowed to release a session lock after a reply (it expires anyway).
RELEASE_TIMEOUT = 5.0
# Saving an exchange: this many tries (each with the store's own retries),
# SAVE_PAUSE seconds apart, all within the store timeout.
SAVE_TRIES = 3
SAVE_PAUSE = 0.5
UNSAVED = "the reply could not be saved; please retry"
SaveOutcome = Literal["saved", "unsaved", "lock_lost"]


@dataclass(frozen=True, slots=True)
class ChatRequest:
    user_id: uuid.UUID
    character_id: uuid.UUID
    book_id: uuid.UUID
    session_id: uuid.UUID
    user_message: str
    # How far the reader is, one or neither: a fraction 0..1 of the book
    # (1 is the end), or the ordinal of the last chapter read in the book's
    # own list of chapters (1 is the first; ``falsafa dev chapters``).
    reading_position: float | None = None
    reading_chapter: int | None = None


class PositionOutOfRange(ValueError):
    """The reading position names no place in this book (a 400)."""


def reading_offset(layout: BookLayout | None, request: ChatRequest) -> int | None:
    """The book offset the reader has reached, from the layout stored on the
    book; None means the whole book. A ``reading_chapter`` past the book's
    last chapter, or in a book without chapters, is ``PositionOutOfRange``."""
    chapter = request.reading_chapter
    if chapter is not None:
        count = len(layout.chapters) if layout is not None else 0
        if layout is None or not count:
            raise PositionOutOfRange(
                "reading_chapter: this book has no chapters; send reading_position instead"
            )
        if chapter > count:
            raise PositionOutOfRange(
                f"reading_chapter {chapter} is past the book's last chapter ({count})"
            )
        return layout.offset_for(chapter)
    if request.reading_position is None or layout is None or not layout.length:
        return None
    return layout.offset_for(float(request.reading_position))


@dataclass(eq=False, slots=True)
class Conversations:
    """What a chat reply works with: the store, the session locks and their
    keeper, and the responder."""

    store: Store
    locks: SessionLocks
    keeper: LockKeeper
    responder: Responder
    store_timeout: float

    def converse(
        self,
        request: ChatRequest,
        character: CharacterRecord,
        before: int | None,
        stream: ChatStream,
    ) -> Coroutine[Any, Any, None]:
        """The producer of one chat stream (see the module's docstring);
        ``before`` is :func:`reading_offset`'s answer for the request.

        Not a coroutine function itself: a frame of its own would hold the
        character's facts (~20 KB parsed) for as long as the reply streams,
        where ``_converse`` lets go of them once the prompt is built.
        """
        return _converse(self, request, character, before, stream)


async def _converse(
    chat: Conversations,
    request: ChatRequest,
    character: CharacterRecord,
    before: int | None,
    stream: ChatStream,
) -> None:
    started = time.perf_counter()
    outcome = "complete"
    try:
        lock = await chat.locks.acquire(request.session_id)
    except RedisUnavailable:
        await stream.emit(error_event("session lock unavailable (Redis down); try again", 503))
        metrics.CHAT_STREAM_SECONDS.labels(outcome="redis_down").observe(0)
        return
    if lock is None:
        metrics.LOCK_CONFLICTS.inc()
        await stream.emit(error_event("another reply is already streaming for this session", 429))
        metrics.CHAT_STREAM_SECONDS.labels(outcome="conflict").observe(0)
        return

    finished = False
    held = chat.keeper.hold(lock)
    reply = ReplyText()
    status: MessageStatus = "failed"
    ids: tuple[uuid.UUID, uuid.UUID] | None = None
    try:
        try:
            # The keeper cancels ``held.scope`` at once if the lock is lost.
            with held, held.scope:
                ids, tokens = await _prepare(chat, request, character, before)
                # The character's facts (~20 KB parsed) are not needed while
                # the reply streams (the registry dropped its own reference).
                del character
                await _relay(chat.responder, tokens, stream, reply, started)
                status = "complete"
            if held.scope.cancelled_caught:
                outcome = "lock_lost"
                await stream.emit_final(error_event(LOCK_LOST, 409))
            elif status == "complete":
                # ``done`` goes out once the exchange is saved and the lock is
                # free: a client that sends its next message on ``done`` finds
                # the session ready (no 429) and its history complete.
                finished = True
                with trio.CancelScope(shield=True):
                    saved = await _finish(chat, held, request, ids, reply, status, before)
                if saved == "saved":
                    await stream.emit(done_event(reply.text()))
                elif saved == "lock_lost":
                    outcome = "lock_lost"
                    await stream.emit_final(error_event(LOCK_LOST, 409))
                else:
                    # ``done`` promises the reply is in the history: without
                    # it, the client sends the message again (same ids: the
                    # retry saves the exchange once).
                    outcome = "save_failed"
                    await stream.emit_final(error_event(UNSAVED, 503))
        except* LLMError as group:
            error = group.exceptions[0]
            assert isinstance(error, LLMError)
            metrics.LLM_ERRORS.labels(kind=error.kind).inc()
            # The upstream's own words (host, port, its error text) go to the
            # log, with the request id; the reader gets the public message.
            log.warning("llm failed", extra={"kind": error.kind, "detail": error.detail})
            outcome = "llm_error"
            await stream.emit_final(error_event(str(error), 502))
        except* StoreError as group:
            log.error("store failed during chat", extra={"error": str(group.exceptions[0])})
            outcome = "store_error"
            await stream.emit_final(error_event("store unavailable; try again", 503))
    finally:
        if stream.client_gone:
            status, outcome = "interrupted", "disconnected"
            metrics.CHAT_DISCONNECTS.inc()
        elif stream.abort_reason is not None:
            status, outcome = "interrupted", "shutdown"
        if not finished:
            with trio.CancelScope(shield=True):
                await _finish(chat, held, request, ids, reply, status, before)
        metrics.CHAT_STREAM_SECONDS.labels(outcome=outcome).observe(time.perf_counter() - started)
        log.info(
            "chat stream ended",
            extra={
                "outcome": outcome,
                "tokens": reply.tokens,
                "status": status,
                "finish_reason": reply.finish_reason,
            },
        )


class _Passages:
    """The passages for one message, searched ahead of need."""

    def __init__(self) -> None:
        self.found: list[Passage] = []
        self.error: StoreError | None = None

    async def search(self, store: Store, request: ChatRequest, before: int | None) -> None:
        try:
            self.found = await store.search_passages(
                request.book_id,
                request.user_message,
                limit=PASSAGES_RETRIEVED,
                before_offset=before,
            )
        except StoreError as exc:
            self.error = exc

    def get(self) -> list[Passage]:
        if self.error is not None:
            raise self.error
        return self.found


async def _prepare(
    chat: Conversations, request: ChatRequest, character: CharacterRecord, before: int | None
) -> tuple[tuple[uuid.UUID, uuid.UUID], Tokens]:
    """The exchange's ids and the reply's token stream (not entered yet).
    The prompt is handed to the responder here and not kept: it would stay
    referenced for as long as the reply streams."""
    # History and passages are read at the same time (two store round trips
    # overlap before the first token); a StoreError of either is raised here.
    found = _Passages()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(found.search, chat.store, request, before)
        # Messages written further on in the book stay out: a reply quoting
        # chapter 31 must not reach a reader back in chapter 5.
        history = await chat.store.recent_messages(
            request.session_id, HISTORY_MESSAGES, before_offset=before
        )
    passages = found.get()
    history, previous_id = _without_retried_exchange(history, request.user_message, before)
    ids = exchange_ids(request.session_id, previous_id, request.user_message, before)
    if before is None and character.persona_prompt:
        persona = character.persona_prompt
    else:
        persona = render_persona(character.facts, before)
    quotes = [
        str(q.get("text", ""))
        for q in character.facts.get("quotes", [])
        if before is None or int(q.get("end", q.get("start", 0))) <= before
    ]
    prompt = build_prompt(
        character_name=character.name,
        persona=persona,
        history=history,
        passages=passages,
        user_message=request.user_message,
        quotes=quotes,
    )
    return ids, chat.responder.stream(prompt)


def _without_retried_exchange(
    history: list[Message], user_message: str, before: int | None
) -> tuple[list[Message], uuid.UUID | None]:
    """A request whose message repeats the session's last user message at the
    same reading position is a retry of that exchange: it replaces it (same
    ids) instead of adding rows. At another position it is a new question."""
    last_user = max((i for i, m in enumerate(history) if m.role == "user"), default=None)
    if (
        last_user is not None
        and last_user >= len(history) - 2
        and history[last_user].content == user_message
        and history[last_user].reading_offset == before
    ):
        history = history[:last_user]
    previous = history[-1].id if history else None
    return history, previous


async def _relay(
    responder: Responder, reply_tokens: Tokens, stream: ChatStream, reply: ReplyText, started: float
) -> None:
    async with reply_tokens as tokens:
        async for token in tokens:
            if not reply.tokens:
                metrics.CHAT_TTFT_SECONDS.labels(responder=responder.name).observe(
                    time.perf_counter() - started
                )
            reply.add(token)
            await stream.emit(token_event(token))
        reply.finish_reason = tokens.finish_reason
    metrics.TOKENS_STREAMED.labels(responder=responder.name).inc(reply.tokens)
    metrics.CHAT_FINISH_REASONS.labels(reason=reply.finish_reason or "none").inc()


async def _finish(
    chat: Conversations,
    held: HeldLock,
    request: ChatRequest,
    ids: tuple[uuid.UUID, uuid.UUID] | None,
    reply: ReplyText,
    status: MessageStatus,
    before: int | None,
) -> SaveOutcome:
    """Save the exchange if the lock is still ours, then release it: whether
    it was ``saved``, ``unsaved`` (the store failed) or not saved because the
    lock was no longer ours (``lock_lost``)."""
    if ids is not None and not await chat.keeper.still_ours(held):
        log.warning(
            "the session lock is no longer ours; the exchange is not saved",
            extra={"status": status},
        )
        return "lock_lost"
    saved: SaveOutcome = "unsaved"
    if ids is not None:
        exchange = Exchange(
            session_id=request.session_id,
            user_message_id=ids[0],
            assistant_message_id=ids[1],
            user_message=request.user_message,
            reply=reply.text(),
            status=status,
            reading_offset=before,
            finish_reason=reply.finish_reason if status == "complete" else None,
        )
        saved = "saved" if await _save(chat, exchange) else "unsaved"
    if not held.lost:
        with trio.move_on_after(RELEASE_TIMEOUT):
            try:
                await chat.locks.release(held.lock)
            except RedisUnavailable:
                log.warning("could not release the session lock; it will expire")
    return saved


async def _save(chat: Conversations, exchange: Exchange) -> bool:
    # A store that refuses connections fails in milliseconds, within its own
    # retries: a few more tries, spaced out, outlast a blip; all of them stay
    # within the store timeout, so the client is never held longer.
    error = "timed out"
    with trio.move_on_after(chat.store_timeout):
        for attempt in range(SAVE_TRIES):
            if attempt:
                await trio.sleep(SAVE_PAUSE * attempt)
            try:
                await chat.store.save_exchange(exchange)
                return True
            except StoreError as exc:
                error = str(exc)
    log.error(
        "could not save the exchange",
        extra={"error": error, "timeout_s": chat.store_timeout, "status": exchange.status},
    )
    return False
