"""A lean HTTP/1.1 client for the LLM's token stream: h11 over trio streams.

Usage::

    pool = UpstreamPool("https://api.openai.com/v1", {"Authorization": "Bearer ..."})
    response = await pool.post("chat/completions", body, answer_timeout=30)
    try:
        response.status                        # 200
        async for data in response.body(idle_timeout=30):
            ...                                # body bytes as they arrive
    finally:
        await response.aclose()                # no-op once the body was read to its end
    await pool.aclose()

Why not httpx: relaying a token costs one read of the LLM's stream, and
through httpx/httpcore that read cost ~110 µs of CPU on a 2-core VM against
~17 µs with h11 on the same trio stream (a minimal relay measured both; see
``bench/README.md``). That was a third of the service's CPU per token.

What it does: one POST per connection at a time, keep-alive reuse (idle
connections are closed ``idle_expiry`` seconds after their last use), TLS with the system's
trust store for ``https`` URLs, ``Content-Length``, chunked and
close-delimited bodies (h11 frames them). A pooled connection the server
closed while idle is replaced once, transparently, if it fails before any
byte of the answer arrived (the request cannot have been processed). No
redirects, no proxies, no HTTP/2: the responder uses httpx when a proxy
applies (``proxy_applies``).

Errors: ``UpstreamError`` (connect, TLS, protocol, connection lost),
``trio.TooSlowError`` for the connect and answer timeouts and for a body
silent for ``idle_timeout`` (when given). A response left before its end closes its
connection, shielded, so a cancelled chat never leaves one half-read.
"""

from __future__ import annotations

import functools
import ssl
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Mapping

import h11
import trio

__all__ = ["UpstreamError", "UpstreamPool", "UpstreamResponse", "proxy_applies"]

_READ_SIZE = 65536
_CLOSE_TIMEOUT = 1.0  # seconds; closing a TLS stream politely may hang


class UpstreamError(Exception):
    """The LLM's server could not be reached, or the connection broke."""


def proxy_applies(url: str) -> bool:
    """True when the environment routes ``url`` through a proxy (``HTTPS_PROXY``,
    ``ALL_PROXY``... minus ``NO_PROXY``), which this client does not speak."""
    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


class _Connection:
    __slots__ = ("h11", "idle_since", "stream")

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.h11 = h11.Connection(h11.CLIENT)
        self.idle_since = 0.0

    async def aclose(self) -> None:
        with trio.CancelScope(shield=True), trio.move_on_after(_CLOSE_TIMEOUT):
            await trio.aclose_forcefully(self.stream)


