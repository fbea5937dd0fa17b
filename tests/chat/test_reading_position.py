"""How far the reader is: a fraction (``reading_position``) or a chapter ordinal
(``reading_chapter``), never one read as the other.

A JavaScript client cannot send ``1.0``: ``JSON.stringify(1.0)`` is ``"1"``.
So every number in ``reading_position`` is a fraction, and ``1`` is the end
of the book for Python, curl and node alike. Chapters are ordinals in the
book's own list (``falsafa dev chapters``), so a book whose headings restart
in every volume still has one chapter per number.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import trio

from falsafa.book import BookLayout
from falsafa.chat.flow import ChatRequest, PositionOutOfRange, reading_offset
from falsafa.config import Settings
from falsafa.store import Book, ChatSession
from falsafa.supervisor import ServiceHandle
from tests.book.books import read_pdnc
from tests.chat.conftest import ReadyBook
from tests.conftest import StartService
from tests.peers.openai import OpenAIPeer
from tests.support import chat_body, sse_events

Reader = tuple[ServiceHandle, Book, ChatSession]


@pytest.fixture
async def reader(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
) -> AsyncIterator[Reader]:
    service = await start_service(make_settings(llm=llm, roles=frozenset({"api"})))
    book, session = await ready_book(service)
    yield service, book, session


async def _system_seen(
    service: ServiceHandle, session: ChatSession, llm: OpenAIPeer, **position: Any
) -> str:
    """The persona the model was given for one message at ``position``, on a
    session of its own (no history to tell requests apart)."""
    fresh = ChatSession(uuid.uuid4(), session.user_id, session.book_id, session.character_id)
    await service.services.store.create_session(fresh)
    llm.script(tokens=["Yes."])
    async with httpx.AsyncClient(base_url=service.url or "", timeout=30) as client:
        response = await client.post(
            "/character/chat", json=chat_body(fresh, "How does it end?", **position)
        )
    assert response.status_code == 200 and sse_events(response.text)[-1]["done"] is True
    return str(llm.requests[-1].json["messages"][0]["content"])


def _last_quote(facts: dict[str, Any], book: Book) -> str:
    assert book.layout is not None
    last_chapter = book.layout.chapters[-1].start
    late = [q["text"] for q in facts["quotes"] if q["start"] >= last_chapter]
    assert late, "the test needs a quote from the last chapter"
    return str(late[-1])


async def test_one_is_the_end_of_the_book(reader: Reader, llm: OpenAIPeer) -> None:
    service, book, session = reader
    store = service.services.store
    character = await store.get_character(session.character_id)
    stored = await store.get_book(book.id)
    assert character is not None and stored is not None
    ending = _last_quote(character.facts, stored)
    as_one = await _system_seen(service, session, llm, reading_position=1)
    as_float = await _system_seen(service, session, llm, reading_position=1.0)
    last_chapter = await _system_seen(service, session, llm, reading_chapter=5)
    halfway = await _system_seen(service, session, llm, reading_position=0.5)
    assert ending in as_one and as_one == as_float == last_chapter
    assert ending not in halfway


async def test_a_node_client_sending_one_point_oh_gets_the_ending(
    reader: Reader, llm: OpenAIPeer
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the JavaScript client cannot be run here")
    service, _book, session = reader
    python_seen = await _system_seen(service, session, llm, reading_position=1)
    fresh = ChatSession(uuid.uuid4(), session.user_id, session.book_id, session.character_id)
    await service.services.store.create_session(fresh)
    body = chat_body(fresh, "How does it end?")
    # What a browser does: JSON.stringify writes 1.0 as 1.
    script = f"""
