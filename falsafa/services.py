"""The shared resources of one process, opened and closed together.

Usage::

    async with open_services(settings) as services:
        services.store          # falsafa.store.Store
        services.redis          # falsafa.redisio.RedisIO
        services.downloads      # httpx.AsyncClient for the storage origins
        services.streams        # falsafa.chat.streams.StreamRegistry (the chat tasks' nursery)
        services.keeper         # falsafa.chat.lockkeeper.LockKeeper (renews chat session locks)

``open_services`` is used by the supervisor and by the tests, so both run
exactly the same wiring. Closing is shielded: resources are released even
when the process is being cancelled.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import trio

from falsafa.chat.lockkeeper import LockKeeper
from falsafa.chat.responder import Responder, open_responder
from falsafa.chat.streams import StreamRegistry
from falsafa.config import Settings
from falsafa.jobs.queue import JobQueue
from falsafa.locks import SessionLocks
from falsafa.redisio import RedisIO
from falsafa.store import Store, store_for

__all__ = ["Services", "open_services"]

log = logging.getLogger("falsafa.services")


@dataclass(eq=False)
class Services:
    settings: Settings
    store: Store
    redis: RedisIO
    queue: JobQueue
    locks: SessionLocks
    keeper: LockKeeper
    downloads: httpx.AsyncClient
    responder: Responder
    streams: StreamRegistry
    stopping: trio.Event = field(default_factory=trio.Event)


@contextlib.asynccontextmanager
async def open_services(settings: Settings, nursery: trio.Nursery) -> AsyncIterator[Services]:
    """Open every resource; ``nursery`` will own the chat stream tasks."""
    store = store_for(settings)
    redis = RedisIO.from_url(settings.redis_url)
    # Downloads never follow redirects by themselves: each hop is checked
    # against the allowed origins first (see falsafa.jobs.download).
    downloads = httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(settings.download_timeout, connect=10.0),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=8),
        trust_env=False,
    )
    responder = open_responder(settings, store)
    locks = SessionLocks(redis, ttl=settings.lock_ttl)
    services = Services(
        settings=settings,
        store=store,
        redis=redis,
        queue=JobQueue(redis, settings),
        locks=locks,
        keeper=LockKeeper(locks, nursery),
        downloads=downloads,
        responder=responder,
        streams=StreamRegistry(
            nursery, max_streams=settings.max_streams, keepalive=settings.sse_keepalive
        ),
    )
    try:
        yield services
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(5):
            await responder.aclose()
            await downloads.aclose()
            await store.aclose()
        redis.close()
