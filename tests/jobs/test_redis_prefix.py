"""Two services on one Redis server keep their queues apart by ``FALSAFA_REDIS_PREFIX``.

Two checkouts' ``scripts/dev.sh`` (each its own store) may meet on one Redis;
replicas of one deployment share one on purpose. A service takes only jobs
under its own prefix, so every book of each store completes in that store:
a job taken by the other service would find no such book there and fail
("the book no longer exists"). The same book id in both stores (``falsafa
add`` derives it from the file) does not make one intake answer for the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import redis
import trio

from falsafa.config import Settings
from falsafa.locks import lock_key
from falsafa.store import Book
from tests.conftest import StartService
from tests.peers.storage import StoragePeer
from tests.support import processing_body, wait_for_status

TEXT = (
    "CHAPTER I\n\n“Is it snowing?” asked Martha Penrose.\n\n“It is,” said Tom Vell.\n\n"
    + "The lane was white and quiet, and the lamps were lit early that evening. " * 30
).encode()


async def test_two_services_on_one_redis_never_take_each_others_jobs(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    services = [
        await start_service(
            make_settings(
                storage=storage,
                redis_prefix=f"local-{name}",
                sqlite_path=tmp_path / name / "falsafa.sqlite3",
                consumers=2,
            )
        )
        for name in ("first", "second")
    ]
    shared_id = uuid.uuid4()
    books: list[list[Book]] = []
    for service in services:
        own = [Book(id=shared_id, user_id=uuid.uuid4(), title="shared")]
        own += [Book(id=uuid.uuid4(), user_id=uuid.uuid4(), title=f"b{i}") for i in range(3)]
        for book in own:
            await service.services.store.create_book(book)
        books.append(own)

    async def post(url: str, book: Book) -> None:
        async with httpx.AsyncClient(base_url=url) as client:
            body = processing_body(book, storage.put(f"books/{uuid.uuid4()}.txt", TEXT))
            response = await client.post("/character/processing", json=body)
            assert response.status_code == 202, response.text

    async with trio.open_nursery() as nursery:
        for service, own in zip(services, books, strict=True):
            for book in own:
                assert service.url is not None
                nursery.start_soon(post, service.url, book)

    for service, own in zip(services, books, strict=True):
        for book in own:
            done = await wait_for_status(
                service.services.store, book.id, {"completed", "failed"}, 90
            )
            assert done.processing_status == "completed", done.processing_error

    first, second = (service.services for service in services)
    assert first.queue.name == "local-first:processing_queue"
    assert second.queue.book_key(str(shared_id)) == f"local-second:falsafa:book:{shared_id}:job"
    assert lock_key("s", "local-first") == "local-first:falsafa:lock:session:s"
    # Nothing of either was left under the spec's unprefixed names.
    assert redis_client.keys("processing_queue*") == [] and redis_client.keys("falsafa:*") == []
