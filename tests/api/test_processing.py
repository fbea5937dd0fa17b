"""POST /character/processing over real HTTP: every status the spec names."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest
import redis

from falsafa.config import Settings
from tests.conftest import SHARED, StartService
from tests.peers.storage import StoragePeer
from tests.support import BOOKS, create_book, processing_body, wait_for_status

CAROL = (BOOKS / "a_christmas_carol.txt").read_bytes()


@pytest.fixture
async def api(
    make_settings: Callable[..., Settings], start_service: StartService, storage: StoragePeer
):  # type: ignore[no-untyped-def]
    # API role only: jobs stay on the queue where the test can see them.
    service = await start_service(make_settings(storage=storage, roles=frozenset({"api"})))
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
        yield service, client


async def test_accepts_a_book_and_queues_one_job(api, storage, redis_client) -> None:  # type: ignore[no-untyped-def]
    service, client = api
    book = await create_book(service.services.store)
    url = storage.put("books/carol.txt", CAROL)
    response = await client.post("/character/processing", json=processing_body(book, url))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "accepted"
    job_id = body["job_id"]
    uuid.UUID(job_id)
    queued = [json.loads(raw) for raw in redis_client.lrange("processing_queue", 0, -1)]
    assert [(j["job_id"], j["book_id"], j["user_id"], j["file_url"]) for j in queued] == [
        (job_id, str(book.id), str(book.user_id), url)
    ]
    stored = await service.services.store.get_book(book.id)
    assert stored is not None and stored.processing_status == "pending"
    # The text is kept with the job, so the URL may expire.
    text = redis_client.get(f"falsafa:job:{job_id}:text")
    assert text == CAROL and redis_client.ttl(f"falsafa:job:{job_id}:text") > 0

    again = await client.post("/character/processing", json=processing_body(book, url))
    assert again.status_code == 202 and again.json()["job_id"] == job_id
    assert redis_client.llen("processing_queue") == 1


async def test_markdown_and_bom_and_crlf_are_accepted(api, storage) -> None:  # type: ignore[no-untyped-def]
    service, client = api
    for name, data in [
        ("books/a.md", b"# Title\n\n" + CAROL[:5000]),
        ("books/bom.txt", b"\xef\xbb\xbf" + CAROL[:5000]),
        ("books/crlf.txt", CAROL[:5000].replace(b"\n", b"\r\n")),
    ]:
        book = await create_book(service.services.store)
        response = await client.post(
            "/character/processing", json=processing_body(book, storage.put(name, data))
        )
        assert response.status_code == 202, (name, response.text)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("books/x.pdf", b"%PDF-1.4", "file must be .txt or .md (got .pdf)"),
        ("books/noext", b"text", "file must be .txt or .md (got none)"),
        ("books/empty.txt", b"", "the file is empty"),
        ("books/blank.txt", b"  \n\t\n  ", "the file contains only whitespace"),
        (
            "books/binary_gzip.txt",
            (SHARED / "data" / "bad" / "binary_gzip.txt").read_bytes(),
            "the file is binary (compressed or NUL bytes), not plain text",
        ),
        (
            "books/nul.txt",
            b"hello\x00world" * 10,
            "the file is binary (compressed or NUL bytes), not plain text",
        ),
    ],
)
async def test_unreadable_files_are_422(api, storage, name, data, message) -> None:  # type: ignore[no-untyped-def]
    service, client = api
    book = await create_book(service.services.store)
    response = await client.post(
        "/character/processing", json=processing_body(book, storage.put(name, data))
    )
    assert response.status_code == 422
    assert response.json() == {"error": message, "code": 422}
    stored = await service.services.store.get_book(book.id)
    assert stored is not None and stored.processing_status == "pending"  # untouched default


async def test_latin1_is_decoded_without_mojibake(api, storage, redis_client) -> None:  # type: ignore[no-untyped-def]
    service, client = api
    book = await create_book(service.services.store)
    data = (SHARED / "data" / "bad" / "latin1_encoded.txt").read_bytes()
    response = await client.post(
        "/character/processing", json=processing_body(book, storage.put("books/l1.txt", data))
    )
    assert response.status_code == 202
    text = redis_client.get(f"falsafa:job:{response.json()['job_id']}:text").decode()
    assert "Pávlovna" in text and "Ã" not in text and "\ufffd" not in text


async def test_over_the_size_limit_is_422(
    make_settings: Callable[..., Settings], start_service: StartService, storage: StoragePeer
) -> None:
    service = await start_service(
        make_settings(storage=storage, roles=frozenset({"api"}), max_book_bytes=10_000)
    )
    book = await create_book(service.services.store)
    declared = storage.put("books/big.txt", CAROL[:20_000])
    chunked = storage.put("books/big2.txt", CAROL[:20_000], content_length=False)
    async with httpx.AsyncClient(base_url=service.url) as client:
        for url in (declared, chunked):
            response = await client.post("/character/processing", json=processing_body(book, url))
            assert response.status_code == 422
            assert response.json()["error"] == "the file is over the 10000-byte limit"


async def test_missing_book_and_other_users_book_are_422(api, storage) -> None:  # type: ignore[no-untyped-def]
    service, client = api
    url = storage.put("books/carol.txt", CAROL)
    book = await create_book(service.services.store)
    for body in (
        processing_body(book, url, book_id=str(uuid.uuid4())),
        processing_body(book, url, user_id=str(uuid.uuid4())),
    ):
        response = await client.post("/character/processing", json=body)
        assert response.status_code == 422
        assert response.json() == {"error": "book not found", "code": 422}
    assert not storage.requests, "nothing is downloaded for a book that is not there"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/storage/v1/object/public/books/a.txt",
        "http://169.254.169.254/latest/meta-data.txt",
        "http://localhost:6379/x.txt",
        "file:///etc/passwd.txt",
        "ftp://example.com/a.txt",
    ],
)
async def test_urls_outside_storage_are_422_and_never_fetched(api, storage, url) -> None:  # type: ignore[no-untyped-def]
    service, client = api
    book = await create_book(service.services.store)
    response = await client.post("/character/processing", json=processing_body(book, url))
    assert response.status_code == 422
    assert "file_url" in response.json()["error"]


async def test_userinfo_trick_and_redirect_off_origin_are_422(api, storage) -> None:  # type: ignore[no-untyped-def]
    service, client = api
    book = await create_book(service.services.store)
    host = storage.url.split("://", 1)[1]
    trick = f"http://{host}@evil.example.com/books/a.txt"
    response = await client.post("/character/processing", json=processing_body(book, trick))
    assert response.status_code == 422
    redirect = storage.put(
        "books/r.txt", b"", status=302, redirect_to="http://169.254.169.254/secret.txt"
    )
    response = await client.post("/character/processing", json=processing_body(book, redirect))
    assert response.status_code == 422
    assert (
        response.json()["error"] == "file_url points to an address that is not the storage service"
    )


async def test_redirect_within_storage_is_followed(api, storage) -> None:  # type: ignore[no-untyped-def]
    service, client = api
    book = await create_book(service.services.store)
    target = storage.put("books/real.txt", CAROL)
    hop = storage.put("books/hop.txt", b"", status=302, redirect_to=target)
    response = await client.post("/character/processing", json=processing_body(book, hop))
    assert response.status_code == 202


async def test_storage_failures_are_500_and_missing_object_422(api, storage) -> None:  # type: ignore[no-untyped-def]
    service, client = api
    book = await create_book(service.services.store)
    url = storage.put("books/carol.txt", CAROL)
    storage.fail_next(1, status=503)
    response = await client.post("/character/processing", json=processing_body(book, url))
    assert response.status_code == 500
    assert response.json() == {
        "error": "could not download the file: storage answered HTTP 503",
        "code": 500,
    }
    gone = url.replace("carol.txt", "nothing.txt")
    response = await client.post("/character/processing", json=processing_body(book, gone))
    assert response.status_code == 422
    assert "not found in storage" in response.json()["error"]


async def test_slow_storage_hits_the_download_deadline(
    make_settings: Callable[..., Settings], start_service: StartService, storage: StoragePeer
) -> None:
    service = await start_service(
        make_settings(storage=storage, roles=frozenset({"api"}), download_timeout=0.5)
    )
    book = await create_book(service.services.store)
    url = storage.put("books/slow.txt", CAROL, chunk_size=1000, chunk_delay=0.05)
    async with httpx.AsyncClient(base_url=service.url) as client:
        response = await client.post("/character/processing", json=processing_body(book, url))
    assert response.status_code == 500
    assert "within 0.5 s" in response.json()["error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "malformed JSON"),
        (b"[]", "body must be a JSON object"),
        (b'{"book_id": 5}', "book_id must be a string UUID"),
        (b'{"book_id": "nope"}', "book_id is not a UUID"),
        (b"\xff\xfe", "body must be UTF-8 encoded JSON"),
        (b"{}", "missing field: book_id"),
    ],
)
async def test_malformed_bodies_are_400(api, body, message) -> None:  # type: ignore[no-untyped-def]
    _service, client = api
    response = await client.post(
        "/character/processing", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert response.json()["error"].startswith(message)


async def test_huge_body_is_400(api) -> None:  # type: ignore[no-untyped-def]
    _service, client = api
    response = await client.post(
        "/character/processing", content=b'{"x": "' + b"a" * 200_000 + b'"}'
    )
    assert response.status_code == 400
    assert response.json() == {"error": "request body over 65536 bytes", "code": 400}


async def test_redis_down_is_500_and_status_restored(
    make_settings: Callable[..., Settings], start_service: StartService, storage: StoragePeer
) -> None:
    service = await start_service(
        make_settings(storage=storage, roles=frozenset({"api"}), redis_url="redis://127.0.0.1:1/0")
    )
    book = await create_book(service.services.store)
    url = storage.put("books/carol.txt", CAROL)
    async with httpx.AsyncClient(base_url=service.url) as client:
        response = await client.post("/character/processing", json=processing_body(book, url))
    assert response.status_code == 500
    assert response.json() == {"error": "queue unavailable, try again later", "code": 500}


async def test_book_is_processed_end_to_end(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    redis_client: redis.Redis,
) -> None:
    service = await start_service(make_settings(storage=storage))
    book = await create_book(service.services.store, title="A Christmas Carol")
    url = storage.put("books/carol.txt", CAROL)
    async with httpx.AsyncClient(base_url=service.url) as client:
        response = await client.post("/character/processing", json=processing_body(book, url))
    assert response.status_code == 202
    done = await wait_for_status(service.services.store, book.id, {"completed", "failed"})
    assert done.processing_status == "completed", done.processing_error
    characters = await service.services.store.list_characters(book.id)
    assert "Scrooge" in [c.name for c in characters[:3]]
    assert await service.services.store.count_passages(book.id) > 50
    assert redis_client.llen("processing_queue") == 0
    assert redis_client.llen("processing_queue:processing") == 0
    assert not redis_client.keys("falsafa:job:*"), "job keys are cleaned up"
