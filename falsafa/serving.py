"""Hypercorn, configured for the service, around the app.

Usage::

    config = hypercorn_config(settings)
    binds = await nursery.start(serve_http, app, config, http_stop)   # ["http://127.0.0.1:8000"]
    http_stop.set()      # stop accepting; idle keep-alive connections close at once

Why a wrapper around the app (:class:`ShieldedFinalSend`): quart-trio runs
each request in a nursery that it cancels as soon as the response is sent,
and Hypercorn (0.18) finishes the connection's bookkeeping inside that last
``send``: closing the socket after a ``Connection: close`` response, or
starting the keep-alive idle timer. Both ran under the cancellation and were
skipped, so a client reading to EOF after ``Connection: close`` hung, and an
idle kept-alive connection had no idle timer: never closed by the keep-alive
timeout, and held open through a shutdown until the graceful timeout. The
last ``send`` of every response runs shielded (with a deadline of its own).

With the idle timer armed, a second Hypercorn gap shows (0.18,
:class:`PeerAwareTCPServer`): when the client closes a kept-alive connection,
the connection's task waits for its idle timer before closing the socket, so
every connection a client left stayed open, with its tasks and buffers, for
the whole keep-alive timeout (75 s). After 1,000 streams that was 1,000
sockets and ~17 MB of live objects. The idle timer now also ends when the
client has gone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import hypercorn.trio.run
import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve as hypercorn_serve
from hypercorn.trio.tcp_server import TCPServer
from hypercorn.trio.worker_context import WorkerContext
from hypercorn.typing import (
    AppWrapper,
    ASGIReceiveCallable,
    ASGISendCallable,
    ASGISendEvent,
    LifespanState,
    Scope,
)
from quart_trio import QuartTrio

from falsafa.config import Settings

__all__ = [
    "FINAL_SEND_TIMEOUT",
    "PeerAwareTCPServer",
    "ShieldedFinalSend",
    "hypercorn_config",
    "serve_http",
]

# Seconds the last send of a response may take once shielded: the bytes
# themselves are already written under Hypercorn's own shield; what is left
# is closing the socket or arming the idle timer.
FINAL_SEND_TIMEOUT = 10.0
KEEP_ALIVE_TIMEOUT = 75


def hypercorn_config(settings: Settings) -> HypercornConfig:
    """Hypercorn's settings for ``settings.bind``."""
    config = HypercornConfig()
    host = f"[{settings.bind_host}]" if ":" in settings.bind_host else settings.bind_host
    config.bind = [f"{host}:{settings.bind_port}"]
    config.graceful_timeout = settings.graceful_timeout
    config.keep_alive_timeout = KEEP_ALIVE_TIMEOUT
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    # Request bodies are capped by the app (FALSAFA_MAX_BODY_BYTES); this is
    # the outer limit Hypercorn applies before the app sees anything.
    config.h11_max_incomplete_size = 64 * 1024
    return config


class ShieldedFinalSend:
    """An ASGI app that runs ``app`` with the last ``send`` of each HTTP
    response shielded from the request's cancellation (see the module)."""

    def __init__(self, app: QuartTrio) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        async def send_last_shielded(message: ASGISendEvent) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                with trio.CancelScope(shield=True) as shielded:
                    shielded.deadline = trio.current_time() + FINAL_SEND_TIMEOUT
                    await send(message)
            else:
                await send(message)

        await self.app(scope, receive, send_last_shielded)


class PeerAwareTCPServer(TCPServer):
    """Hypercorn's connection, closed at once when an idle client leaves.

    Hypercorn reads until the client closes, then waits for every task of
    the connection, the idle timer included, before closing the socket; the
    idle timer only ended at the keep-alive timeout or at shutdown. Here it
    also ends as soon as reading has ended.
    """

    def __init__(
        self,
        app: AppWrapper,
        config: HypercornConfig,
        context: WorkerContext,
        state: LifespanState,
        stream: trio.SSLStream[trio.SocketStream],
    ) -> None:
        super().__init__(app, config, context, state, stream)
        self._peer_gone = trio.Event()

    async def _read_data(self) -> None:
        try:
            await super()._read_data()
        finally:
            self._peer_gone.set()

    async def _idle_timeout(self) -> None:
        with trio.move_on_after(self.config.keep_alive_timeout):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_first_of, nursery, self.context.terminated.wait)
                nursery.start_soon(_first_of, nursery, self._peer_gone.wait)
        with trio.CancelScope(shield=True):
            await self._initiate_server_close()


async def _first_of(nursery: trio.Nursery, wait: Callable[[], Awaitable[object]]) -> None:
    await wait()
    nursery.cancel_scope.cancel()


async def serve_http(
    app: QuartTrio,
    config: HypercornConfig,
    stop: trio.Event,
    *,
    task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` until ``stop`` is set, then drain: no new connection,
    idle ones closed at once, requests in flight given the graceful timeout."""
    # Hypercorn's trio server builds its connections from this name.
    hypercorn.trio.run.TCPServer = PeerAwareTCPServer  # type: ignore[attr-defined]
    await hypercorn_serve(
        ShieldedFinalSend(app),
        config,
        shutdown_trigger=stop.wait,
        task_status=task_status,
    )
