"""JobManager with an LLM configured: descriptions refined, or kept on failure."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from falsafa.config import Settings
from tests.conftest import StartService
from tests.peers.openai import OpenAIPeer, Script
from tests.peers.storage import StoragePeer
from tests.support import BOOKS, create_book, processing_body, wait_for_status

CAROL = (BOOKS / "a_christmas_carol.txt").read_bytes()
PARAGRAPH = (
    "A tight-fisted old man of business who counts every coal, he meets the season with "
    "scorn until his own past, present and future are shown to him."
)


async def _process(service, storage: StoragePeer):  # type: ignore[no-untyped-def]
    book = await create_book(service.services.store, title="A Christmas Carol")
    async with httpx.AsyncClient(base_url=service.url) as client:
        response = await client.post(
            "/character/processing", json=processing_body(book, storage.put("books/c.txt", CAROL))
        )
    assert response.status_code == 202
    done = await wait_for_status(service.services.store, book.id, {"completed", "failed"}, 60)
    assert done.processing_status == "completed", done.processing_error
    return await service.services.store.list_characters(book.id)


async def test_llm_writes_each_description(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    llm: OpenAIPeer,
) -> None:
    llm.default = Script(content=PARAGRAPH)
    service = await start_service(make_settings(storage=storage, llm=llm))
    characters = await _process(service, storage)
    assert characters and all(c.description == PARAGRAPH for c in characters)
    assert PARAGRAPH in characters[0].persona_prompt
    sent = [r.json for r in llm.requests]
    assert len(sent) == len(characters)
    assert not any(r.get("stream") for r in sent)
    assert all(0 < r["max_tokens"] <= 220 for r in sent)
    assert characters[0].name in sent[0]["messages"][-1]["content"]


async def test_llm_failure_keeps_the_deterministic_persona(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    llm: OpenAIPeer,
) -> None:
    llm.default = Script(status=500)
    service = await start_service(make_settings(storage=storage, llm=llm))
    characters = await _process(service, storage)
    assert characters
    for character in characters:
        assert character.description and character.description != PARAGRAPH
        assert character.persona_prompt.startswith(f"You are {character.name}")
        assert character.description in character.persona_prompt
