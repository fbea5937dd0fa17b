"""The storage peer: Supabase Storage's download routes and each fault mode."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import trio

from tests.peers._lines import read_line
from tests.peers.storage import StoragePeer, open_storage_peer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def storage() -> AsyncIterator[StoragePeer]:
    async with open_storage_peer() as peer:
        yield peer


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield http


async def test_put_returns_public_url_and_serves_body(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/moby dick.txt", "Call me Ishmael. — ☃".encode())

    assert url == f"{storage.url}/storage/v1/object/public/books/moby%20dick.txt"
    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == str(len("Call me Ishmael. — ☃".encode()))
    assert response.text == "Call me Ishmael. — ☃"
    assert [(r.method, r.path) for r in storage.requests] == [
        ("GET", "/storage/v1/object/public/books/moby dick.txt")
    ]
    assert storage.requests[0].headers["host"] == storage.url.removeprefix("http://")


async def test_content_type_is_configurable(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/a.epub", b"PK\x03\x04", content_type="application/epub+zip")

    response = await client.get(url)

    assert response.headers["content-type"] == "application/epub+zip"
    assert response.content == b"PK\x03\x04"


async def test_head_sends_headers_without_body(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/a.txt", b"x" * 1000)

    response = await client.head(url)

    assert response.status_code == 200
    assert response.headers["content-length"] == "1000"
    assert response.content == b""
    assert (await client.get(url)).content == b"x" * 1000  # same connection still usable


async def test_unknown_object_is_404_with_supabase_error_body(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    response = await client.get(storage.public_url("books/missing.txt"))

    assert response.status_code == 404
    assert response.json() == {
        "statusCode": "404",
        "error": "not_found",
        "message": "Object not found",
    }


async def test_unknown_route_is_404(storage: StoragePeer, client: httpx.AsyncClient) -> None:
    response = await client.get(f"{storage.url}/elsewhere")

    assert response.status_code == 404
    assert response.json()["message"] == "Route GET:/elsewhere not found"


async def test_authenticated_route_requires_a_bearer_token(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    storage.put("books/private.txt", b"secret")
    url = storage.authenticated_url("books/private.txt")

    missing = await client.get(url)
    granted = await client.get(url, headers={"authorization": "Bearer any-jwt"})
    via_alias = await client.get(
        url.replace("/object/", "/object/authenticated/"),
        headers={"authorization": "Bearer any-jwt"},
    )

    assert missing.status_code == 400
    assert missing.json() == {
        "statusCode": "400",
        "error": "Error",
        "message": "headers must have required property 'authorization'",
    }
    assert granted.status_code == 200
    assert granted.content == b"secret"
    assert via_alias.content == b"secret"


async def test_service_key_is_checked_when_configured(client: httpx.AsyncClient) -> None:
    async with open_storage_peer(service_key="service-role") as storage:
        storage.put("books/private.txt", b"secret")
        url = storage.authenticated_url("books/private.txt")

        wrong = await client.get(url, headers={"authorization": "Bearer anon"})
        right = await client.get(url, headers={"authorization": "Bearer service-role"})

    assert wrong.status_code == 400
    assert wrong.json()["statusCode"] == "403"
    assert right.content == b"secret"


async def test_delay_holds_back_the_headers(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/slow.txt", b"late", delay=0.2)

    start = trio.current_time()
    async with client.stream("GET", url) as response:
        headers_at = trio.current_time()
        body = await response.aread()

    assert 0.2 <= headers_at - start < 0.4
    assert body == b"late"


async def test_delay_longer_than_client_timeout_times_out(storage: StoragePeer) -> None:
    url = storage.put("books/slow.txt", b"late", delay=1.0)

    async with httpx.AsyncClient(timeout=0.1) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            await impatient.get(url)


async def test_chunk_size_and_chunk_delay_pace_the_body(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/paced.txt", b"abcdefghij", chunk_size=4, chunk_delay=0.05)

    arrivals: list[tuple[float, bytes]] = []
    start = trio.current_time()
    async with client.stream("GET", url) as response:
        async for piece in response.aiter_raw():
            arrivals.append((trio.current_time() - start, piece))

    assert [piece for _, piece in arrivals] == [b"abcd", b"efgh", b"ij"]
    assert arrivals[1][0] >= 0.05
    assert arrivals[2][0] >= 0.1


async def test_object_with_error_status_is_served_with_it(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/broken.txt", b"upstream exploded", status=500)

    response = await client.get(url)

    assert response.status_code == 500
    assert response.content == b"upstream exploded"


async def test_fail_next_answers_503_then_recovers(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/a.txt", b"fine")
    storage.fail_next(2)

    responses = [await client.get(url) for _ in range(4)]

    assert [r.status_code for r in responses] == [503, 503, 200, 200]
    assert responses[0].json()["statusCode"] == "503"
    assert responses[3].content == b"fine"


async def test_fail_next_body_and_retry_after(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/a.txt", b"fine")
    storage.fail_next(1, status=429, retry_after=3)

    response = await client.get(url)

    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json() == {
        "statusCode": "429",
        "error": "Too Many Requests",
        "message": "Injected failure",
    }


async def test_redirect_answers_302_with_location(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    target = storage.put("books/real.txt", b"the real book")
    url = storage.put("books/alias.txt", b"", redirect_to=target)
    relative = storage.put(
        "books/rel.txt", b"", redirect_to="/storage/v1/object/public/books/real.txt"
    )

    response = await client.get(url)
    followed = await client.get(relative, follow_redirects=True)

    assert response.status_code == 302
    assert response.headers["location"] == target
    assert followed.content == b"the real book"
    assert [r.path.rsplit("/", 1)[-1] for r in storage.requests] == [
        "alias.txt",
        "rel.txt",
        "real.txt",
    ]


async def test_drop_mid_body_with_content_length(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/cut.txt", b"x" * 10_000, chunk_size=1000, drop_after_bytes=2500)

    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError):
        async with client.stream("GET", url) as response:
            assert response.headers["content-length"] == "10000"
            async for piece in response.aiter_raw():
                received += piece

    assert len(received) == 2500


async def test_drop_mid_body_when_chunked(storage: StoragePeer, client: httpx.AsyncClient) -> None:
    url = storage.put("books/cut.txt", b"y" * 10_000, content_length=False, drop_after_bytes=100)

    with pytest.raises(httpx.RemoteProtocolError):
        await client.get(url)


async def test_chunked_transfer_without_content_length(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    body = bytes(range(256)) * 100
    url = storage.put("books/stream.bin", body, content_length=False, chunk_size=1000)

    response = await client.get(url)

    assert response.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.headers
    assert response.content == body


async def test_large_body_arrives_whole(storage: StoragePeer, client: httpx.AsyncClient) -> None:
    body = hashlib.sha256(b"seed").digest() * (8 * 1024 * 1024 // 32)  # 8 MiB
    url = storage.put("books/huge.txt", body)

    digest = hashlib.sha256()
    size = 0
    async with client.stream("GET", url) as response:
        assert response.headers["content-length"] == str(len(body))
        async for piece in response.aiter_raw():
            digest.update(piece)
            size += len(piece)

    assert size == len(body)
    assert digest.digest() == hashlib.sha256(body).digest()


async def test_keep_alive_reuses_one_connection(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/a.txt", b"again")

    for _ in range(3):
        assert (await client.get(url)).content == b"again"

    assert len({r.connection for r in storage.requests}) == 1


async def test_client_leaving_mid_body_leaves_the_peer_serving(
    storage: StoragePeer, client: httpx.AsyncClient
) -> None:
    url = storage.put("books/big.txt", b"z" * 1_000_000, chunk_size=1000, chunk_delay=0.001)

    async with client.stream("GET", url) as response:
        async for _ in response.aiter_raw():
            break

    assert (await client.get(storage.put("books/b.txt", b"ok"))).content == b"ok"


async def test_serve_directory_serves_files_and_nothing_outside(
    storage: StoragePeer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    root = tmp_path / "books"
    root.mkdir()
    (root / "war and peace.txt").write_text("Well, Prince", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    storage.serve_directory(root, "books")

    found = await client.get(storage.public_url("books/war and peace.txt"))
    escaped = await client.get(f"{storage.url}/storage/v1/object/public/books/%2e%2e/secret.txt")
    missing = await client.get(storage.public_url("books/absent.txt"))

    assert found.status_code == 200
    assert found.headers["content-type"] == "text/plain; charset=utf-8"
    assert found.text == "Well, Prince"
    assert escaped.status_code == 404
    assert missing.status_code == 404


async def test_command_line_serves_a_directory_until_sigterm(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_bytes(b"from disk")
    command = [sys.executable, "-m", "tests.peers.storage", "--dir", str(tmp_path)]
    process = await trio.lowlevel.open_process(command, cwd=REPO, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        with trio.fail_after(10):
            line = await read_line(process.stdout)
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.removeprefix("listening on ")

        response = await client.get(f"{url}/storage/v1/object/public/books/a.txt")
        assert response.content == b"from disk"

        process.send_signal(signal.SIGTERM)
        with trio.fail_after(5):
            assert await process.wait() == 0
    finally:
        process.kill()
        await process.wait()
