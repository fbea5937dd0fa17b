"""The service-role key goes to the Supabase project's own storage, and nowhere else.

Two real storage peers on loopback, both allowed origins: ``supabase`` is the
origin of ``SUPABASE_URL``, ``other`` is not. Books are submitted through the
real intake (SqliteStore, Redis, HTTP); every request each peer received is
read back. The key reaches ``supabase`` for a private object and never
``other``: not for its private objects, not for its public ones, not after a
redirect from ``supabase``; public URLs carry no credentials anywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from falsafa.config import Settings, origin_of
from falsafa.jobs.intake import Accepted, Intake, ProcessingRequest, Rejected, storage_credentials
from falsafa.jobs.queue import JobQueue
from falsafa.redisio import RedisIO
from falsafa.store import Book, SqliteStore
from tests.peers.storage import StoragePeer, open_storage_peer

KEY = "service-role-key-for-the-test"
Submit = Callable[[str], Awaitable[Accepted | Rejected]]
TEXT = ("Marley was dead, to begin with; there is no doubt whatever about that. " * 40).encode()


@pytest.fixture
async def other() -> AsyncIterator[StoragePeer]:
    async with open_storage_peer() as peer:
        yield peer


@pytest.fixture
def settings(
    make_settings: Callable[..., Settings], storage: StoragePeer, other: StoragePeer
) -> Settings:
    return make_settings(
        store="supabase",
        supabase_url=storage.url,
        supabase_key=KEY,
        storage_origins=frozenset({origin_of(storage.url), origin_of(other.url)}),
    )


@pytest.fixture
async def submit(settings: Settings, tmp_path: Path) -> AsyncIterator[Submit]:
    store = SqliteStore(tmp_path / "s.sqlite3")
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as downloads:
        intake = Intake(
            store, JobQueue(RedisIO.from_url(settings.redis_url), settings), downloads, settings
        )

        async def one(url: str) -> Accepted | Rejected:
            book = Book(id=uuid.uuid4(), user_id=uuid.uuid4())
            await store.create_book(book)
            return await intake.submit(ProcessingRequest(book.id, url, book.user_id))

        try:
            yield one
        finally:
            await store.aclose()


def keys_seen(peer: StoragePeer) -> list[tuple[str, str | None, str | None]]:
    return [
        (r.path, r.headers.get("authorization"), r.headers.get("apikey")) for r in peer.requests
    ]


async def test_the_key_goes_only_to_the_supabase_origin(
    submit: Submit, storage: StoragePeer, other: StoragePeer
) -> None:
    storage.put("books/private.txt", TEXT)
    public = storage.put("books/public.txt", TEXT)
    other.put("books/elsewhere.txt", TEXT)
    other_public = other.public_url("books/elsewhere.txt")
    storage.put("books/moved.txt", b"", redirect_to=other_public)

    # A private object of the project: read with the key.
    assert isinstance(await submit(storage.authenticated_url("books/private.txt")), Accepted)
    # Public objects, here and there: no credentials.
    assert isinstance(await submit(public), Accepted)
    assert isinstance(await submit(other_public), Accepted)
    # The other origin's private object: it is asked without the key, and
    # answers as Supabase does without one (400), so the book is refused.
    refused = await submit(other.authenticated_url("books/elsewhere.txt"))
    assert isinstance(refused, Rejected) and refused.kind == "invalid"
    # A private object that redirects to the other origin: the key stays behind.
    assert isinstance(await submit(storage.authenticated_url("books/moved.txt")), Accepted)

    bearer = f"Bearer {KEY}"
    assert keys_seen(storage) == [
        ("/storage/v1/object/books/private.txt", bearer, KEY),
        ("/storage/v1/object/public/books/public.txt", None, None),
        ("/storage/v1/object/books/moved.txt", bearer, KEY),
    ]
    assert keys_seen(other) == [
        ("/storage/v1/object/public/books/elsewhere.txt", None, None),
        ("/storage/v1/object/books/elsewhere.txt", None, None),
        ("/storage/v1/object/public/books/elsewhere.txt", None, None),
    ]
    assert not any(KEY in str(r.headers) for r in other.requests)


async def test_only_storage_object_paths_of_the_project_get_the_key(settings: Settings) -> None:
    base = settings.supabase_url
    assert storage_credentials(settings, f"{base}/storage/v1/object/books/a.txt") == {
        "Authorization": f"Bearer {KEY}",
        "apikey": KEY,
    }
    assert storage_credentials(settings, f"{base}/storage/v1/object/authenticated/books/a.txt")
    for url in (
        f"{base}/storage/v1/object/public/books/a.txt",  # public: nothing to prove
        f"{base}/rest/v1/books",  # the database, not storage
        f"{base}/storage/v1/object/../../rest/v1/books",
        f"{base}/storage/v1/object/%2E%2E/%2e%2e/rest/v1/books",
        base.replace("127.0.0.1", "localhost") + "/storage/v1/object/books/a.txt",
    ):
        assert storage_credentials(settings, url) is None, url
    sqlite = Settings(
        supabase_url=base, supabase_key=KEY
    )  # the key is set, the store is not Supabase
    assert storage_credentials(sqlite, f"{base}/storage/v1/object/books/a.txt") is None
