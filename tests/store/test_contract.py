"""The Store contract: every implementation behaves the same.

Each test runs against SqliteStore (a temp file) and SupabaseStore (through the
PostgREST test peer on a real PostgreSQL); see ``conftest.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from falsafa.book import BookLayout, Chapter
from falsafa.store import (
    Book,
    CastMember,
    CharacterRecord,
    ChatSession,
    Conflict,
    Exchange,
    Message,
    NotFound,
    Passage,
    Store,
    character_uuid,
    exchange_ids,
)

from .conftest import make_book, make_characters, make_passages


async def test_missing_rows_are_none(store: Store) -> None:
    assert await store.get_book(uuid.uuid4()) is None
    assert await store.get_character(uuid.uuid4()) is None
    assert await store.get_session(uuid.uuid4()) is None
    assert await store.list_characters(uuid.uuid4()) == []
    assert await store.recent_messages(uuid.uuid4(), 10) == []
    assert await store.count_passages(uuid.uuid4()) == 0
    assert await store.search_passages(uuid.uuid4(), "letter") == []


async def test_create_and_get_book(store: Store) -> None:
    book = make_book(title="Emma — “a novel”")
    await store.create_book(book)
    got = await store.get_book(book.id)
    assert got is not None
    assert (got.id, got.user_id, got.title, got.file_url) == (
        book.id,
        book.user_id,
        book.title,
        book.file_url,
    )
    assert got.processing_status == "pending"
    assert got.processing_error is None
    assert got.created_at is not None and got.updated_at is not None

    # create_book replaces the row in place (no cascade, same created_at)
    await store.create_book(Book(id=book.id, user_id=book.user_id, title="Emma, revised"))
    again = await store.get_book(book.id)
    assert again is not None and again.title == "Emma, revised"
    assert again.created_at == got.created_at


async def test_the_store_works_on_after_releasing_its_caches(store: Store) -> None:
    book = make_book(title="Emma")
    await store.create_book(book)
    assert await store.get_book(book.id) is not None
    await store.release_memory()  # what a burst's heap trim calls first
    await store.create_book(make_book(title="Persuasion"))
    got = await store.get_book(book.id)
    assert got is not None and got.title == "Emma"


async def test_status_transitions(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    await store.set_book_status(book.id, "processing")
    got = await store.get_book(book.id)
    assert got is not None and got.processing_status == "processing"

    await store.set_book_status(book.id, "failed", "download timed out")
    got = await store.get_book(book.id)
    assert got is not None
    assert (got.processing_status, got.processing_error) == ("failed", "download timed out")

    # a retry clears the previous error
    await store.set_book_status(book.id, "processing")
    got = await store.get_book(book.id)
    assert got is not None
    assert (got.processing_status, got.processing_error) == ("processing", None)


async def test_progress_is_written_on_the_book_and_follows_the_status(
    store: Store,
) -> None:
    book = make_book()
    await store.create_book(book)
    fresh = await store.get_book(book.id)
    assert fresh is not None and (fresh.processing_stage, fresh.processing_progress) == (None, None)
    await store.set_book_status(book.id, "processing")
    await store.set_book_progress(book.id, "extracting", 0.25)
    got = await store.get_book(book.id)
    assert got is not None and got.processing_status == "processing"
    assert (got.processing_stage, got.processing_progress) == ("extracting", 0.25)
    await store.set_book_status(book.id, "failed", "extractor crashed")
    failed = await store.get_book(book.id)
    assert failed is not None and failed.processing_stage == "extracting"  # where it failed
    await store.set_book_status(book.id, "pending")
    again = await store.get_book(book.id)
    assert again is not None and (again.processing_stage, again.processing_progress) == (None, None)
    await store.set_book_progress(book.id, "saving", 0.95)
    await store.save_book_results(book.id, [], [])
    done = await store.get_book(book.id)
    assert done is not None and (done.processing_stage, done.processing_progress) == (None, 1.0)
    with pytest.raises(NotFound):
        await store.set_book_progress(uuid.uuid4(), "saving", 0.9)


async def test_the_whole_cast_is_stored_on_the_book(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    characters = make_characters(book.id, 1)
    cast = [
        CastMember("Emma Woodhouse", ("Emma", "Miss Woodhouse"), 120, 800, characters[0].id),
        CastMember("Mr. Perry", (), 0, 12, None),
    ]
    await store.set_book_cast(book.id, cast)
    await store.save_book_results(book.id, characters, [])
    got = await store.get_book(book.id)
    assert got is not None and got.cast == tuple(cast)
    assert (await store.get_book(make_book().id)) is None
    with pytest.raises(NotFound):
        await store.set_book_cast(uuid.uuid4(), cast)


async def test_books_with_status_finds_the_unfinished_ones(store: Store) -> None:
    # The Supabase store's database is shared by the session's tests: look
    # only at this test's books.
    books = {status: make_book(status) for status in ("pending", "processing", "completed")}
    books["failed"] = make_book("failed")
    for status, book in books.items():
        await store.create_book(book)
        await store.set_book_status(book.id, status)  # type: ignore[arg-type]
    ours = {book.id: status for status, book in books.items()}

    found = await store.books_with_status(("pending", "processing"), limit=10_000)
    assert {ours[b.id] for b in found if b.id in ours} == {"pending", "processing"}
    assert all(b.processing_status in {"pending", "processing"} for b in found)
    failed = await store.books_with_status(["failed"], limit=10_000)
    assert [b.title for b in failed if b.id in ours] == ["failed"]
    assert len(await store.books_with_status(("pending", "processing"), limit=1)) == 1
    assert await store.books_with_status((), limit=10) == []


async def test_set_status_of_missing_book_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.set_book_status(uuid.uuid4(), "processing")


async def test_save_book_results_is_idempotent(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    characters = make_characters(book.id, 5)
    passages = make_passages(book.id)

    await store.save_book_results(book.id, characters, passages)
    first = (await store.list_characters(book.id), await store.count_passages(book.id))
    await store.save_book_results(book.id, characters, passages)
    second = (await store.list_characters(book.id), await store.count_passages(book.id))

    assert first == second
    assert second[1] == len(passages)
    assert [c.name for c in second[0]] == [c.name for c in characters]
    got = await store.get_book(book.id)
    assert got is not None and got.processing_status == "completed"


async def test_characters_round_trip_in_rank_order(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    characters = make_characters(book.id, 4)
    await store.save_book_results(book.id, list(reversed(characters)), [])

    listed = await store.list_characters(book.id)
    assert [c.rank for c in listed] == [0, 1, 2, 3]
    assert listed == characters  # every field, facts and unicode included
    assert await store.get_character(characters[2].id) == characters[2]


async def test_reprocessing_replaces_characters_but_keeps_sessions(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    characters = make_characters(book.id, 3)
    await store.save_book_results(book.id, characters, make_passages(book.id))
    session = ChatSession(uuid.uuid4(), book.user_id, book.id, characters[0].id)
    await store.create_session(session)

    # the second run finds a character fewer and shorter passages
    await store.save_book_results(book.id, characters[:2], make_passages(book.id)[:3])
    assert [c.id for c in await store.list_characters(book.id)] == [
        characters[0].id,
        characters[1].id,
    ]
    assert await store.count_passages(book.id) == 3
    assert await store.get_session(session.id) is not None


async def test_save_book_results_for_missing_book_is_not_found(store: Store) -> None:
    book_id = uuid.uuid4()
    with pytest.raises(NotFound):
        await store.save_book_results(book_id, make_characters(book_id, 2), make_passages(book_id))
    assert await store.list_characters(book_id) == []


async def test_failed_save_book_results_changes_nothing(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    await store.save_book_results(book.id, make_characters(book.id, 2), make_passages(book.id))
    await store.set_book_status(book.id, "processing")
    before = await store.list_characters(book.id)
    count = await store.count_passages(book.id)

    # two passages with the same ordinal violate the primary key half-way
    bad = [*make_passages(book.id)[:2], make_passages(book.id)[0]]
    with pytest.raises(Conflict):
        await store.save_book_results(book.id, make_characters(book.id, 4), bad)
    assert await store.list_characters(book.id) == before
    assert await store.count_passages(book.id) == count
    got = await store.get_book(book.id)
    assert got is not None and got.processing_status == "processing"


async def test_sessions(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    characters = make_characters(book.id, 2)
    await store.save_book_results(book.id, characters, [])
    session = ChatSession(uuid.uuid4(), book.user_id, book.id, characters[1].id)
    await store.create_session(session)

    got = await store.get_session(session.id)
    assert got is not None
    assert (got.id, got.user_id, got.book_id, got.character_id) == (
        session.id,
        session.user_id,
        session.book_id,
        session.character_id,
    )
    assert got.created_at is not None


async def test_chat_rows_are_the_three_single_reads(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    characters = make_characters(book.id, 2)
    await store.save_book_results(book.id, characters, [])
    session = ChatSession(uuid.uuid4(), book.user_id, book.id, characters[1].id)
    await store.create_session(session)

    rows = await store.chat_rows(session.id, book.id, characters[1].id)
    assert rows == (
        await store.get_session(session.id),
        await store.get_book(book.id),
        await store.get_character(characters[1].id),
    )
    assert rows[0] is not None and rows[2] is not None and rows[2].name == characters[1].name
    missing = uuid.uuid4()
    assert await store.chat_rows(missing, book.id, missing) == (
        None,
        await store.get_book(book.id),
        None,
    )


async def test_session_needs_book_and_its_character(store: Store) -> None:
    book, other = make_book(), make_book()
    await store.create_book(book)
    await store.create_book(other)
    mine = make_characters(book.id, 1)
    theirs = make_characters(other.id, 1)
    await store.save_book_results(book.id, mine, [])
    await store.save_book_results(other.id, theirs, [])

    with pytest.raises(Conflict):  # no such character
        await store.create_session(ChatSession(uuid.uuid4(), book.user_id, book.id, uuid.uuid4()))
    with pytest.raises(Conflict):  # no such book
        await store.create_session(
            ChatSession(uuid.uuid4(), book.user_id, uuid.uuid4(), mine[0].id)
        )
    with pytest.raises(Conflict):  # a character of another book
        await store.create_session(ChatSession(uuid.uuid4(), book.user_id, book.id, theirs[0].id))
    session = ChatSession(uuid.uuid4(), book.user_id, book.id, mine[0].id)
    await store.create_session(session)
    with pytest.raises(Conflict):  # the same id twice
        await store.create_session(session)


async def _session(store: Store) -> ChatSession:
    book = make_book()
    await store.create_book(book)
    characters = make_characters(book.id, 1)
    await store.save_book_results(book.id, characters, [])
    session = ChatSession(uuid.uuid4(), book.user_id, book.id, characters[0].id)
    await store.create_session(session)
    return session


def _exchange(session: ChatSession, previous: uuid.UUID | None, text: str, reply: str) -> Exchange:
    user_id, assistant_id = exchange_ids(session.id, previous, text)
    return Exchange(session.id, user_id, assistant_id, text, reply, "complete")


async def test_recent_messages_order_and_limit(store: Store) -> None:
    session = await _session(store)
    previous = None
    for i in range(3):
        exchange = _exchange(session, previous, f"question {i}", f"answer {i}")
        await store.save_exchange(exchange)
        previous = exchange.assistant_message_id

    everything = await store.recent_messages(session.id, 100)
    assert [(m.role, m.content) for m in everything] == [
        ("user", "question 0"),
        ("assistant", "answer 0"),
        ("user", "question 1"),
        ("assistant", "answer 1"),
        ("user", "question 2"),
        ("assistant", "answer 2"),
    ]
    last = await store.recent_messages(session.id, 3)
    assert [m.content for m in last] == ["answer 1", "question 2", "answer 2"]
    assert await store.recent_messages(session.id, 0) == []
    assert all(m.session_id == session.id and m.created_at is not None for m in everything)


async def test_retried_exchange_replaces_not_duplicates(store: Store) -> None:
    session = await _session(store)
    first = _exchange(session, None, "Who are you?", "I am")
    await store.save_exchange(replace(first, status="interrupted"))
    await store.save_exchange(replace(first, reply="I am Emma Woodhouse."))

    messages = await store.recent_messages(session.id, 10)
    assert [(m.id, m.role, m.content, m.status) for m in messages] == [
        (first.user_message_id, "user", "Who are you?", "complete"),
        (first.assistant_message_id, "assistant", "I am Emma Woodhouse.", "complete"),
    ]

    # and the latest status wins, whichever it is
    await store.save_exchange(replace(first, reply="", status="failed"))
    messages = await store.recent_messages(session.id, 10)
    assert [(m.content, m.status) for m in messages] == [
        ("Who are you?", "complete"),
        ("", "failed"),
    ]


async def test_the_reply_keeps_why_the_model_stopped(store: Store) -> None:
    session = await _session(store)
    first = replace(_exchange(session, None, "Tell me all.", "It began"), reading_offset=300)
    await store.save_exchange(replace(first, status="failed"))
    messages = await store.recent_messages(session.id, 10)
    assert [m.finish_reason for m in messages] == [None, None]

    # A retry cut at max_tokens: the reply says so, the question never does.
    await store.save_exchange(replace(first, reply="It began in 1815 and", finish_reason="length"))
    messages = await store.recent_messages(session.id, 10, before_offset=300)
    assert [(m.role, m.status, m.finish_reason, m.reading_offset) for m in messages] == [
        ("user", "complete", None, 300),
        ("assistant", "complete", "length", 300),
    ]
    # and the latest save wins, whichever it is
    await store.save_exchange(replace(first, reply="It began.", finish_reason="stop"))
    assert [m.finish_reason for m in await store.recent_messages(session.id, 10)] == [
        None,
        "stop",
    ]


async def test_history_at_a_position_leaves_out_what_was_written_further_on(
    store: Store,
) -> None:
    session = await _session(store)
    previous = None
    for text, offset in (("early", 100), ("late", 9_000), ("anywhere", None), ("middle", 500)):
        user_id, assistant_id = exchange_ids(session.id, previous, text, offset)
        exchange = Exchange(
            session.id, user_id, assistant_id, text, f"re {text}", "complete", offset
        )
        await store.save_exchange(exchange)
        previous = assistant_id

    def said(messages: list[Message]) -> list[tuple[str, int | None]]:
        return [(m.content, m.reading_offset) for m in messages]

    assert said(await store.recent_messages(session.id, 10, before_offset=500)) == [
        ("early", 100),
        ("re early", 100),
        ("middle", 500),
        ("re middle", 500),
    ]
    assert said(await store.recent_messages(session.id, 1, before_offset=99)) == []
    everything = await store.recent_messages(session.id, 10)
    assert [m.content for m in everything][::2] == ["early", "late", "anywhere", "middle"]
    assert said(everything)[4] == ("anywhere", None)
    # The same words at another position are another exchange.
    assert exchange_ids(session.id, None, "hi", 100) != exchange_ids(session.id, None, "hi", 200)
    assert exchange_ids(session.id, None, "hi") == exchange_ids(session.id, None, "hi", None)


async def test_exchange_of_missing_session_is_not_found(store: Store) -> None:
    ghost = ChatSession(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    with pytest.raises(NotFound):
        await store.save_exchange(_exchange(ghost, None, "hello?", "..."))


async def test_search_ranks_the_best_passage_first(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    passages = make_passages(book.id)
    await store.save_book_results(book.id, [], passages)

    hits = await store.search_passages(book.id, "the sealed letter from Bath", limit=3)
    assert hits, "a query sharing words with passages finds some"
    assert hits[0].ordinal == 4  # holds "sealed", "letter" and "Bath"
    assert hits[0] == passages[4]
    assert len(hits) <= 3

    # words in any order, inflected, still find it
    hits = await store.search_passages(book.id, "letters Bath sealing", limit=1)
    assert [h.ordinal for h in hits] == [4]


async def test_search_never_returns_a_later_passage(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    passages = make_passages(book.id)
    await store.save_book_results(book.id, [], passages)

    for cut in (0, passages[2].end - 1, passages[2].end, passages[6].end, 10**9):
        hits = await store.search_passages(
            book.id, "letter Bath garden Emma", limit=20, before_offset=cut
        )
        assert all(h.end <= cut for h in hits)
        expected = {p.ordinal for p in passages if p.end <= cut} & _mentioning(
            passages, ("letter", "bath", "garden", "emma")
        )
        assert {h.ordinal for h in hits} == expected


def _mentioning(passages: list[Passage], words: tuple[str, ...]) -> set[int]:
    return {p.ordinal for p in passages if any(w in p.text.lower() for w in words)}


async def test_search_is_per_book(store: Store) -> None:
    book, other = make_book(), make_book()
    await store.create_book(book)
    await store.create_book(other)
    await store.save_book_results(book.id, [], make_passages(book.id))
    await store.save_book_results(other.id, [], make_passages(other.id))
    hits = await store.search_passages(book.id, "letter", limit=50)
    assert hits and all(h.book_id == book.id for h in hits)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '"letter',
        "letter\"'; DROP TABLE books; --",
        "letter AND OR NOT NEAR(x y) * ^ : ( ) - + | & ! <-> {}",
        "NEAR(letter bath, 2)",
        "title:letter",
        "-letter !bath",
        "Наташа Ростова 東京 🦊 naïve Zoë",
        "\x00\t\n\r",
        "\\ % _ ' ''",
        "the and of",  # stopwords only
        "a" * 5000,
        " ".join(f"w{i}" for i in range(500)),
    ],
)
async def test_any_query_text_is_safe(store: Store, query: str) -> None:
    book = make_book()
    await store.create_book(book)
    await store.save_book_results(book.id, [], make_passages(book.id))
    hits = await store.search_passages(book.id, query, limit=5)
    assert isinstance(hits, list) and len(hits) <= 5
    if not any(ch.isalnum() for ch in query) or query == "the and of":
        assert hits == []
    if "letter" in query.lower():
        assert hits, "the real word in a noisy query still finds passages"


async def test_unicode_passages_are_searchable(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    passages = [
        Passage(book.id, 0, 1, "Глава 1", 0, 40, "Наташа Ростова танцевала на балу."),
        Passage(book.id, 1, 1, "Глава 1", 40, 80, "Pierre ate a crème brûlée at the café."),
    ]
    await store.save_book_results(book.id, [], passages)
    assert [p.ordinal for p in await store.search_passages(book.id, "Наташа")] == [0]
    assert [p.ordinal for p in await store.search_passages(book.id, "café brûlée")] == [1]


async def test_deleting_a_book_removes_everything_derived(store: Store) -> None:
    session = await _session(store)
    await store.save_book_results(
        session.book_id,
        await store.list_characters(session.book_id),
        make_passages(session.book_id),
    )
    await store.save_exchange(_exchange(session, None, "hi", "hello"))

    await store.delete_book(session.book_id)  # type: ignore[attr-defined]
    assert await store.get_book(session.book_id) is None
    assert await store.list_characters(session.book_id) == []
    assert await store.get_session(session.id) is None
    assert await store.recent_messages(session.id, 10) == []
    assert await store.count_passages(session.book_id) == 0
    assert await store.search_passages(session.book_id, "letter") == []


async def test_character_ids_are_stable(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    char = CharacterRecord(character_uuid(book.id, "emma"), book.id, "Emma")
    await store.save_book_results(book.id, [char], [])
    assert await store.get_character(character_uuid(book.id, "emma")) == char


async def test_the_layout_is_saved_with_the_results(store: Store) -> None:
    book = make_book()
    await store.create_book(book)
    assert (await store.get_book(book.id)).layout is None  # type: ignore[union-attr]
    layout = BookLayout(9_000, (Chapter(1, "STAVE I: MARLEY’S GHOST", 40), Chapter(2, "II", 5_000)))
    await store.save_book_results(book.id, make_characters(book.id, 2), [], layout)
    got = await store.get_book(book.id)
    assert got is not None and got.layout == layout and got.processing_status == "completed"
    # A book row the frontend writes again keeps the layout derived from its text.
    await store.create_book(replace(book, title="Carol"))
    assert (await store.get_book(book.id)).layout == layout  # type: ignore[union-attr]
