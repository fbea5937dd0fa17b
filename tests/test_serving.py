"""Hypercorn around the app, over raw sockets: connections end when HTTP says so.

A client that sends ``Connection: close`` (or speaks HTTP/1.0) reads the
response to EOF; one that keeps the connection alive can send its next
request on it. Bytes on the wire, as a probe or scraper sends them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import trio
import trio.testing

from falsafa.config import Settings
from tests.conftest import StartService


async def read_to_eof(url: str, request: bytes, *, timeout: float = 2.0) -> bytes:
    """Send ``request`` on a new connection and read until the server closes it."""
    stream = await open_connection(url)
    async with stream:
        await stream.send_all(request)
        received = b""
        with trio.fail_after(timeout):
            while chunk := await stream.receive_some():
                received += chunk
    return received


async def open_connection(url: str) -> trio.SocketStream:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return await trio.open_tcp_stream(host, int(port))


async def get_health(stream: trio.SocketStream) -> bytes:
    """One kept-alive ``GET /health`` on ``stream``: the raw reply."""
    await stream.send_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
    reply = b""
    with trio.fail_after(2):
        while not reply.endswith(b"ok"):
            reply += await stream.receive_some()
    return reply


@pytest.mark.parametrize("path", ["/health", "/metrics", "/no-such-route"])
async def test_connection_close_ends_the_connection(
    make_settings: Callable[..., Settings], start_service: StartService, path: str
) -> None:
    service = await start_service(make_settings())
    request = f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode()
    with trio.fail_after(1.0):  # not the keep-alive timeout
        raw = await read_to_eof(str(service.url), request)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200" if path != "/no-such-route" else b"HTTP/1.1 404")
    assert b"connection: close" in head.lower()
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    assert len(body) == length > 0


async def test_http_1_0_request_ends_the_connection(
    make_settings: Callable[..., Settings], start_service: StartService
) -> None:
    service = await start_service(make_settings())
    with trio.fail_after(1.0):
        raw = await read_to_eof(str(service.url), b"GET /health HTTP/1.0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200") and raw.endswith(b"\r\n\r\nok")


async def test_kept_alive_connection_serves_the_next_request(
    make_settings: Callable[..., Settings], start_service: StartService
) -> None:
    service = await start_service(make_settings())
    stream = await open_connection(str(service.url))
    async with stream:
        replies = [await get_health(stream) for _ in range(2)]
        # Still open: nothing more arrives, and no EOF.
        with trio.move_on_after(0.2) as idle:
            await stream.receive_some()
    assert all(r.startswith(b"HTTP/1.1 200") for r in replies)
    assert b"connection: close" not in b"".join(replies).lower()
    assert idle.cancelled_caught


async def test_idle_connection_closes_as_soon_as_the_client_leaves(
    make_settings: Callable[..., Settings], start_service: StartService
) -> None:
    # Hypercorn 0.18 held it, with its tasks and buffers, for the whole
    # keep-alive timeout (75 s): 1,000 of them after a burst of streams.
    service = await start_service(make_settings())
    stream = await open_connection(str(service.url))
    async with stream:
        reply = await get_health(stream)
        # In-process: once every task waits, the server has armed the
        # connection's idle timer (a client leaving before that was let go).
        await trio.testing.wait_all_tasks_blocked()
        await stream.send_eof()  # the client is done with the connection
        with trio.fail_after(2.0):  # not the keep-alive timeout
            rest = await stream.receive_some()
    assert reply.startswith(b"HTTP/1.1 200")
    assert rest == b"", "closed by the server"