class UpstreamResponse:
    """One answer being read. ``body()`` yields its bytes; reading it to the
    end puts the connection back in the pool."""

    __slots__ = ("_conn", "_pool", "status")

    def __init__(self, pool: UpstreamPool, conn: _Connection, head: h11.Response) -> None:
        self.status = head.status_code
        self._pool = pool
        self._conn: _Connection | None = conn

    async def body(self, *, idle_timeout: float | None = None) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive. ``idle_timeout`` bounds each read
        (``trio.TooSlowError``); None leaves the bound to the caller, which
        the responder does: its deadlines move only on parsed content, where
        any byte (a comment line) would renew a per-read timeout."""
        conn = self._conn
        if conn is None:
            return
        parser = conn.h11
        eof = False
        while True:
            try:
                event = parser.next_event()
            except h11.RemoteProtocolError as exc:
                if eof:
                    raise UpstreamError("connection closed mid-reply") from None
                raise UpstreamError(f"invalid answer: {exc}") from None
            if event is h11.NEED_DATA:
                if idle_timeout is None:
                    data = await _receive(conn.stream)
                else:
                    # One cancel scope per read: an async generator cannot
                    # hold one across its yields.
                    with trio.fail_after(idle_timeout):
                        data = await _receive(conn.stream)
                eof = not data
                parser.receive_data(data)
            elif isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self._conn = None
                await self._pool._release(conn)
                return
            else:  # ConnectionClosed: the server ended the body by closing
                self._conn = None
                await conn.aclose()
                return

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.aclose()


async def _receive(stream: trio.abc.Stream) -> bytes:
    try:
        return bytes(await stream.receive_some(_READ_SIZE))
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
        raise UpstreamError(f"connection lost: {exc}") from exc


class UpstreamPool:
    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        connect_timeout: float = 5.0,
        write_timeout: float = 10.0,
        max_idle: int = 100,
        idle_expiry: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.host = parts.hostname
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)
        self.base_path = parts.path.rstrip("/") + "/"
        host_header = parts.netloc.rsplit("@", 1)[-1]
        self._headers = [("Host", host_header), *headers.items()]
        self._connect_timeout = connect_timeout
        self._write_timeout = write_timeout
        self._max_idle = max_idle
        self._idle_expiry = idle_expiry
        self._ssl_context = ssl_context
        self._idle: list[_Connection] = []
        self._closed = False
        self._reaping = False

    async def post(self, path: str, body: bytes, *, answer_timeout: float) -> UpstreamResponse:
        """POST ``body``; the response once its head arrived (within
        ``answer_timeout``, connecting included). The caller must
        ``aclose()`` it (reading the body to its end also releases it)."""
        with trio.fail_after(answer_timeout):
            conn, head = await self._exchange(path, body)
        return UpstreamResponse(self, conn, head)

    async def _exchange(self, path: str, body: bytes) -> tuple[_Connection, h11.Response]:
        request = h11.Request(
            method="POST",
            target=self.base_path + path.lstrip("/"),
            headers=[*self._headers, ("Content-Length", str(len(body)))],
        )
        while True:
            conn, reused = await self._connection()
            try:
                data = conn.h11.send(request) or b""
                data += conn.h11.send(h11.Data(data=body)) or b""
                data += conn.h11.send(h11.EndOfMessage()) or b""
                try:
                    with trio.fail_after(self._write_timeout):
                        await conn.stream.send_all(data)
                except trio.TooSlowError:
                    raise UpstreamError("the server does not read the request") from None
                return conn, await self._read_head(conn)
            except _StaleConnection:
                await conn.aclose()
                if reused:
                    continue  # closed by the server while idle: try a new one
                raise UpstreamError("the server closed the connection without answering") from None
            except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
                await conn.aclose()
                if reused:
                    continue
                raise UpstreamError(f"connection lost: {exc}") from exc
            except BaseException:
                await conn.aclose()
                raise

    async def _read_head(self, conn: _Connection) -> h11.Response:
        parser = conn.h11
        received = False
        while True:
            try:
                event = parser.next_event()
            except h11.RemoteProtocolError as exc:
                raise UpstreamError(f"invalid HTTP answer: {exc}") from None
            if event is h11.NEED_DATA:
                try:
                    data = await _receive(conn.stream)
                except UpstreamError:
                    if not received:
                        raise _StaleConnection from None
                    raise
                if not data and not received:
                    raise _StaleConnection
                received = True
                parser.receive_data(data)
            elif isinstance(event, h11.Response):
                return event
            elif isinstance(event, h11.ConnectionClosed):
                raise UpstreamError("the server closed the connection without answering")
            # h11.InformationalResponse (100 Continue...): keep reading

    async def _connection(self) -> tuple[_Connection, bool]:
        if self._closed:
            raise UpstreamError("the client is closed")
        await self._close_expired()
        if self._idle:
            return self._idle.pop(), True  # the most recent: least likely closed
        return await self._connect(), False

    async def _connect(self) -> _Connection:
        try:
            with trio.fail_after(self._connect_timeout):
                tcp = await trio.open_tcp_stream(self.host, self.port)
                stream: trio.abc.Stream = tcp
                if self.tls:
                    tls = trio.SSLStream(
                        tcp,
                        self._ssl_context or _default_ssl_context(),
                        server_hostname=self.host,
                        https_compatible=True,
                    )
                    try:
                        await tls.do_handshake()
                    except BaseException:
                        await trio.aclose_forcefully(tcp)
                        raise
                    stream = tls
        except trio.TooSlowError:
            raise UpstreamError(f"cannot connect to {self.host}:{self.port}: timed out") from None
        except (OSError, trio.BrokenResourceError, ssl.SSLError) as exc:
            raise UpstreamError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        return _Connection(stream)

    async def _release(self, conn: _Connection) -> None:
        parser = conn.h11
        reusable = (
            not self._closed
            and parser.our_state is h11.DONE
            and parser.their_state is h11.DONE
            and len(self._idle) < self._max_idle
        )
        if reusable:
            parser.start_next_cycle()
            conn.idle_since = trio.current_time()
            self._idle.append(conn)
            if not self._reaping:
                self._reaping = True
                trio.lowlevel.spawn_system_task(self._reap, name="upstream idle connections")
        else:
            await conn.aclose()

    async def _close_expired(self) -> None:
        # The oldest idle connections expire first.
        now = trio.current_time()
        while self._idle and now - self._idle[0].idle_since >= self._idle_expiry:
            await self._idle.pop(0).aclose()

    async def _reap(self) -> None:
        """Close idle connections as they expire, until none is left. After
        a burst of replies a quiet service would otherwise keep up to
        ``max_idle`` sockets, with their parsers and buffers, for good: the
        next request is what expired them."""
        try:
            while self._idle and not self._closed:
                await trio.sleep_until(self._idle[0].idle_since + self._idle_expiry)
                await self._close_expired()
        finally:
            self._reaping = False

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.aclose()


class _StaleConnection(Exception):
    """A reused connection that was closed before it answered."""


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    # Built once: loading the system trust store costs milliseconds.
    context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])
    return context
