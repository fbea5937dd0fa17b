"""The LLM failing before or in the middle of a reply, with the time it costs.

(The event shapes are covered in tests/chat; this adds the figures: how
long a stalled or silent LLM holds a stream, and that every failure leaves
no lock, no open upstream connection and a ``failed`` record.)
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import redis
import trio

from falsafa.config import Settings
from falsafa.locks import lock_key
from tests.chat.conftest import ReadyBook
from tests.conftest import StartService
from tests.peers.openai import OpenAIPeer, Script
from tests.support import chat_body, sse_events

pytestmark = pytest.mark.reliability

TIMEOUT = 0.5
SILENT = "the language model went silent mid-reply"
LATE = "the language model did not answer in time"


@pytest.mark.parametrize(
    ("fault", "script", "tokens", "error", "ceiling"),
    [
        ("http-500", Script(status=500), 0, "the language model answered HTTP 500", 0.5),
        (
            "rate-limited",
            Script(status=429, retry_after=30),
            0,
            "the language model answered HTTP 429",
            0.5,
        ),
        (
            "silent-before-headers",
            Script(headers_delay=10),
            0,
            LATE,
            TIMEOUT + 0.5,
        ),
        ("silent-before-first-token", Script(first_token_delay=10), 0, LATE, TIMEOUT + 0.5),
        (
            # Comment lines are no content: they renew neither deadline.
            "pinging-before-first-token",
            Script(first_token_delay=10, ping_interval=0.1),
            0,
            LATE,
            TIMEOUT + 0.5,
        ),
        (
            "dropped-mid-stream",
            Script(tokens=["a", "b", "c", "d"], drop_after=2),
            2,
            "the language model's stream broke",
            0.5,
        ),
        (
            "stalled-mid-stream",
            Script(tokens=["a", "b", "c", "d"], stall_after=2),
            2,
            SILENT,
            TIMEOUT + 0.5,
        ),
        (
            "pinging-while-stalled",
            Script(tokens=["a", "b", "c", "d"], stall_after=2, ping_interval=0.1),
            2,
            SILENT,
            TIMEOUT + 0.5,
        ),
        (
            "error-inside-the-stream",
            Script(tokens=["a", "b"], stream_error="overloaded"),
            2,
            "the language model reported an error",
            0.5,
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_llm_fault_is_a_502_event_within_its_deadline(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
    redis_client: redis.Redis,
    fault: str,
    script: Script,
    tokens: int,
    error: str,
    ceiling: float,
) -> None:
    service = await start_service(
        make_settings(
            llm=llm, roles=frozenset({"api"}), llm_timeout=TIMEOUT, llm_idle_timeout=TIMEOUT
        )
    )
    _book, session = await ready_book(service)
    llm.script(script)
    events: list[dict[str, object]] = []
    last_at = trio.current_time()
    async with httpx.AsyncClient(base_url=str(service.url), timeout=30) as client:
        with trio.fail_after(5):
            async with client.stream(
                "POST", "/character/chat", json=chat_body(session, "Speak")
            ) as r:
                assert r.status_code == 200
                async for line in r.aiter_lines():
                    if line.startswith("data:"):
                        events.extend(sse_events(line))
                        if "token" in events[-1]:
                            last_at = trio.current_time()
                        else:
                            failed_after = trio.current_time() - last_at
    assert [e["token"] for e in events[:-1]] == ["a", "b", "c", "d"][:tokens]
    assert events[-1]["code"] == 502
    assert events[-1]["error"] == error
    assert failed_after < ceiling, failed_after
    record = llm.streams[-1] if llm.streams else None
    if record is not None and record.status == 200:
        with trio.fail_after(2):
            await record.ended.wait()
        # Closed by the client, dropped by the peer, or ended by the peer
        # after its error object.
        ended_by_peer = record.dropped or record.script.stream_error is not None
        assert record.client_closed or ended_by_peer, "the upstream connection is closed"
    assert redis_client.get(lock_key(session.id)) is None
    messages = await service.services.store.recent_messages(session.id, 10)
    assert [(m.role, m.status) for m in messages] == [("user", "complete"), ("assistant", "failed")]
    assert not service.services.streams.active
    print(
        f"llm fault {fault}: error_event_after_s={failed_after:.2f} message={events[-1]['error']!r}"
    )
