"""The production store (Supabase over PostgREST) failing under the service.

The service runs with ``FALSAFA_STORE=supabase`` against the PostgREST peer
(backed by the local PostgreSQL with the real migrations), which fails,
stalls or garbles answers on demand. Figures: a failing store costs exactly
1 + 3 attempts and a 500 JSON body, before any stream; a stalled store is
given up at ``FALSAFA_STORE_TIMEOUT`` and never holds a request longer;
transient failures within the retry budget are invisible to the client; a
job whose store calls fail waits for the store, spends no attempt and
completes; a 30 s outage mid-job ends ``completed``; a reply whose save
fails ends with a 503 event, not ``done``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import trio

from falsafa.config import Settings
from tests.chat.conftest import ReadyBook
from tests.conftest import StartService
from tests.peers.openai import OpenAIPeer, Script
from tests.peers.postgrest import PostgrestPeer, serve_postgrest
from tests.peers.storage import StoragePeer
from tests.reliability.conftest import CAROL, JsonLines
from tests.reliability.procs import poll_until
from tests.reliability.test_workers import small_books
from tests.support import chat_body, create_book, processing_body, sse_events, wait_for_status

pytestmark = pytest.mark.reliability

STORE_TIMEOUT = 1.5
ATTEMPTS = 4  # the first try and open_store's 3 retries
STORE_DOWN = {"error": "store unavailable, try again later", "code": 500}


@pytest.fixture
async def postgrest(pg_dsn: str) -> AsyncIterator[PostgrestPeer]:
    async with trio.open_nursery() as nursery:
        peer: PostgrestPeer = await nursery.start(serve_postgrest, pg_dsn)
        yield peer
        nursery.cancel_scope.cancel()


async def _timed(
    client: httpx.AsyncClient, path: str, body: dict[str, object]
) -> tuple[httpx.Response, float]:
    started = trio.current_time()
    with trio.fail_after(STORE_TIMEOUT + 5):
        response = await client.post(path, json=body)
    return response, trio.current_time() - started


async def test_store_failures_and_stalls(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
    postgrest: PostgrestPeer,
    json_logs: JsonLines,
) -> None:
    peer = postgrest
    settings = make_settings(
        storage=storage,
        llm=llm,
        roles=frozenset({"api"}),
        store="supabase",
        supabase_url=peer.url,
        supabase_key=peer.api_key,
        store_timeout=STORE_TIMEOUT,
        job_backoff=0.2,
    )
    api = await start_service(settings)
    store = api.services.store
    assert store.name == "supabase"
    llm.default = Script(tokens=["Humbug", "."])
    _chat_book, session = await ready_book(api)
    name, text = small_books()[0]
    book = await create_book(store, title=name)
    url = storage.put(f"books/{name}", text.encode())
    figures: dict[str, str] = {}

    async with httpx.AsyncClient(base_url=str(api.url), timeout=30) as client:
        # 5xx on every attempt: bounded retries, then the spec's 500.
        # Chat reads its session, book and character rows at the same time:
        # three calls, each with its own attempts.
        for path, body, calls in (
            ("/character/processing", processing_body(book, url), 1),
            ("/character/chat", chat_body(session, "Hello?"), 3),
        ):
            seen = len(peer.requests)
            peer.fail_next(ATTEMPTS * calls, status=503)
            response, elapsed = await _timed(client, path, body)
            assert (response.status_code, response.json()) == (500, STORE_DOWN)
            assert response.headers["content-type"] == "application/json"
            assert len(peer.requests) - seen == ATTEMPTS * calls
            assert elapsed < STORE_TIMEOUT
            figures[f"{path.rsplit('/', 1)[1]}_5xx"] = f"{ATTEMPTS}attempts/{elapsed:.2f}s"

        # A stalled store: given up at the deadline, never later.
        for path, body in (
            ("/character/processing", processing_body(book, url)),
            ("/character/chat", chat_body(session, "Hello?")),
        ):
            peer.delay = STORE_TIMEOUT * 3
            response, elapsed = await _timed(client, path, body)
            peer.delay = 0.0
            assert (response.status_code, response.json()) == (500, STORE_DOWN)
            assert STORE_TIMEOUT * 0.9 < elapsed < STORE_TIMEOUT + 1.0
            figures[f"{path.rsplit('/', 1)[1]}_stall"] = f"{elapsed:.2f}s"

        # Dropped connections and garbled answers within the budget: invisible.
        peer.drop_next(1)
        peer.garble_next(1)
        peer.fail_next(1, status=502)
        response, _ = await _timed(client, "/character/processing", processing_body(book, url))
        assert response.status_code == 202, response.text
        peer.fail_next(ATTEMPTS - 1, status=503)
        async with client.stream(
            "POST", "/character/chat", json=chat_body(session, "Hello?")
        ) as chat:
            events = sse_events((await chat.aread()).decode())
        assert events[-1] == {"done": True, "full_response": "Humbug."}

    # The queued job meets a failing store: waited out, then done.
    seen = len(peer.requests)
    peer.fail_next(ATTEMPTS * 2, status=503)
    worker = await start_service(dataclasses.replace(settings, roles=frozenset({"worker"})))
    # The failures are the worker's, not this test's polls.
    await poll_until(lambda: len(peer.requests) >= seen + ATTEMPTS * 2, timeout=30)
    done = await wait_for_status(worker.services.store, book.id, {"completed", "failed"}, 60)
    assert done.processing_status == "completed", done.processing_error
    depths = await worker.services.queue.depths()
    assert depths == {"pending": 0, "processing": 0, "delayed": 0, "dead": 0}
    # The failures meet the job (or the worker's book sweeper, which starts
    # with it). A store seen down when probed costs no attempt; a streak over
    # by the probe costs one: never more (the 30 s outage test pins the wait).
    retries = sum('"msg": "job failed, will retry"' in line for line in json_logs.lines)
    assert retries <= 1
    figures["job_retries_before_completed"] = str(retries)
    print("store faults: " + " ".join(f"{k}={v}" for k, v in figures.items()))


async def test_a_reply_the_store_could_not_save_ends_with_an_error_not_done(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
    postgrest: PostgrestPeer,
) -> None:
    settings = make_settings(
        llm=llm,
        roles=frozenset({"api"}),
        store="supabase",
        supabase_url=postgrest.url,
        supabase_key=postgrest.api_key,
        store_timeout=STORE_TIMEOUT * 2,
    )
    api = await start_service(settings)
    store = api.services.store
    _book, session = await ready_book(api)
    reply = ["Humbug", ",", " I", " say", "."]
    llm.default = Script(tokens=reply, token_delay=0.2)
    body = chat_body(session, "Do you keep Christmas?")

    async with httpx.AsyncClient(base_url=str(api.url), timeout=30) as client:
        # The store goes down while the reply streams: its save fails.
        events: list[dict[str, object]] = []
        started = trio.current_time()
        async with client.stream("POST", "/character/chat", json=body) as chat:
            async for line in chat.aiter_lines():
                if line.startswith("data: "):
                    events.extend(sse_events(line + "\n\n"))
                    if len(events) == 1:
                        postgrest.stop()
        elapsed = trio.current_time() - started
        assert [e.get("token") for e in events[:-1]] == reply  # every token arrived
        assert events[-1] == {"error": "the reply could not be saved; please retry", "code": 503}
        assert not any("done" in e for e in events)
        assert elapsed < settings.store_timeout + 2  # bounded: never a hang

        # The store is back: the same message again streams, saves once, ends done.
        await postgrest.start()
        async with client.stream("POST", "/character/chat", json=body) as chat:
            events = sse_events((await chat.aread()).decode())
        assert events[-1] == {"done": True, "full_response": "".join(reply)}

    saved = await store.recent_messages(session.id, 10)
    assert [(m.role, m.content, m.status) for m in saved] == [
        ("user", "Do you keep Christmas?", "complete"),
        ("assistant", "".join(reply), "complete"),
    ]


OUTAGE = 30.0  # seconds the store is down mid-job (the figure)


def supabase_settings(
    make_settings: Callable[..., Settings], peer: PostgrestPeer, **overrides: object
) -> Settings:
    return make_settings(
        store="supabase", supabase_url=peer.url, supabase_key=peer.api_key, **overrides
    )


async def test_a_store_outage_during_processing_never_leaves_the_book_processing(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    postgrest: PostgrestPeer,
    json_logs: JsonLines,
) -> None:
    # The production retry policy: three attempts over a minute.
    settings = supabase_settings(
        make_settings, postgrest, storage=storage, job_attempts=3, job_retry_window=60.0
    )
    service = await start_service(settings)
    store = service.services.store
    book = await create_book(store, title="A Christmas Carol")
    url = storage.put("books/carol.txt", CAROL)
    async with httpx.AsyncClient(base_url=str(service.url), timeout=30) as client:
        response = await client.post("/character/processing", json=processing_body(book, url))
        assert response.status_code == 202, response.text

    # The store goes down as soon as the job has started, for 30 s.
    await wait_for_status(store, book.id, {"processing"}, 30)
    postgrest.stop()
    await trio.sleep(OUTAGE)
    await postgrest.start()
    back = trio.current_time()

    done = await wait_for_status(store, book.id, {"completed", "failed"}, 60)
    repaired_in = trio.current_time() - back
    assert done.processing_status == "completed", done.processing_error
    assert repaired_in < 60
    assert (await store.count_passages(book.id)) > 0
    # The outage spent no attempt: the job waited, went back, and completed.
    waited = [line for line in json_logs.lines if "job waits for the store to come back" in line]
    assert waited, "the job never met the outage"
    assert not any('"msg": "job failed, will retry"' in line for line in json_logs.lines)
    depths = await service.services.queue.depths()
    assert depths == {"pending": 0, "processing": 0, "delayed": 0, "dead": 0}
    print(f"store outage of {OUTAGE:g} s: completed {repaired_in:.1f} s after the store returned")
