"""Redis killed and restarted under a running service.

Figures: while Redis is down, processing answers 500 with a JSON body, chat
answers a ``code: 503`` SSE event, /health stays 200; once Redis is back on
the same port the same service process answers 202 again without a restart,
and every job that was queued when Redis died (persisted by its append-only
file) completes exactly once. A book whose job Redis lost altogether is
queued again by the worker's book sweeper and completes. A chat reply open
across an outage shorter than the lock's TTL finishes and is saved; across a
longer one it stops with ``code: 409`` about a TTL after Redis went down,
and nothing is saved.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis
import trio

from falsafa import metrics
from falsafa.config import Settings
from falsafa.locks import lock_key
from tests.chat.conftest import ReadyBook
from tests.conftest import RedisServer, StartService
from tests.peers.openai import OpenAIPeer, Script
from tests.peers.storage import StoragePeer
from tests.reliability.procs import poll_until
from tests.reliability.test_workers import small_books
from tests.support import chat_body, create_book, processing_body, sse_events, wait_for_status

pytestmark = pytest.mark.reliability


class DurableRedis(RedisServer):
    """A private redis-server that keeps its data in an append-only file,
    fsynced on every write, so a SIGKILL loses nothing acknowledged."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        super().__init__(port)
        self.directory = directory

    def persistence_args(self) -> list[str]:
        return [
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            str(self.directory),
        ]

    def crash(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(5)
        self.process = None


async def test_redis_restarted_mid_run(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
    tmp_path: Path,
) -> None:
    server = DurableRedis(tmp_path)
    server.start()
    r = server.client()
    try:
        llm.default = Script(tokens=["Bah", "."])
        service = await start_service(
            make_settings(storage=storage, llm=llm, redis_url=server.url, job_visibility=1.0)
        )
        store = service.services.store
        _chat_book, session = await ready_book(service)
        texts = small_books(120_000)
        books = []
        async with httpx.AsyncClient(base_url=str(service.url), timeout=30) as client:
            for name, text in texts[:4]:
                book = await create_book(store, title=name)
                url = storage.put(f"books/{name}", text.encode())
                response = await client.post(
                    "/character/processing", json=processing_body(book, url)
                )
                assert response.status_code == 202, response.text
                books.append(book)
            # The single consumer is busy with the first book; the rest wait.
            await wait_for_status(store, books[0].id, {"processing"}, 20)
            server.crash()
            down_at = trio.current_time()

            late_name, late_text = texts[4]
            late = await create_book(store, title=late_name)
            late_url = storage.put(f"books/{late_name}", late_text.encode())
            with trio.fail_after(15):
                during = await client.post(
                    "/character/processing", json=processing_body(late, late_url)
                )
                async with client.stream(
                    "POST", "/character/chat", json=chat_body(session, "Hi")
                ) as chat:
                    chat_status, chat_events = (
                        chat.status_code,
                        sse_events((await chat.aread()).decode()),
                    )
                health = await client.get("/health")
            assert (during.status_code, during.json()) == (
                500,
                {"error": "queue unavailable, try again later", "code": 500},
            )
            assert (chat_status, chat_events) == (
                200,
                [{"error": "session lock unavailable (Redis down); try again", "code": 503}],
            )
            assert health.status_code == 200
            late_status = await store.get_book(late.id)
            assert late_status is not None and late_status.processing_status == "pending"

            await trio.sleep(1.0)
            server.start()  # the same port; the AOF brings the queue back
            outage = trio.current_time() - down_at
            pending = [json.loads(raw)["book_id"] for raw in r.lrange("processing_queue", 0, -1)]
            taken = [
                json.loads(raw)["book_id"] for raw in r.lrange("processing_queue:processing", 0, -1)
            ]
            statuses = {str(b.id): (await store.get_book(b.id)).processing_status for b in books}  # type: ignore[union-attr]
            # No job lost: every book not yet completed still has its job in Redis.
            for book_id, status in statuses.items():
                assert status == "completed" or book_id in pending + taken, (book_id, statuses)
            queued_at_restart = len(pending) + len(taken)
            assert queued_at_restart >= 3

            with trio.fail_after(15):
                after = await client.post(
                    "/character/processing", json=processing_body(late, late_url)
                )
                async with client.stream(
                    "POST", "/character/chat", json=chat_body(session, "Hi")
                ) as chat:
                    after_events = sse_events((await chat.aread()).decode())
            assert after.status_code == 202, after.text
            assert after_events[-1] == {"done": True, "full_response": "Bah."}
            assert r.get(lock_key(session.id)) is None

        recovered_at = trio.current_time()
        for book in [*books, late]:
            done = await wait_for_status(store, book.id, {"completed", "failed"}, 60)
            assert done.processing_status == "completed", done.processing_error
            characters = await store.list_characters(book.id)
            assert len({c.name for c in characters}) == len(characters) > 0
        drained = trio.current_time() - recovered_at
        await poll_until(
            lambda: not (r.llen("processing_queue") or r.llen("processing_queue:processing")),
            timeout=10,
        )
        assert r.llen("processing_queue:dead") == 0 and r.zcard("processing_queue:delayed") == 0
        print(
            f"redis restart: outage_s={outage:.1f} queued_at_restart={queued_at_restart}"
            f" lost=0 completed={len(books) + 1} drain_after_recovery_s={drained:.1f}"
        )
    finally:
        r.close()
        server.stop()


async def test_a_book_whose_queue_redis_lost_is_queued_again(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    redis_client: redis.Redis,
) -> None:
    # A Redis restarted without persistence: the book reads pending, and no
    # list holds its job. The worker's sweeper submits it again from its file.
    settings = make_settings(storage=storage, roles=frozenset({"api"}))
    api = await start_service(settings)
    store = api.services.store
    name, text = small_books()[0]
    url = storage.put(f"books/{name}", text.encode())
    book = await create_book(store, title=name)
    await store.create_book(dataclasses.replace(book, file_url=url))
    async with httpx.AsyncClient(base_url=str(api.url), timeout=30) as client:
        response = await client.post("/character/processing", json=processing_body(book, url))
        assert response.status_code == 202, response.text
    redis_client.flushall()
    before = metrics.BOOK_REPAIRS.labels(action="requeued")._value.get()

    started = trio.current_time()
    await start_service(dataclasses.replace(settings, roles=frozenset({"worker"})))
    done = await wait_for_status(store, book.id, {"completed", "failed"}, 60)
    assert done.processing_status == "completed", done.processing_error
    assert metrics.BOOK_REPAIRS.labels(action="requeued")._value.get() == before + 1
    print(f"lost job: book completed {trio.current_time() - started:.1f} s after a worker started")


async def _stream_across_outage(
    service_url: str, session_body: dict[str, object], server: DurableRedis, outage: float
) -> tuple[list[dict[str, object]], float]:
    """Stream a reply while Redis is down for ``outage`` seconds mid-reply;
    the events, and seconds from Redis going down to the stream's end."""
    async with (
        httpx.AsyncClient(base_url=service_url, timeout=30) as client,
        client.stream("POST", "/character/chat", json=session_body) as response,
    ):
        lines = response.aiter_lines()
        raw = [await anext(lines)]  # the first token: the lock is held
        server.crash()
        down_at = trio.current_time()
        async with trio.open_nursery() as nursery:

            async def restart() -> None:
                await trio.sleep(outage)
                server.start()

            nursery.start_soon(restart)
            raw.extend([line async for line in lines])
            ended = trio.current_time() - down_at
    return sse_events("\n".join(raw)), ended


async def test_stream_open_across_a_redis_outage(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
    tmp_path: Path,
) -> None:
    # A short outage (under the lock's TTL, the lock kept by the AOF): the
    # reply goes on and is saved. A long one: the stream stops with 409
    # within about a second of the TTL, and nothing is saved.
    server = DurableRedis(tmp_path)
    server.start()
    r = server.client()
    try:
        service = await start_service(make_settings(llm=llm, redis_url=server.url, lock_ttl=3.0))
        store = service.services.store
        _book, short_session = await ready_book(service)
        _book, long_session = await ready_book(service)

        llm.script(Script(tokens=[f"s{i} " for i in range(30)], token_delay=0.1))
        short, _ = await _stream_across_outage(
            str(service.url), chat_body(short_session, "Hold on"), server, outage=1.0
        )
        assert short[-1] == {"done": True, "full_response": "".join(f"s{i} " for i in range(30))}
        saved = await store.recent_messages(short_session.id, 10)
        assert [(m.role, m.status) for m in saved] == [
            ("user", "complete"),
            ("assistant", "complete"),
        ]
        assert r.get(lock_key(short_session.id)) is None

        llm.script(Script(tokens=[f"l{i} " for i in range(100)], token_delay=0.1))
        long, ended = await _stream_across_outage(
            str(service.url), chat_body(long_session, "Hold on"), server, outage=6.0
        )
        assert long[-1] == {
            "error": "the session lock expired or was taken over; reply stopped",
            "code": 409,
        }
        assert 2.0 <= ended <= 3.0 + 1.5, f"stopped {ended:.2f} s after Redis went down"
        assert await store.recent_messages(long_session.id, 10) == []
        print(f"redis outage mid-stream: short=saved long_stopped_after_s={ended:.2f}")
    finally:
        r.close()
        server.stop()
