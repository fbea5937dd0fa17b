"""POST /character/chat over real HTTP: events, errors, locks, cancellation."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
import redis
import trio

from falsafa.api.bodies import BAD_CHAPTER, BAD_POSITION, BOTH_POSITIONS
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
):  # type: ignore[no-untyped-def]
    service = await start_service(make_settings(llm=llm, roles=frozenset({"api"})))
    book, session = await ready_book(service)
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
        yield service, client, book, session


async def test_tokens_then_done_and_exchange_saved(chat, llm, redis_client) -> None:  # type: ignore[no-untyped-def]
    service, client, _book, session = chat
    llm.script(tokens=["I", " am", " Scrooge", "."])
    response, raw = await chat_stream(client, chat_body(session, "Who are you?"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    events = sse_events(raw)
    assert events == [
        {"token": "I"},
        {"token": " am"},
        {"token": " Scrooge"},
        {"token": "."},
        {"done": True, "full_response": "I am Scrooge."},
    ]
    messages = await service.services.store.recent_messages(session.id, 10)
    assert [(m.role, m.content, m.status) for m in messages] == [
        ("user", "Who are you?", "complete"),
        ("assistant", "I am Scrooge.", "complete"),
    ]
    assert redis_client.get(lock_key(session.id)) is None, "lock released"


async def test_the_next_message_can_follow_done_at_once(chat, llm, redis_client) -> None:  # type: ignore[no-untyped-def]
    # ``done`` is sent after the save and the lock release: a client that
    # sends on ``done`` (before the stream's end) finds the session free and
    # the previous exchange in the history.
    service, client, _book, session = chat
    llm.script(tokens=["Bah", "."])
    async with client.stream("POST", "/character/chat", json=chat_body(session, "One?")) as first:
        async for line in first.aiter_lines():
            if '"done"' in line:
                break
        assert redis_client.get(lock_key(session.id)) is None
        stored = await service.services.store.recent_messages(session.id, 10)
        assert [m.content for m in stored] == ["One?", "Bah."]
        llm.script(tokens=["Humbug", "."])
        response, raw = await chat_stream(client, chat_body(session, "Two?"))
    assert response.status_code == 200
    assert sse_events(raw)[-1] == {"done": True, "full_response": "Humbug."}
    sent = llm.requests[-1].json["messages"]
    assert [m["content"] for m in sent[-3:]] == ["One?", "Bah.", "Two?"]
    # The first answer was read to its end, so its connection was reused.
    assert llm.requests[-1].connection == llm.requests[-2].connection


async def test_prompt_layout_seen_by_the_llm(chat, llm) -> None:  # type: ignore[no-untyped-def]
    _service, client, _book, session = chat
    llm.script(tokens=["Humbug."])
    await chat_stream(client, chat_body(session, "What do you think of Christmas?"))
    llm.script(tokens=["Bah."])
    await chat_stream(client, chat_body(session, "And of your nephew Fred?"))
    sent = llm.requests[-1].json
    assert sent["stream"] is True and sent["model"] == "test-model"
    messages = sent["messages"]
    roles = [m["role"] for m in messages]
    assert roles == ["system", "system", "user", "assistant", "user"]
    assert messages[0]["content"].startswith("You are Scrooge")
    assert messages[1]["content"].startswith("Passages from the book")
    assert "[" in messages[1]["content"]  # chapter headings on passages
    assert messages[2:] == [
        {"role": "user", "content": "What do you think of Christmas?"},
        {"role": "assistant", "content": "Humbug."},
        {"role": "user", "content": "And of your nephew Fred?"},
    ]


async def test_reading_position_limits_persona_and_passages(chat, llm) -> None:  # type: ignore[no-untyped-def]
    service, client, book, session = chat
    character = await service.services.store.get_character(session.character_id)
    stored = await service.services.store.get_book(book.id)
    assert "book" not in character.facts, "the layout lives on the book, not in facts"
    cut = stored.layout.chapters[1].start  # where chapter 2 starts
    later_quotes = [q["text"] for q in character.facts["quotes"] if q["start"] >= cut]
    assert later_quotes, "the test needs quotes after chapter 1"
    llm.script(tokens=["ok"])
    await chat_stream(client, chat_body(session, "Tell me about the ghost", reading_chapter=1))
    system = "\n".join(m["content"] for m in llm.requests[-1].json["messages"][:2])
    for quote in later_quotes:
        assert quote not in system
    assert "has not finished the book" in system
    passages = await service.services.store.search_passages(book.id, "ghost", limit=20)
    for passage in passages:
        if passage.start >= cut:
            assert passage.text.strip()[:80] not in system


async def test_session_errors_are_404_before_the_stream(chat) -> None:  # type: ignore[no-untyped-def]
    _service, client, _book, session = chat
    for override in (
        {"session_id": str(uuid.uuid4())},
        {"user_id": str(uuid.uuid4())},
        {"book_id": str(uuid.uuid4())},
        {"character_id": str(uuid.uuid4())},
    ):
        response = await client.post("/character/chat", json=chat_body(session, "hi", **override))
        assert response.status_code == 404
        assert response.json() == {"error": "session not found", "code": 404}


async def test_book_not_completed_is_409(chat) -> None:  # type: ignore[no-untyped-def]
    service, client, book, session = chat
    await service.services.store.set_book_status(book.id, "processing")
    response = await client.post("/character/chat", json=chat_body(session, "hi"))
    assert response.status_code == 409
    assert response.json()["error"] == "the book is not ready for chat yet (status: processing)"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"user_message": ""}, "user_message must not be empty"),
        ({"user_message": "   \n"}, "user_message must not be empty"),
        ({"user_message": "x" * 4001}, "user_message is longer than 4000 characters"),
        ({"user_message": 5}, "user_message must be a string"),
        ({"session_id": "123"}, "session_id is not a UUID"),
        ({"reading_position": 1.5}, BAD_POSITION),
        ({"reading_position": True}, BAD_POSITION),
        ({"reading_chapter": 0}, BAD_CHAPTER),
        ({"reading_chapter": 6}, "reading_chapter 6 is past the book's last chapter (5)"),
        ({"reading_chapter": 2, "reading_position": 0.5}, BOTH_POSITIONS),
    ],
)
async def test_bad_bodies_are_400(chat, override, message) -> None:  # type: ignore[no-untyped-def]
    _service, client, _book, session = chat
    response = await client.post("/character/chat", json=chat_body(session, "hi", **override))
    assert response.status_code == 400
    assert response.json() == {"error": message, "code": 400}


async def test_two_requests_on_one_session_one_gets_429(chat, llm) -> None:  # type: ignore[no-untyped-def]
    _service, client, _book, session = chat
    llm.default = Script(tokens=["a", "b", "c", "d"], token_delay=0.1)
    results: list[list[dict[str, object]]] = []

    async def one(message: str) -> None:
        _response, raw = await chat_stream(client, chat_body(session, message))
        results.append(sse_events(raw))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(one, "first")
        nursery.start_soon(one, "second")
    conflicts = [r for r in results if r and r[0].get("code") == 429]
    streamed = [r for r in results if r and r[-1].get("done")]
    assert len(conflicts) == 1 and len(streamed) == 1
    assert conflicts[0] == [
        {"error": "another reply is already streaming for this session", "code": 429}
    ]


async def test_disconnect_closes_llm_releases_lock_saves_interrupted(
    chat, llm, redis_client
) -> None:  # type: ignore[no-untyped-def]
    service, client, _book, session = chat
    llm.script(tokens=[f"t{i} " for i in range(100)], token_delay=0.05)
    tokens = 0
    async with client.stream(
        "POST", "/character/chat", json=chat_body(session, "Speak")
    ) as response:
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                tokens += 1
                if tokens == 3:
                    break
    left_at = trio.current_time()
    record = await llm.wait_client_closed(timeout=2)
    assert record.client_closed_at is not None
    assert record.client_closed_at - left_at < 0.1, "upstream closed within 100 ms"
    with trio.fail_after(2):
        while service.services.streams.active:  # noqa: ASYNC110 - polling the service's state
            await trio.sleep(0.01)
    assert redis_client.get(lock_key(session.id)) is None
    messages = await service.services.store.recent_messages(session.id, 10)
    assert [(m.role, m.status) for m in messages] == [
        ("user", "complete"),
        ("assistant", "interrupted"),
    ]
    assert messages[1].content.startswith("t0 t1 t2")


async def test_lock_taken_over_stops_stream_and_is_not_deleted(chat, llm, redis_client) -> None:  # type: ignore[no-untyped-def]
    # lock_ttl is 3 s in tests: renewals every second.
    _service, client, _book, session = chat
    llm.script(tokens=[f"w{i} " for i in range(60)], token_delay=0.1)
    events: list[dict[str, object]] = []

    async def read() -> None:
        _response, raw = await chat_stream(client, chat_body(session, "Go on"))
        events.extend(sse_events(raw))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(read)
        await trio.sleep(0.5)
        redis_client.set(lock_key(session.id), b"someone-else", px=30_000)
    assert events[-1] == {
        "error": "the session lock expired or was taken over; reply stopped",
        "code": 409,
    }
    assert 3 < len(events) < 40
    assert redis_client.get(lock_key(session.id)) == b"someone-else"


@pytest.mark.parametrize("status", [429, 500])
async def test_llm_error_before_stream_is_502_event(chat, llm, status) -> None:  # type: ignore[no-untyped-def]
    service, client, _book, session = chat
    llm.script(status=status)
    _response, raw = await chat_stream(client, chat_body(session, "hello"))
    assert sse_events(raw) == [{"error": f"the language model answered HTTP {status}", "code": 502}]
    messages = await service.services.store.recent_messages(session.id, 10)
    assert [(m.role, m.status) for m in messages] == [("user", "complete"), ("assistant", "failed")]


async def test_llm_drop_mid_stream_is_502_after_tokens(chat, llm, redis_client) -> None:  # type: ignore[no-untyped-def]
    _service, client, _book, session = chat
    llm.script(tokens=["a", "b", "c", "d", "e"], drop_after=2)
    _response, raw = await chat_stream(client, chat_body(session, "hello"))
    events = sse_events(raw)
    assert events[:2] == [{"token": "a"}, {"token": "b"}]
    assert events[-1]["code"] == 502 and "stream" in str(events[-1]["error"])
    assert redis_client.get(lock_key(session.id)) is None


async def test_unicode_and_very_long_tokens(chat, llm) -> None:  # type: ignore[no-untyped-def]
    _service, client, _book, session = chat
    long = "ж" * 20_000
    tokens = ["Привет", " 🌍", ' "quoted"\n', "data: fake\n\n", long, "‮rtl"]
    llm.script(tokens=tokens)
    _response, raw = await chat_stream(
        client, chat_body(session, "¿Qué? 你好 \u0000".replace("\u0000", ""))
    )
    events = sse_events(raw)
    assert [e["token"] for e in events[:-1]] == tokens
    assert events[-1] == {"done": True, "full_response": "".join(tokens)}


async def test_keepalive_comments_while_llm_is_silent(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
) -> None:
    service = await start_service(make_settings(llm=llm, sse_keepalive=0.1))
    _book, session = await ready_book(service)
    llm.script(tokens=["late"], first_token_delay=0.5)
    async with httpx.AsyncClient(base_url=service.url) as client:
        _response, raw = await chat_stream(client, chat_body(session, "hello"))
    assert raw.count(": keep-alive") >= 3
    assert sse_events(raw)[-1] == {"done": True, "full_response": "late"}


async def test_retried_request_does_not_duplicate_rows(chat, llm) -> None:  # type: ignore[no-untyped-def]
    service, client, _book, session = chat
    llm.script(status=500)
    await chat_stream(client, chat_body(session, "Are you there?"))
    llm.script(tokens=["Yes."])
    await chat_stream(client, chat_body(session, "Are you there?"))
    messages = await service.services.store.recent_messages(session.id, 10)
    assert [(m.role, m.content, m.status) for m in messages] == [
        ("user", "Are you there?", "complete"),
        ("assistant", "Yes.", "complete"),
    ]


async def test_redis_down_gives_503_event(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
) -> None:
    service = await start_service(make_settings(llm=llm, redis_url="redis://127.0.0.1:1/0"))
    _book, session = await ready_book(service)
    async with httpx.AsyncClient(base_url=service.url) as client:
        response, raw = await chat_stream(client, chat_body(session, "hello"))
    assert response.status_code == 200
    assert sse_events(raw) == [
        {"error": "session lock unavailable (Redis down); try again", "code": 503}
    ]


async def test_sigterm_during_streams_ends_them_and_releases_locks(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
    redis_client: redis.Redis,
) -> None:
    service: ServiceHandle = await start_service(make_settings(llm=llm, graceful_timeout=1.0))
    sessions: list[ChatSession] = []
    for _ in range(3):
        _book, session = await ready_book(service)
        sessions.append(session)
    llm.default = Script(tokens=[f"x{i}" for i in range(1000)], token_delay=0.05)
    endings: list[dict[str, object]] = []

    async def read(session: ChatSession) -> None:
        async with httpx.AsyncClient(base_url=service.url) as client:
            _response, raw = await chat_stream(client, chat_body(session, "talk"))
        endings.append(sse_events(raw)[-1])

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            for session in sessions:
                nursery.start_soon(read, session)
            await trio.sleep(0.5)
            service.stop()
    assert endings == [{"error": "the server is shutting down; please retry", "code": 503}] * 3
    for session in sessions:
        assert redis_client.get(lock_key(session.id)) is None


async def test_quart_response_timeout_does_not_cut_streams(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
) -> None:
    service = await start_service(make_settings(llm=llm))
    assert service.app is not None
    # Quart cuts responses after RESPONSE_TIMEOUT (60 s by default); chat
    # streams opt out. Shrink it so a 1 s reply would be cut if they did not.
    service.app.config["RESPONSE_TIMEOUT"] = 0.2
    _book, session = await ready_book(service)
    llm.script(tokens=[f"t{i}" for i in range(10)], token_delay=0.1)
    async with httpx.AsyncClient(base_url=service.url) as client:
        _response, raw = await chat_stream(client, chat_body(session, "slowly"))
    assert sse_events(raw)[-1] == {
        "done": True,
        "full_response": "".join(f"t{i}" for i in range(10)),
    }


async def test_client_that_stops_reading_is_let_go(
    chat, llm, redis_client, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from falsafa.chat import streams

    monkeypatch.setattr(streams, "STALLED_CLIENT_SECONDS", 0.5)
    service, client, _book, session = chat
    # Big tokens fill the socket buffers quickly once the client stops reading.
    llm.script(tokens=["x" * 100_000] * 300)
    async with client.stream("POST", "/character/chat", json=chat_body(session, "Go")) as response:
        assert response.status_code == 200
        with trio.fail_after(10):
            await llm.wait_client_closed(timeout=10)
            while service.services.streams.active:  # noqa: ASYNC110 - polling the service's state
                await trio.sleep(0.05)
    assert redis_client.get(lock_key(session.id)) is None
    messages = await service.services.store.recent_messages(session.id, 10)
    assert [(m.role, m.status) for m in messages] == [
        ("user", "complete"),
        ("assistant", "interrupted"),
    ]
