"""The lean LLM client against real servers on loopback: the OpenAI peer, a
server that drops idle connections, and a TLS server (trustme's CA)."""

from __future__ import annotations

import functools
import json
import ssl

import pytest
import trio
import trustme

from falsafa.llm.upstream import UpstreamError, UpstreamPool, proxy_applies
from tests.peers.openai import OpenAIPeer

BODY = json.dumps(
    {"model": "m", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}
).encode()
AUTH = {"Authorization": "Bearer test", "Content-Type": "application/json"}


async def _read(pool: UpstreamPool, *, idle_timeout: float = 5) -> tuple[int, bytes]:
    response = await pool.post("chat/completions", BODY, answer_timeout=5)
    try:
        chunks = [chunk async for chunk in response.body(idle_timeout=idle_timeout)]
    finally:
        await response.aclose()
    return response.status, b"".join(chunks)


async def test_streams_the_body_and_reuses_the_connection(llm: OpenAIPeer) -> None:
    pool = UpstreamPool(llm.base_url, AUTH)
    llm.script(tokens=["Hel", "lo"])
    status, body = await _read(pool)
    assert status == 200
    assert b'"content":"Hel"' in body and body.rstrip().endswith(b"data: [DONE]")
    llm.script(tokens=["again"])
    assert (await _read(pool))[0] == 200
    first, second = llm.requests[-2:]
    assert first.connection == second.connection, "kept alive"
    assert first.path == "/v1/chat/completions" and first.headers["authorization"] == "Bearer test"
    assert first.json == json.loads(BODY)
    await pool.aclose()


async def test_a_response_left_early_closes_its_connection(llm: OpenAIPeer) -> None:
    pool = UpstreamPool(llm.base_url, AUTH)
    llm.script(tokens=["a", "b", "c"], token_delay=0.05)
    response = await pool.post("chat/completions", BODY, answer_timeout=5)
    async for _chunk in response.body(idle_timeout=5):
        break
    await response.aclose()
    record = await llm.wait_client_closed(timeout=2)
    assert record.client_closed
    llm.script(tokens=["d"])
    assert (await _read(pool))[0] == 200
    assert llm.requests[-1].connection != llm.requests[-2].connection
    await pool.aclose()


async def test_error_status_is_reported(llm: OpenAIPeer) -> None:
    pool = UpstreamPool(llm.base_url, AUTH)
    llm.script(status=503)
    status, body = await _read(pool)
    assert status == 503 and json.loads(body)["error"]["message"]
    await pool.aclose()


async def test_silences_and_drops_are_errors(llm: OpenAIPeer) -> None:
    pool = UpstreamPool(llm.base_url, AUTH)
    llm.script(headers_delay=10)
    with pytest.raises(trio.TooSlowError):
        await pool.post("chat/completions", BODY, answer_timeout=0.2)
    llm.script(tokens=["a", "b"], stall_after=1)
    with pytest.raises(trio.TooSlowError):
        await _read(pool, idle_timeout=0.2)
    llm.script(tokens=["a", "b", "c"], drop_after=1)
    with pytest.raises(UpstreamError, match="connection closed mid-reply"):
        await _read(pool)
    await pool.aclose()


async def test_connection_refused_is_an_upstream_error() -> None:
    listener = trio.socket.socket()
    await listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there any more
    pool = UpstreamPool(f"http://127.0.0.1:{port}/v1", AUTH)
    with pytest.raises(UpstreamError, match="cannot connect"):
        await pool.post("chat/completions", BODY, answer_timeout=5)


async def _one_answer_then_close(stream: trio.SocketStream) -> None:
    # Answers one request as keep-alive, then closes the idle connection (as
    # servers do when their keep-alive timeout passes).
    data = b""
    while b"\r\n\r\n" not in data:
        data += await stream.receive_some(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(
        next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        .split(b":")[1]
        .strip()
    )
    while len(rest) < length:
        rest += await stream.receive_some(65536)
    await stream.send_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    await stream.aclose()


async def test_a_pooled_connection_closed_while_idle_is_replaced(
    nursery: trio.Nursery,
) -> None:
    serve = functools.partial(trio.serve_tcp, host="127.0.0.1")
    listeners = await nursery.start(serve, _one_answer_then_close, 0)
    port = listeners[0].socket.getsockname()[1]
    pool = UpstreamPool(f"http://127.0.0.1:{port}/v1", AUTH)
    assert await _read(pool) == (200, b"ok")
    await trio.sleep(0.05)  # the server has closed the pooled connection by now
    assert await _read(pool) == (200, b"ok")
    await pool.aclose()


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


async def test_https_with_the_trusted_ca(nursery: trio.Nursery, ca: trustme.CA) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_context)

    async def answer(stream: trio.SSLStream[trio.SocketStream]) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += await stream.receive_some(65536)
        await stream.send_all(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ndata:\r\n0\r\n\r\n"
        )
        await stream.aclose()

    serve = functools.partial(trio.serve_ssl_over_tcp, host="127.0.0.1")
    listeners = await nursery.start(serve, answer, 0, server_context)
    port = listeners[0].transport_listener.socket.getsockname()[1]
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    pool = UpstreamPool(f"https://localhost:{port}/v1", AUTH, ssl_context=client_context)
    assert await _read(pool) == (200, b"data:")
    await pool.aclose()
    # Without the CA the certificate is refused.
    untrusting = UpstreamPool(f"https://localhost:{port}/v1", AUTH)
    with pytest.raises(UpstreamError, match="cannot connect"):
        await untrusting.post("chat/completions", BODY, answer_timeout=5)


async def test_expired_idle_connections_are_closed(llm: OpenAIPeer) -> None:
    pool = UpstreamPool(llm.base_url, AUTH, idle_expiry=0.05)
    llm.script(tokens=["a"])
    await _read(pool)
    await trio.sleep(0.1)
    llm.script(tokens=["b"])
    await _read(pool)
    first, second = llm.requests[-2:]
    assert first.connection != second.connection, "the expired one was not reused"
    await pool.aclose()


async def _answer_then_wait_for_eof(closed: trio.Event, stream: trio.SocketStream) -> None:
    # Answers one request as keep-alive, then notes when the client closes.
    data = b""
    while b"\r\n\r\n" not in data:
        data += await stream.receive_some(65536)
    await stream.send_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    while await stream.receive_some(65536):
        pass
    closed.set()


async def test_idle_connections_close_when_they_expire_without_another_request(
    nursery: trio.Nursery,
) -> None:
    # After a burst, a quiet service kept up to 100 idle sockets, with their
    # parsers and buffers: only the next request expired them.
    closed = trio.Event()
    serve = functools.partial(trio.serve_tcp, host="127.0.0.1")
    handler = functools.partial(_answer_then_wait_for_eof, closed)
    listeners = await nursery.start(serve, handler, 0)
    port = listeners[0].socket.getsockname()[1]
    pool = UpstreamPool(f"http://127.0.0.1:{port}/v1", AUTH, idle_expiry=0.1)
    assert await _read(pool) == (200, b"ok")
    assert not closed.is_set()  # kept for reuse at first
    with trio.fail_after(5):
        await closed.wait()
    await pool.aclose()


def test_proxy_applies_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert not proxy_applies("https://api.openai.com/v1")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert proxy_applies("https://api.openai.com/v1")
    monkeypatch.setenv("NO_PROXY", "api.openai.com")
    assert not proxy_applies("https://api.openai.com/v1")


def test_only_http_urls() -> None:
    with pytest.raises(ValueError, match="not an http"):
        UpstreamPool("ftp://example.com/v1", AUTH)
