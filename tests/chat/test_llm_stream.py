"""Chat against the LLM stream as real servers send it: comment lines before
and between tokens, role and text in one chunk, usage chunks with choices,
events in HTTP chunks of their own, a pause or silence after the finish
chunk, an error object inside the stream, and the finish reason kept."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import redis
import trio

from falsafa import metrics
from falsafa.config import Settings
from falsafa.locks import lock_key
from falsafa.store import ChatSession
from falsafa.supervisor import ServiceHandle
from tests.chat.conftest import ReadyBook
from tests.conftest import StartService
from tests.peers.openai import OpenAIPeer
from tests.support import chat_body, sse_events

Timed = list[tuple[float, dict[str, Any]]]
OpenChat = Callable[..., Awaitable[tuple[ServiceHandle, ChatSession]]]


@pytest.fixture
def open_chat(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
) -> OpenChat:
    """A service on the OpenAI peer (settings overridden as given) and a session."""

    async def open_(**overrides: Any) -> tuple[ServiceHandle, ChatSession]:
        service = await start_service(make_settings(llm=llm, roles=frozenset({"api"}), **overrides))
        _book, session = await ready_book(service)
        return service, session

    return open_


async def _timed_events(service: ServiceHandle, session: ChatSession, within: float = 10) -> Timed:
    """Each event of one chat stream with the seconds since the request."""
    events: Timed = []
    async with httpx.AsyncClient(base_url=str(service.url), timeout=30) as client:
        started = trio.current_time()
        with trio.fail_after(within):
            async with client.stream(
                "POST", "/character/chat", json=chat_body(session, "Who are you?")
            ) as response:
                assert response.status_code == 200
                async for line in response.aiter_lines():
                    for event in sse_events(line):
                        events.append((trio.current_time() - started, event))
    return events


async def _saved(service: ServiceHandle, session: ChatSession) -> list[tuple[str, str, Any]]:
    messages = await service.services.store.recent_messages(session.id, 10)
    return [(m.role, m.status, m.finish_reason) for m in messages]


async def test_pings_with_no_token_give_the_502_at_the_first_token_deadline(
    open_chat: OpenChat, llm: OpenAIPeer, redis_client: redis.Redis
) -> None:
    # A server pinging every 0.5 s whose first token would come after 20 s.
    service, session = await open_chat(llm_timeout=2, llm_idle_timeout=2)
    llm.script(tokens=["late"], first_token_delay=20, ping_interval=0.5)
    events = await _timed_events(service, session)
    [(after, final)] = events
    assert final == {"error": "the language model did not answer in time", "code": 502}
    assert 2 <= after <= 3, after
    assert llm.streams[-1].pings_sent >= 3, "the server pinged all along"
    assert redis_client.get(lock_key(session.id)) is None, "the lock is released"
    assert await _saved(service, session) == [
        ("user", "complete", None),
        ("assistant", "failed", None),
    ]
    print(f"pings, no token: 502 after {after:.2f} s (FALSAFA_LLM_TIMEOUT=2)")


async def test_finish_reason_then_silence_ends_with_done_at_once(
    open_chat: OpenChat, llm: OpenAIPeer, redis_client: redis.Redis
) -> None:
    service, session = await open_chat(llm_timeout=5, llm_idle_timeout=5)
    # The finish chunk follows the last token at once; no [DONE], no end.
    llm.script(tokens=["Bah", ".", " Humbug"], token_delay=0.05, done_delay=math.inf)
    events = await _timed_events(service, session)
    assert [e for _, e in events] == [
        {"token": "Bah"},
        {"token": "."},
        {"token": " Humbug"},
        {"done": True, "full_response": "Bah. Humbug"},
    ]
    waited = events[-1][0] - events[-2][0]
    assert waited < 0.1, f"done {waited:.3f} s after the finish chunk"
    assert redis_client.get(lock_key(session.id)) is None
    assert await _saved(service, session) == [
        ("user", "complete", None),
        ("assistant", "complete", "stop"),
    ]
    with trio.fail_after(2):
        record = await llm.wait_client_closed()
    assert record.finish_sent and not record.completed, "the silent connection was closed"
    print(f"finish then silence: done {waited * 1000:.0f} ms after the last token")


@pytest.mark.parametrize(
    "variant",
    [
        {"ping_interval": 0.02, "first_token_delay": 0.1, "token_delay": 0.05},
        {"role_with_content": True},
        {"usage_with_choices": True},
        {"done_apart": True, "usage_with_choices": True},
        {"done_delay": 0.3},
    ],
    ids=[
        "pings-between-tokens",
        "role-with-content",
        "usage-with-choices",
        "done-apart",
        "done-late",
    ],
)
async def test_each_real_world_variant_gives_the_whole_reply(
    open_chat: OpenChat, llm: OpenAIPeer, variant: dict[str, Any]
) -> None:
    service, session = await open_chat()
    tokens = ["I", " am", " Scrooge", "."]
    llm.script(tokens=tokens, **variant)
    events = [e for _, e in await _timed_events(service, session)]
    assert events == [
        *({"token": t} for t in tokens),
        {"done": True, "full_response": "I am Scrooge."},
    ]
    assert await _saved(service, session) == [
        ("user", "complete", None),
        ("assistant", "complete", "stop"),
    ]


@pytest.mark.parametrize("reason", ["length", "content_filter"])
async def test_a_cut_reply_is_saved_and_counted_with_its_reason(
    open_chat: OpenChat, llm: OpenAIPeer, reason: str
) -> None:
    service, session = await open_chat()
    counted = metrics.CHAT_FINISH_REASONS.labels(reason=reason)
    before = counted._value.get()
    llm.script(tokens=["It", " was"], finish_reason=reason)
    events = [e for _, e in await _timed_events(service, session)]
    assert events[-1] == {"done": True, "full_response": "It was"}
    assert await _saved(service, session) == [
        ("user", "complete", None),
        ("assistant", "complete", reason),
    ]
    assert counted._value.get() == before + 1
    async with httpx.AsyncClient(base_url=str(service.url)) as client:
        scrape = (await client.get("/metrics")).text
    assert f'falsafa_chat_finish_reasons_total{{reason="{reason}"}}' in scrape


async def test_an_error_inside_the_stream_is_a_502_after_the_tokens(
    open_chat: OpenChat, llm: OpenAIPeer, redis_client: redis.Redis
) -> None:
    service, session = await open_chat()
    llm.script(tokens=["I", " am"], stream_error="Upstream node 10.1.2.3 failed: CUDA OOM")
    events = [e for _, e in await _timed_events(service, session)]
    assert events == [
        {"token": "I"},
        {"token": " am"},
        {"error": "the language model reported an error", "code": 502},
    ]
    assert redis_client.get(lock_key(session.id)) is None
    assert await _saved(service, session) == [
        ("user", "complete", None),
        ("assistant", "failed", None),
    ]
