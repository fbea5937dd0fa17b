"""The offline responder end to end: a real book processed, a reply in the character's words."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from falsafa import metrics
from falsafa.config import Settings
from tests.conftest import StartService
from tests.peers.storage import StoragePeer
from tests.support import BOOKS, chat_body, create_book, open_session, process_book, sse_events


async def test_offline_reply_from_a_processed_book(
    make_settings: Callable[..., Settings], start_service: StartService, storage: StoragePeer
) -> None:
    service = await start_service(make_settings(storage=storage))  # no OPENAI_API_KEY
    assert service.services.responder.name == "offline"
    book = await create_book(service.services.store, title="Peter Pan")
    url = storage.put("books/peter_pan.txt", (BOOKS / "peter_pan.txt").read_bytes())
    before = metrics.TOKENS_STREAMED.labels(responder="offline")._value.get()
    async with httpx.AsyncClient(base_url=service.url, timeout=60) as client:
        done = await process_book(service, client, book, url)
        assert done.processing_status == "completed", done.processing_error
        session = await open_session(service, done)
        character = await service.services.store.get_character(session.character_id)
        assert character is not None
        response = await client.post(
            "/character/chat", json=chat_body(session, "Will you ever grow up?")
        )
    assert response.status_code == 200
    events = sse_events(response.text)
    assert events[-1]["done"] is True
    tokens = [e["token"] for e in events[:-1]]
    reply = str(events[-1]["full_response"])
    assert len(tokens) > 3 and "".join(tokens) == reply
    # Composed from the character's own quotes (as stored) and the book's text.
    own_lines = [q["text"].strip("\"“”‘’' ") for q in character.facts["quotes"]]
    # A line cut by its frame ("...," said he) is quoted without the comma.
    assert any(line and line[:20].rstrip(",") in reply for line in own_lines), (
        reply,
        own_lines[:5],
    )
    after = metrics.TOKENS_STREAMED.labels(responder="offline")._value.get()
    assert after - before == len(tokens)
