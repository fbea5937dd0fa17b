"""SupabaseStore against a misbehaving PostgREST: retries, deadlines, error mapping.

And the peer itself: it speaks PostgREST's errors, and refuses what it does
not implement.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import trio

from falsafa.store import (
    ChatSession,
    Conflict,
    NotFound,
    StoreError,
    StoreUnavailable,
    SupabaseStore,
    open_store,
)
from tests.peers.postgrest import PostgrestPeer

from .conftest import make_book, make_characters, make_passages, supabase_store


async def test_transient_5xx_are_retried(peer: PostgrestPeer) -> None:
    store = supabase_store(peer, retries=3)
    book = make_book()
    await store.create_book(book)
    for status in (503, 500, 502, 429):
        peer.requests.clear()
        peer.fail_next(2, status=status)
        got = await store.get_book(book.id)
        assert got is not None and got.id == book.id
        assert [r.outcome for r in peer.requests] == ["failed", "failed", "ok"]
    await store.aclose()


async def test_a_stopped_peer_refuses_and_comes_back_on_the_same_url(peer: PostgrestPeer) -> None:
    store = supabase_store(peer, retries=1)
    book = make_book()
    await store.create_book(book)
    url = peer.url
    peer.stop()
    with trio.fail_after(2), pytest.raises(StoreUnavailable, match="ConnectError"):
        await store.get_book(book.id)
    await peer.start()
    assert peer.url == url
    got = await store.get_book(book.id)
    assert got is not None and got.id == book.id
    await store.aclose()


async def test_persistent_5xx_give_up_after_bounded_retries(peer: PostgrestPeer) -> None:
    store = supabase_store(peer, retries=2)
    peer.fail_next(10, status=503)
    with pytest.raises(StoreUnavailable, match=r"3 attempts.*503"):
        await store.get_book(uuid.uuid4())
    assert len(peer.requests) == 3
    await store.aclose()


async def test_5xx_with_a_plain_text_body(peer: PostgrestPeer) -> None:
    store = supabase_store(peer, retries=1)
    peer.fail_next(5, status=502, body=b"<html>Bad Gateway</html>")
    with pytest.raises(StoreUnavailable):
        await store.save_book_results(uuid.uuid4(), [], [])
    await store.aclose()


async def test_timeout_is_unavailable_within_the_deadline(peer: PostgrestPeer) -> None:
    store = supabase_store(peer, timeout=0.3)
    peer.delay = 5.0
    start = trio.current_time()
    with pytest.raises(StoreUnavailable, match=r"within 0\.3"):
        await store.get_book(uuid.uuid4())
    assert trio.current_time() - start < 0.6
    await store.aclose()


async def test_the_deadline_covers_retries(peer: PostgrestPeer) -> None:
    store = supabase_store(peer, timeout=0.4, retries=50, backoff=0.1, max_backoff=0.1)
    peer.fail_next(1000, status=503)
    start = trio.current_time()
    with pytest.raises(StoreUnavailable):
        await store.count_passages(uuid.uuid4())
    assert trio.current_time() - start < 0.7
    await store.aclose()


async def test_malformed_json_is_retried_then_unavailable(peer: PostgrestPeer) -> None:
    store = supabase_store(peer, retries=2)
    book = make_book()
    await store.create_book(book)
    peer.garble_next(1)
    assert await store.get_book(book.id) is not None
    peer.garble_next(3)
    with pytest.raises(StoreUnavailable, match="malformed"):
        await store.list_characters(book.id)
    await store.aclose()


async def test_dropped_connections_are_retried(peer: PostgrestPeer) -> None:
    store = supabase_store(peer, retries=2)
    book = make_book()
    peer.drop_next(2)
    await store.create_book(book)
    assert await store.get_book(book.id) is not None
    peer.drop_next(3)
    with pytest.raises(StoreUnavailable):
        await store.get_book(book.id)
    await store.aclose()


async def test_retried_writes_do_not_duplicate(peer: PostgrestPeer) -> None:
    """The write happened but its answer was lost: the retry must be harmless."""
    store = supabase_store(peer, retries=2)
    book = make_book()
    await store.create_book(book)
    characters = make_characters(book.id, 2)
    peer.drop_next(1, after_processing=True)
    await store.save_book_results(book.id, characters, make_passages(book.id))
    assert await store.count_passages(book.id) == len(make_passages(book.id))

    session = ChatSession(uuid.uuid4(), book.user_id, book.id, characters[0].id)
    peer.drop_next(1, after_processing=True)
    await store.create_session(session)  # the retry finds its own row: no Conflict
    with pytest.raises(Conflict):  # but a genuine second insert still conflicts
        await store.create_session(session)
    await store.aclose()


async def test_our_own_bad_request_is_a_store_error_not_retried(peer: PostgrestPeer) -> None:
    store = supabase_store(peer)
    book = make_book()
    await store.create_book(book)
    peer.requests.clear()
    with pytest.raises(StoreError) as info:
        await store.set_book_status(book.id, "bogus")  # type: ignore[arg-type]
    assert type(info.value) is StoreError
    assert "23514" in str(info.value) and "books_processing_status_check" in str(info.value)
    assert len(peer.requests) == 1

    with pytest.raises(StoreError) as info:  # ids that are not UUIDs
        await store.get_book("not-a-uuid")  # type: ignore[arg-type]
    assert type(info.value) is StoreError and "22P02" in str(info.value)
    await store.aclose()


async def test_not_found_and_conflict(peer: PostgrestPeer) -> None:
    store = supabase_store(peer)
    with pytest.raises(NotFound, match="not found"):
        await store.save_book_results(uuid.uuid4(), [], [])
    with pytest.raises(Conflict, match="23503"):
        await store.create_session(
            ChatSession(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
        )
    await store.aclose()


async def test_the_store_sends_the_service_key(peer: PostgrestPeer) -> None:
    store = supabase_store(peer)
    await store.get_book(uuid.uuid4())
    await store.search_passages(uuid.uuid4(), "letter")
    for r in peer.requests:
        assert r.headers["apikey"] == peer.api_key
        assert r.headers["authorization"] == f"Bearer {peer.api_key}"
    await store.aclose()

    wrong = SupabaseStore(peer.url, "not-the-key", timeout=2)
    with pytest.raises(StoreError, match="PGRST301"):
        await wrong.get_book(uuid.uuid4())
    await wrong.aclose()


async def test_closed_store_refuses_calls(peer: PostgrestPeer) -> None:
    store = open_store("supabase", supabase_url=peer.url, supabase_key=peer.api_key, timeout=2)
    assert store.name == "supabase"
    assert await store.get_book(uuid.uuid4()) is None
    await store.aclose()
    with pytest.raises(StoreError, match="closed"):
        await store.get_book(uuid.uuid4())


async def test_unreachable_supabase_is_unavailable() -> None:
    with trio.socket.socket() as sock:  # a port nobody listens on
        await sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = SupabaseStore(f"http://127.0.0.1:{port}", "key", timeout=1, retries=2, backoff=0.01)
    with pytest.raises(StoreUnavailable, match="ConnectError"):
        await store.get_book(uuid.uuid4())
    await store.aclose()


# -- the peer speaks PostgREST -------------------------------------------------


async def _raw(
    peer: PostgrestPeer,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    json: Any = None,
) -> httpx.Response:
    sent = {"apikey": peer.api_key, "Authorization": f"Bearer {peer.api_key}", **(headers or {})}
    async with httpx.AsyncClient(base_url=peer.url, timeout=5) as client:
        return await client.request(method, path, headers=sent, params=params, json=json)


async def test_peer_error_bodies(peer: PostgrestPeer) -> None:
    r = await _raw(peer, "GET", "/rest/v1/books", params={"id": "eq.not-a-uuid"})
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"code", "message", "details", "hint"}
    assert body["code"] == "22P02" and "uuid" in body["message"]

    r = await _raw(
        peer,
        "POST",
        "/rest/v1/chat_sessions",
        json={
            "user_id": str(uuid.uuid4()),
            "book_id": str(uuid.uuid4()),
            "character_id": str(uuid.uuid4()),
        },
    )
    assert (r.status_code, r.json()["code"]) == (409, "23503")

    r = await _raw(
        peer,
        "GET",
        "/rest/v1/books",
        params={"id": f"eq.{uuid.uuid4()}"},
        headers={"Accept": "application/vnd.pgrst.object+json"},
    )
    assert (r.status_code, r.json()["code"]) == (406, "PGRST116")

    r = await _raw(peer, "POST", "/rest/v1/rpc/no_such_function", json={})
    assert (r.status_code, r.json()["code"]) == (404, "PGRST202")

    r = await _raw(peer, "GET", "/rest/v1/no_such_table")
    assert r.status_code == 404

    r = await _raw(peer, "GET", "/rest/v1/books", headers={"apikey": ""})
    assert r.status_code == 401


async def test_peer_round_trip(peer: PostgrestPeer) -> None:
    book = {"id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "title": "Persuasion"}
    r = await _raw(
        peer,
        "POST",
        "/rest/v1/books",
        json=book,
        params={"select": "id,title"},
        headers={"Prefer": "return=representation"},
    )
    assert (r.status_code, r.json()) == (201, [{"id": book["id"], "title": "Persuasion"}])
    r = await _raw(
        peer,
        "PATCH",
        "/rest/v1/books",
        params={"id": f"eq.{book['id']}"},
        json={"title": "Persuasion, 1817"},
    )
    assert r.status_code == 204
    r = await _raw(
        peer,
        "GET",
        "/rest/v1/books",
        params={"select": "title", "id": f"in.({book['id']},{uuid.uuid4()})"},
        headers={"Accept": "application/vnd.pgrst.object+json"},
    )
    assert (r.status_code, r.json()) == (200, {"title": "Persuasion, 1817"})
    r = await _raw(peer, "DELETE", "/rest/v1/books", params={"id": f"eq.{book['id']}"})
    assert r.status_code == 204
    r = await _raw(peer, "GET", "/rest/v1/books", params={"id": f"eq.{book['id']}"})
    assert r.json() == []


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"title": "like.*Emma*"}, {}),
        ({"title": "not.eq.Emma"}, {}),
        ({"select": "*,characters(*)"}, {}),
        ({"select": "title:name"}, {}),
        ({"order": "title.desc.nullslast"}, {}),
        ({"or": "(title.eq.a,title.eq.b)"}, {}),
        ({}, {"Prefer": "count=planned"}),
        ({}, {"Accept": "text/csv"}),
        ({}, {"Accept-Profile": "auth"}),
    ],
)
async def test_peer_refuses_what_it_does_not_implement(
    peer: PostgrestPeer, params: dict[str, str], headers: dict[str, str]
) -> None:
    r = await _raw(peer, "GET", "/rest/v1/books", params=params, headers=headers)
    assert r.status_code == 400
    assert r.json()["message"].startswith("unsupported by test peer: "), r.json()


async def test_peer_calls_functions_with_named_arguments(peer: PostgrestPeer) -> None:
    book = make_book()
    store = supabase_store(peer)
    await store.create_book(book)
    await store.save_book_results(book.id, [], make_passages(book.id))
    await store.aclose()
    r = await _raw(
        peer,
        "POST",
        "/rest/v1/rpc/search_book_passages",
        json={"p_book_id": str(book.id), "p_query": "sealed letter", "p_limit": 2},
    )
    assert r.status_code == 200
    rows = r.json()
    assert [row["ordinal"] for row in rows] == [4, 2]
    assert rows[0]["rank"] > 0
