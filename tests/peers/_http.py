"""A minimal HTTP/1.1 server on trio and h11, shared by the loopback test peers.

Usage::

    async def handler(exchange: Exchange) -> None:
        if exchange.request.path == "/slow":
            await exchange.start(200, [("content-type", "text/plain")])  # chunked
            await exchange.send(b"part one, ")
            await exchange.abort()  # drop the TCP connection mid-body
        await exchange.respond(200, [("content-type", "text/plain")], b"ok")

    async with serve_http(handler) as server:
        server.url  # "http://127.0.0.1:PORT"

Raw h11 instead of a framework because the peers misbehave on purpose: they
drop connections mid-body, hang, and must notice the moment a client leaves.
While a handler runs, a watcher task reads the socket; end of file or a reset
means the client left before the response was complete, so it records the time
on ``Exchange.client_closed_at``, sets ``Exchange.client_closed`` and cancels
the handler. A client that leaves after the last byte was handed to the kernel
is not counted as leaving early.

Keep-alive is supported (clients do not pipeline, so one request is served at
a time per connection). Chunked bodies are framed here rather than by h11 so
that each ``send`` is one ``send_all`` of a single buffer: the OpenAI peer
relays hundreds of concurrent token streams in benchmarks.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from typing import NoReturn
from urllib.parse import unquote

import h11
import trio

__all__ = ["Exchange", "Handler", "Header", "Request", "Server", "serve_http"]

_RECEIVE_SIZE = 65536
_connection_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Request:
    """One request as received: names of headers are lower case."""

    method: str
    target: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    connection: int
    """Sequence number of the TCP connection (equal for keep-alive reuse)."""
    received_at: float
    """``trio.current_time()`` once the whole request was read."""

    @classmethod
    def _from_h11(cls, event: h11.Request, body: bytes, connection: int) -> Request:
        target = event.target.decode("ascii", "replace")
        raw_path, _, query = target.partition("?")
        headers: dict[str, str] = {}
        for name, value in event.headers:
            key = name.decode("latin-1")
            text = value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        return cls(
            method=event.method.decode("ascii"),
            target=target,
            path=unquote(raw_path),
            query=query,
            headers=headers,
            body=body,
            connection=connection,
            received_at=trio.current_time(),
        )


Header = tuple[str, str]
Handler = Callable[["Exchange"], Awaitable[None]]


class Exchange:
    """One request and the means to answer it, possibly badly.

    A handler calls either ``respond`` once, or ``start``, any number of
    ``send`` and then ``end``; or ``abort`` at any point to close the TCP
    connection without finishing the response.
    """

    def __init__(self, request: Request, stream: trio.SocketStream, conn: h11.Connection) -> None:
        self.request = request
        self.client_closed = trio.Event()
        self.client_closed_at: float | None = None
        self.aborted = False
        self.finished = False
        self._stream = stream
        self._conn = conn
        self._fd = stream.socket.fileno()
        self._chunked = False
        self._head = request.method == "HEAD"
        self._scope: trio.CancelScope | None = None
        self._eof = False

    async def respond(self, status: int, headers: Iterable[Header] = (), body: bytes = b"") -> None:
        """Send a complete response with a ``content-length`` in one write."""
        response = self._response(status, [*headers, ("content-length", str(len(body)))])
        parts = [self._conn.send(response) or b""]
        if body and not self._head:
            parts.append(self._conn.send(h11.Data(data=body)) or b"")
        parts.append(self._conn.send(h11.EndOfMessage()) or b"")
        self.finished = True
        await self._send_all(b"".join(parts))

    async def start(
        self, status: int, headers: Iterable[Header] = (), *, content_length: int | None = None
    ) -> None:
        """Send the status line and headers; chunked when ``content_length`` is None."""
        extra: list[Header] = []
        if content_length is not None:
            extra.append(("content-length", str(content_length)))
        elif not self._head and self._conn.their_http_version == b"1.1":
            extra.append(("transfer-encoding", "chunked"))
            self._chunked = True
        data = self._conn.send(self._response(status, [*headers, *extra])) or b""
        await self._send_all(data)

    async def send(self, data: bytes) -> None:
        """Send one piece of the body (one chunk when chunked), in one write."""
        if self._head or not data:
            return
        await self._send_all(self._frame(data))

    def send_nowait(self, data: bytes) -> bytes:
        """Write one piece of the body without waiting; return the unsent rest.

        The rest (the whole frame when the socket is full) must go out with
        ``send_frame`` before anything else. Raises ``trio.BrokenResourceError``
        (and counts the client as gone) when the connection is broken.
        """
        if self._head or not data:
            return b""
        frame = self._frame(data)
        try:
            sent = os.write(self._fd, frame)
        except BlockingIOError:
            return frame
        except OSError as exc:
            self._client_left(failed_write=True)
            raise trio.BrokenResourceError from exc
        return frame[sent:]

    async def send_frame(self, frame: bytes) -> None:
        """Send bytes already framed (what ``send_nowait`` left over)."""
        await self._send_all(frame)

    async def end(self, data: bytes = b"") -> None:
        """Send ``data`` (if any) and the end of the body, in one write."""
        last = self._frame(data) if data and not self._head else b""
        last += self._conn.send(h11.EndOfMessage()) or b""
        self.finished = True
        await self._send_all(last)

    async def abort(self) -> NoReturn:
        """Close the TCP connection now, whatever was sent so far.

        The handler is cancelled; the connection is closed (FIN) as soon as the
        cancellation unwinds, so code after ``abort()`` never runs.
        """
        self.aborted = True
        assert self._scope is not None
        self._scope.cancel()
        await trio.lowlevel.checkpoint()
        raise AssertionError("abort() returned after its own cancellation")

    async def wait_client_closed(self) -> float:
        """Wait until the client leaves early; return the time it was seen."""
        await self.client_closed.wait()
        assert self.client_closed_at is not None
        return self.client_closed_at

    def _frame(self, data: bytes) -> bytes:
        if self._chunked:
            return b"%x\r\n%b\r\n" % (len(data), data)
        return self._conn.send(h11.Data(data=data)) or b""

    def _response(self, status: int, headers: list[Header]) -> h11.Response:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        return h11.Response(status_code=status, headers=headers, reason=reason)

    async def _send_all(self, data: bytes) -> None:
        try:
            await self._stream.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self._client_left(failed_write=True)
            raise

    def _client_left(self, *, failed_write: bool = False) -> None:
        # A client closing after the last byte was handed over did not leave early.
        if (self.finished and not failed_write) or self.aborted or self.client_closed.is_set():
            return
        self.client_closed_at = trio.current_time()
        self.client_closed.set()
        if self._scope is not None:
            self._scope.cancel()

    async def _watch(self) -> None:
        """Read the socket while the handler runs, to see the client leave."""
        try:
            while data := await self._stream.receive_some(_RECEIVE_SIZE):
                self._conn.receive_data(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        self._eof = True
        self._client_left()


@dataclass(frozen=True, slots=True)
class Server:
    """Where a running server listens."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@asynccontextmanager
