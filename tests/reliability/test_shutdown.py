"""Graceful shutdown as clients see it: 503s during the drain, no wait for idle clients.

Figures: with ten kept-alive idle connections and a 10 s graceful timeout,
the service stops in well under a second and every connection sees EOF; a
request that arrives while a chat stream drains gets ``503`` JSON (and
``Connection: close``), while the stream itself finishes its reply.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
import trio

from falsafa.app import SHUTTING_DOWN
from falsafa.config import Settings
from falsafa.supervisor import ServiceHandle, serve_service
from tests.chat.conftest import ReadyBook
from tests.peers.openai import OpenAIPeer, Script
from tests.support import chat_body, sse_events

pytestmark = pytest.mark.reliability


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[ServiceHandle, trio.Event]]:
    """The service, and an event set once ``serve_service`` has returned."""
    stopped = trio.Event()

    async def serve(task_status: trio.TaskStatus[ServiceHandle]) -> None:
        try:
            await serve_service(settings, task_status=task_status)
        finally:
            stopped.set()

    async with trio.open_nursery() as nursery:
        handle: ServiceHandle = await nursery.start(serve)
        try:
            yield handle, stopped
        finally:
            handle.stop()


async def test_idle_kept_alive_clients_do_not_hold_shutdown(
    make_settings: Callable[..., Settings],
) -> None:
    async with running(make_settings(graceful_timeout=10.0)) as (service, stopped):
        host, port = str(service.url).removeprefix("http://").rsplit(":", 1)
        connections = [await trio.open_tcp_stream(host, int(port)) for _ in range(10)]
        for connection in connections:
            await connection.send_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            reply = b""
            with trio.fail_after(2):
                while not reply.endswith(b"ok"):
                    reply += await connection.receive_some()
            assert reply.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        service.stop()
        with trio.fail_after(5):
            await stopped.wait()
        took = time.monotonic() - started
        for connection in connections:
            with trio.fail_after(1):
                assert await connection.receive_some() == b""  # EOF: closed by the server
            await connection.aclose()
    assert took < 1.0, f"an idle shutdown took {took:.2f} s"
    print(f"shutdown: idle_keepalive_connections=10 graceful_timeout=10s took={took:.3f}s")


async def test_request_during_drain_gets_503_json_while_the_stream_finishes(
    make_settings: Callable[..., Settings], llm: OpenAIPeer, ready_book: ReadyBook
) -> None:
    llm.default = Script(tokens=[f"w{i} " for i in range(30)], token_delay=0.05)
    async with running(make_settings(llm=llm, graceful_timeout=10.0)) as (service, stopped):
        _book, session = await ready_book(service)
        async with httpx.AsyncClient(base_url=str(service.url), timeout=10) as client:
            streaming = client.stream("POST", "/character/chat", json=chat_body(session, "Hi"))
            async with streaming as stream_response:
                lines = stream_response.aiter_lines()
                assert (await anext(lines)).startswith("data: ")  # the reply is under way
                service.stop()
                # New connections, while the stream drains.
                async with httpx.AsyncClient(base_url=str(service.url), timeout=5) as late:
                    refused = await late.post("/character/processing", json={})
                    refused_chat = await late.post(
                        "/character/chat", json=chat_body(session, "Another")
                    )
                    health = await late.get("/health")
                rest = "\n".join([line async for line in lines])
            with trio.fail_after(5):
                await stopped.wait()
    assert (refused.status_code, refused.json()) == (503, {"error": SHUTTING_DOWN, "code": 503})
    assert refused.headers["connection"] == "close"
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"].startswith("application/json")
    assert refused_chat.status_code == 503 and refused_chat.json()["code"] == 503
    assert (health.status_code, health.text) == (200, "ok")
    # The stream that was running finished its reply.
    assert sse_events(rest)[-1].get("done") is True