const body = {json.dumps(body)};
body.reading_position = 1.0;
const sent = JSON.stringify(body);
if (!sent.includes('"reading_position":1}}')) throw new Error("unexpected: " + sent);
const response = await fetch({json.dumps(service.url + "/character/chat")}, {{
  method: "POST", headers: {{"Content-Type": "application/json"}}, body: sent,
}});
process.stdout.write(response.status + "\\n" + await response.text());
"""
    llm.script(tokens=["Yes."])
    done = await trio.run_process(
        [node, "--input-type=module", "-e", script], capture_stdout=True, capture_stderr=True
    )
    status, _, raw = done.stdout.decode().partition("\n")
    assert status == "200", done.stderr.decode()
    assert sse_events(raw)[-1] == {"done": True, "full_response": "Yes."}
    assert llm.requests[-1].json["messages"][0]["content"] == python_seen


def test_chapter_ordinals_are_unambiguous_when_volumes_restart_their_numbers() -> None:
    # Pride and Prejudice: three volumes, each from CHAPTER I.
    layout = BookLayout.of(read_pdnc("PrideAndPrejudice"))
    chapters = layout.chapters
    assert len(chapters) == 61
    assert [c.number for c in chapters] == list(range(1, 62))
    firsts = [c for c in chapters if c.title.endswith("CHAPTER I.")]
    assert [(c.number, c.title) for c in firsts] == [
        (1, "CHAPTER I."),
        (24, "VOL. II, CHAPTER I."),
        (43, "VOL. III, CHAPTER I."),
    ]

    def offset(chapter: int) -> int | None:
        request = ChatRequest(*(uuid.uuid4() for _ in range(4)), "hi", reading_chapter=chapter)
        return reading_offset(layout, request)

    # Having read chapter N, the reader reaches the start of chapter N + 1.
    assert offset(23) == chapters[23].start and offset(24) == chapters[24].start
    assert offset(1) < offset(24) < offset(43) < offset(61) == layout.length  # type: ignore[operator]
    with pytest.raises(PositionOutOfRange, match=r"past the book's last chapter \(61\)"):
        offset(62)
    whole = ChatRequest(*(uuid.uuid4() for _ in range(4)), "hi", reading_position=1)
    assert reading_offset(layout, whole) == layout.length


def test_a_book_without_chapters_takes_only_fractions() -> None:
    layout = BookLayout(5_000)
    request = ChatRequest(*(uuid.uuid4() for _ in range(4)), "hi", reading_chapter=1)
    with pytest.raises(PositionOutOfRange, match="this book has no chapters"):
        reading_offset(layout, request)
    half = ChatRequest(*(uuid.uuid4() for _ in range(4)), "hi", reading_position=0.5)
    assert reading_offset(layout, half) == 2_500


async def test_a_later_exchange_never_reaches_the_model_at_an_earlier_position(
    reader: Reader, llm: OpenAIPeer
) -> None:
    service, _book, session = reader
    store = service.services.store
    question = "Whose grave is that in the churchyard?"

    async def ask(message: str, reply: str, position: float) -> list[dict[str, str]]:
        llm.script(tokens=[reply])
        async with httpx.AsyncClient(base_url=service.url or "", timeout=30) as client:
            body = chat_body(session, message, reading_position=position)
            response = await client.post("/character/chat", json=body)
        assert sse_events(response.text)[-1] == {"done": True, "full_response": reply}
        sent: list[dict[str, str]] = llm.requests[-1].json["messages"]
        return [m for m in sent if m["role"] != "system"]

    late = "My own name, on the stone, at the very end."
    assert await ask(question, late, 0.95) == [{"role": "user", "content": question}]
    # Back at 0.15, the same words: a new question, and the late reply stays out.
    early = "What grave? It is Christmas Eve."
    turns = await ask(question, early, 0.15)
    assert turns == [{"role": "user", "content": question}]
    assert not any(late in str(m) for m in llm.requests[-1].json["messages"])
    stored = await store.recent_messages(session.id, 10)
    assert [m.content for m in stored] == [question, late, question, early], "nothing overwritten"
    assert stored[0].reading_offset > stored[2].reading_offset  # type: ignore[operator]

    # Sent again at 0.15 it is a retry: it replaces the 0.15 exchange only.
    again = "What grave? Bah."
    assert await ask(question, again, 0.15) == [{"role": "user", "content": question}]
    stored = await store.recent_messages(session.id, 10)
    assert [m.content for m in stored] == [question, late, question, again]

    # Further on, both earlier exchanges are the history.
    turns = await ask("And now?", "Now I know.", 0.96)
    assert [m["content"] for m in turns] == [question, late, question, again, "And now?"]