async def serve_http(
    handler: Handler,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    background: Sequence[Callable[[], Awaitable[None]]] = (),
) -> AsyncIterator[Server]:
    """Serve ``handler`` on ``host:port`` (0: any free port) until the block exits.

    ``background`` tasks run beside the server for as long. An exception
    raised by the block comes out as itself, not wrapped in an exception
    group by the nursery that holds the server.
    """
    failure: BaseException | None = None
    async with trio.open_nursery() as nursery:
        serve = partial(trio.serve_tcp, partial(_serve_connection, handler), port, host=host)
        listeners: list[trio.SocketListener] = await nursery.start(serve)
        for task in background:
            nursery.start_soon(task)
        try:
            yield Server(host, listeners[0].socket.getsockname()[1])
        except BaseException as exc:
            failure = exc
        finally:
            nursery.cancel_scope.cancel()
    if failure is not None:
        raise failure


async def _serve_connection(handler: Handler, stream: trio.SocketStream) -> None:
    conn = h11.Connection(h11.SERVER)
    connection = next(_connection_ids)
    try:
        while True:
            try:
                request = await _read_request(stream, conn, connection)
            except h11.RemoteProtocolError as exc:
                await _reject(stream, conn, exc.error_status_hint)
                return
            if request is None:
                return
            exchange = Exchange(request, stream, conn)
            async with trio.open_nursery() as nursery:
                exchange._scope = nursery.cancel_scope
                nursery.start_soon(exchange._watch)
                try:
                    await handler(exchange)
                    if conn.our_state is h11.SEND_RESPONSE:
                        await exchange.respond(
                            500, [("content-type", "text/plain")], b"no response"
                        )
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    exchange._client_left(failed_write=True)
                nursery.cancel_scope.cancel()
            if exchange.aborted or exchange._eof or not exchange.finished:
                return
            if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()
    finally:
        await stream.aclose()


async def _read_request(
    stream: trio.SocketStream, conn: h11.Connection, connection: int
) -> Request | None:
    start: h11.Request | None = None
    body: list[bytes] = []
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            try:
                data = await stream.receive_some(_RECEIVE_SIZE)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                return None
            conn.receive_data(data)
        elif isinstance(event, h11.Request):
            start = event
        elif isinstance(event, h11.Data):
            body.append(event.data)
        elif isinstance(event, h11.EndOfMessage):
            assert start is not None
            return Request._from_h11(start, b"".join(body), connection)
        else:  # ConnectionClosed, or PAUSED after a protocol mix-up
            return None


async def _reject(stream: trio.SocketStream, conn: h11.Connection, status: int) -> None:
    if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
        return
    body = HTTPStatus(status).phrase.encode()
    headers = [("content-type", "text/plain"), ("content-length", str(len(body)))]
    try:
        data = conn.send(h11.Response(status_code=status, headers=headers)) or b""
        data += (conn.send(h11.Data(data=body)) or b"") + (conn.send(h11.EndOfMessage()) or b"")
        await stream.send_all(data)
    except (h11.LocalProtocolError, trio.BrokenResourceError, trio.ClosedResourceError):
        pass
