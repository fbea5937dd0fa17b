"""The session lock over real HTTP: a lost lock stops its reply within about
a second, and a stream that lost it never saves over the new owner's exchange.

Two replies must never stream (or be saved) for one session: the second
request that finds the lock free is the session's owner from then on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import redis
import trio

from falsafa.chat.flow import LOCK_LOST
from falsafa.config import Settings
from falsafa.locks import lock_key
from falsafa.store import ChatSession
from falsafa.supervisor import ServiceHandle
from tests.chat.conftest import ReadyBook
from tests.conftest import StartService
from tests.peers.openai import OpenAIPeer, Script
from tests.support import chat_body, chat_stream, sse_events


@pytest.fixture
async def chat(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
) -> AsyncIterator[tuple[ServiceHandle, httpx.AsyncClient, ChatSession]]:
    # The production TTL: a renewal alone would notice a loss only after 10 s.
    service = await start_service(make_settings(llm=llm, roles=frozenset({"api"}), lock_ttl=30.0))
    _book, session = await ready_book(service)
    async with httpx.AsyncClient(base_url=str(service.url), timeout=30) as client:
        yield service, client, session


async def reply_events(
    client: httpx.AsyncClient, body: dict[str, object]
) -> list[dict[str, object]]:
    return sse_events((await chat_stream(client, body))[1])


async def test_deleted_lock_stops_the_stream_within_a_second(
    chat: tuple[ServiceHandle, httpx.AsyncClient, ChatSession],
    llm: OpenAIPeer,
    redis_client: redis.Redis,
) -> None:
    service, client, session = chat
    llm.script(tokens=[f"w{i} " for i in range(100)], token_delay=0.1)  # 10 s of reply
    llm.script(tokens=["Second", " owner."])
    first: list[dict[str, object]] = []
    stopped_after: list[float] = []

    async def stale() -> None:
        first.extend(await reply_events(client, chat_body(session, "Go on")))
        stopped_after.append(trio.current_time() - deleted_at)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(stale)
        await trio.sleep(1.3)
        assert redis_client.delete(lock_key(session.id)) == 1
        deleted_at = trio.current_time()
        # The lock is free: a second request becomes the session's owner.
        second = await reply_events(client, chat_body(session, "Who are you?"))
    assert first[-1] == {"error": LOCK_LOST, "code": 409}
    assert stopped_after[0] < 1.5, f"the stale stream ran {stopped_after[0]:.2f} s more"
    assert second[-1] == {"done": True, "full_response": "Second owner."}
    # Only the owner's exchange is in the history.
    messages = await service.services.store.recent_messages(session.id, 10)
    assert [(m.role, m.content) for m in messages] == [
        ("user", "Who are you?"),
        ("assistant", "Second owner."),
    ]
    assert redis_client.get(lock_key(session.id)) is None


async def test_stale_stream_never_saves_over_the_new_owners_exchange(
    chat: tuple[ServiceHandle, httpx.AsyncClient, ChatSession],
    llm: OpenAIPeer,
    redis_client: redis.Redis,
) -> None:
    # The lock is taken over between two ownership checks and the stale
    # reply ends before the next one: only the fence at the save stops it.
    # The same message at the same position has the same exchange ids, so
    # an unfenced save would overwrite the owner's reply with the stale one.
    service, client, session = chat
    llm.script(Script(tokens=[f"stale{i} " for i in range(8)], token_delay=0.05))
    llm.script(Script(tokens=["Owner's", " reply."]))
    body = chat_body(session, "Tell me")
    first: list[dict[str, object]] = []

    async def stale() -> None:
        first.extend(await reply_events(client, body))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(stale)
        with trio.fail_after(2):
            while len(llm.requests) < 1:  # noqa: ASYNC110 - the peer's record
                await trio.sleep(0.01)
        redis_client.delete(lock_key(session.id))
        second = await reply_events(client, body)
    assert second[-1] == {"done": True, "full_response": "Owner's reply."}
    assert first[-1] == {"error": LOCK_LOST, "code": 409}
    assert any(e.get("token") == "stale7 " for e in first), "the stale reply ran to its end"
    messages = await service.services.store.recent_messages(session.id, 10)
    assert [(m.role, m.content, m.status) for m in messages] == [
        ("user", "Tell me", "complete"),
        ("assistant", "Owner's reply.", "complete"),
    ]
    assert redis_client.get(lock_key(session.id)) is None
