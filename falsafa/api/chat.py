"""``POST /character/chat``: validate, then stream the reply as SSE.

Before the stream (plain JSON errors): 400 malformed body, or a
``reading_chapter`` the book does not have; 404 session not
found or not matching the user, book or character; 409 book not processed
yet; 500 store unavailable; 503 too many streams or shutting down. Once the
stream has started, errors are SSE events (see ``falsafa.chat.flow``).
"""

from __future__ import annotations

import logging
from functools import partial

from quart import Blueprint, Response, current_app, request

from falsafa.api.bodies import parse_chat
from falsafa.chat.flow import PositionOutOfRange, reading_offset
from falsafa.errors import ApiError
from falsafa.logs import log_context
from falsafa.services import Services
from falsafa.store import StoreError

__all__ = ["blueprint"]

log = logging.getLogger("falsafa.chat")

blueprint = Blueprint("chat", __name__)

SSE_HEADERS = {
    "Cache-Control": "no-cache",
    # Tell nginx/Traefik-style proxies not to buffer the stream.
    "X-Accel-Buffering": "no",
}


@blueprint.post("/character/chat")
async def chat() -> Response:
    services: Services = current_app.extensions["falsafa"]
    body = parse_chat(
        await request.get_data(cache=False),
        max_message_chars=services.settings.max_message_chars,
    )
    with log_context(session_id=str(body.session_id)):
        try:
            session, book, character = await services.store.chat_rows(
                body.session_id, body.book_id, body.character_id
            )
        except StoreError as exc:
            log.error("store unavailable", extra={"error": str(exc)})
            raise ApiError(500, "store unavailable, try again later") from None
        if (
            session is None
            or session.user_id != body.user_id
            or session.book_id != body.book_id
            or session.character_id != body.character_id
            or book is None
            or character is None
            or character.book_id != body.book_id
        ):
            raise ApiError(404, "session not found")
        if book.processing_status != "completed":
            raise ApiError(
                409, f"the book is not ready for chat yet (status: {book.processing_status})"
            )

        try:
            before = reading_offset(book.layout, body)
        except PositionOutOfRange as exc:
            raise ApiError(400, str(exc)) from None
        stream_body = services.streams.open(
            partial(services.conversations.converse, body, character, before)
        )
    response = Response(
        stream_body,
        status=200,
        content_type="text/event-stream; charset=utf-8",
        headers=SSE_HEADERS,
    )
    # Quart's RESPONSE_TIMEOUT (60 s) must not cut a long reply.
    response.timeout = None
    return response
