"""One process, one nursery: HTTP, job consumers, the reaper, signals.

Usage::

    exit_code = run(settings)            # what ``falsafa serve`` does

    # in tests, inside a trio nursery:
    runner = await nursery.start(serve_service, settings)   # -> ServiceHandle
    runner.url, runner.services
    runner.stop()                         # the same path as SIGTERM

Shutdown (SIGTERM/SIGINT, or ``stop()``): the stop event is set; every new
business request is answered ``503`` (the app checks the event) while chat
streams get until half the graceful timeout to finish, then are cancelled
with an error event; then Hypercorn stops accepting, closes idle keep-alive
connections at once and drains the requests in flight; consumers put the
job in progress back on the queue; the nursery closes. Past the graceful timeout
everything left is cancelled. A crash of any child cancels the others and
``run`` returns 1 with the reason logged: no task dies silently while HTTP
keeps answering.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import trio
from quart_trio import QuartTrio

from falsafa.app import create_app
from falsafa.config import Settings
from falsafa.jobs.extraction_processes import configure_extraction_processes
from falsafa.jobs.sweeper import BookSweeper
from falsafa.jobs.worker import run_consumer, run_reaper
from falsafa.logs import configure_logging
from falsafa.memory import allocator, limit_malloc_arenas
from falsafa.services import Services, open_services
from falsafa.serving import hypercorn_config, serve_http

__all__ = ["ServiceHandle", "run", "serve_service", "supervise"]

log = logging.getLogger("falsafa.supervisor")


@dataclass(eq=False)
class ServiceHandle:
    services: Services
    url: str | None
    cancel_scope: trio.CancelScope
    app: QuartTrio | None = None

    def stop(self) -> None:
        """Begin a graceful shutdown (what SIGTERM does)."""
        self.services.stopping.set()


async def serve_service(
    settings: Settings, *, task_status: trio.TaskStatus[ServiceHandle] = trio.TASK_STATUS_IGNORED
) -> None:
    """Run the whole service until it is stopped; report a handle once ready."""
    async with trio.open_nursery() as nursery, open_services(settings, nursery) as services:
        url: str | None = None
        app: QuartTrio | None = None  # a worker-only process has none
        # Set once the chat streams are drained: the listener stays open
        # until then, so a request that arrives meanwhile gets a 503.
        http_stop = trio.Event()
        async with trio.open_nursery() as children:
            if "api" in settings.roles:
                app = create_app(services)
                binds = await children.start(serve_http, app, hypercorn_config(settings), http_stop)
                url = binds[0] if binds else None
            elif settings.metrics_bind is not None:
                # A worker-only process still answers probes and scrapes.
                host, port = settings.metrics_bind
                ops_config = hypercorn_config(dataclasses.replace(settings, bind=(host, port)))
                binds = await children.start(
                    serve_http, create_app(services, business=False), ops_config, http_stop
                )
                url = binds[0] if binds else None
            if "worker" in settings.roles:
                for index in range(settings.consumers):
                    children.start_soon(run_consumer, services.processor, services.stopping, index)
                children.start_soon(
                    partial(
                        run_reaper,
                        store=services.store,
                        books=BookSweeper.configured(
                            services.store, services.queue, services.intake, settings
                        ),
                    ),
                    services.queue,
                    services.stopping,
                    settings.job_visibility,
                )
            children.start_soon(_drain_streams_on_stop, services, http_stop)
            log.info(
                "service started",
                extra={
                    "url": url,
                    "roles": sorted(settings.roles),
                    "store": settings.store,
                    "responder": "offline" if settings.offline else "llm",
                    "allocator": allocator(),
                },
            )
            task_status.started(ServiceHandle(services, url, children.cancel_scope, app))
            await services.stopping.wait()
            log.info("stopping", extra={"graceful_timeout_s": settings.graceful_timeout})
            # Past the graceful timeout, whatever is left is cancelled.
            children.cancel_scope.deadline = trio.current_time() + settings.graceful_timeout
        # Stream tasks live in the outer nursery; nothing may outlive stop.
        nursery.cancel_scope.cancel()
    log.info("stopped")


async def _drain_streams_on_stop(services: Services, http_stop: trio.Event) -> None:
    await services.stopping.wait()
    grace = services.settings.graceful_timeout / 2
    await services.streams.drain(grace)
    http_stop.set()


async def _watch_signals(signals: Any, stop: Callable[[], None]) -> None:
    async for signum in signals:
        log.info("signal received", extra={"signal": signal.Signals(signum).name})
        stop()


async def supervise(main: Callable[..., Awaitable[None]], settings: Settings) -> int:
    """Run ``main(settings, task_status=...)`` with a signal watcher; 0 on a
    clean stop, 1 when any child crashed (logged with its traceback)."""
    # Signals are caught from the first instant, so a SIGTERM during start-up
    # still drains instead of killing the process mid-way.
    stop_requested = trio.Event()
    try:
        with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async with trio.open_nursery() as nursery:
                watcher, forwarder = trio.CancelScope(), trio.CancelScope()
                nursery.start_soon(_in_scope, watcher, _watch_signals, signals, stop_requested.set)
                handle: ServiceHandle = await nursery.start(main, settings)
                _freeze_startup_objects()
                nursery.start_soon(_in_scope, forwarder, _forward_stop, stop_requested, handle)
                await handle.services.stopping.wait()
                watcher.cancel()
                forwarder.cancel()
                # ``main`` drains within the graceful timeout; this is the backstop.
                nursery.cancel_scope.deadline = trio.current_time() + settings.graceful_timeout + 5
            if nursery.cancel_scope.cancelled_caught:
                log.error("shutdown overran the graceful timeout; cancelled what was left")
    except BaseException as exc:  # the reason is logged, the exit code says it
        if isinstance(exc, KeyboardInterrupt):
            return 130
        log.critical("a supervised task crashed; stopping the process", exc_info=exc)
        return 1
    return 0


async def _forward_stop(stop_requested: trio.Event, handle: ServiceHandle) -> None:
    await stop_requested.wait()
    handle.stop()


async def _in_scope(
    scope: trio.CancelScope, fn: Callable[..., Awaitable[None]], *args: object
) -> None:
    with scope:
        await fn(*args)


# Store and Redis calls run on worker threads. Under load the event loop
# holds the GIL, and a worker that wants it back waits up to the switch
# interval (5 ms by default) at every hand-over: with 25 chat streams a
# one-row store read took 2-5 ms at p50 and 300+ ms at p99, and chat's
# time to first token grew by as much. At 0.1 ms the same reads take ~1 ms
# (p99 ~10 ms); forced switches only happen while a thread wants the GIL.
SWITCH_INTERVAL = 0.0001


def _freeze_startup_objects() -> None:
    # What start-up imported and built (~140k objects) lives as long as the
    # process. Left in the collector's oldest generation, every full
    # collection walks it: ~60 ms with the loop stopped, a p99 stall for
    # every stream. Frozen, full collections only walk what came after.
    gc.collect()
    gc.freeze()


def run(settings: Settings) -> int:
    configure_logging(settings.log_level)
    sys.setswitchinterval(SWITCH_INTERVAL)
    limit_malloc_arenas()  # before any thread: see falsafa.memory
    configure_extraction_processes(settings.log_level)
    return trio.run(supervise, serve_service, settings)
