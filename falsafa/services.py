"""The shared resources of one process, opened and closed together: the wiring.

Usage::

    async with open_services(settings, nursery) as services:
        services.store          # falsafa.store.Store
        services.queue          # falsafa.jobs.queue.JobQueue
        services.intake         # falsafa.jobs.intake.Intake (POST /character/processing)
        services.processor      # falsafa.jobs.manager.BookProcessor (the worker's jobs)
        services.conversations  # falsafa.chat.flow.Conversations (POST /character/chat)
        services.streams        # falsafa.chat.streams.StreamRegistry (the chat tasks' nursery)
        services.stopping       # set to begin a graceful shutdown

This is the composition root: the only module that knows every part. The
HTTP handlers and the supervisor take what they need from it; the domain
packages (chat, jobs, llm, store) take their own collaborators and never
import it. ``open_services`` is used by the supervisor and by the tests, so
both run exactly the same wiring. Closing is shielded: resources are
released even when the process is being cancelled.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import trio

from falsafa.chat.flow import Conversations
from falsafa.chat.lockkeeper import LockKeeper
from falsafa.chat.streams import StreamRegistry
from falsafa.config import Settings
from falsafa.jobs.intake import Intake
from falsafa.jobs.manager import BookProcessor
from falsafa.jobs.queue import JobQueue
from falsafa.llm import Responder, completer_of, open_responder
from falsafa.locks import SessionLocks
from falsafa.redisio import RedisIO
from falsafa.store import Store, store_for

__all__ = ["Services", "open_services"]

log = logging.getLogger("falsafa.services")

# Seconds: connecting to the storage origin (the download has its own limit),
# and closing every resource at shutdown.
DOWNLOAD_CONNECT_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0


@dataclass(eq=False)
class Services:
    settings: Settings
    store: Store
    redis: RedisIO
    queue: JobQueue
    locks: SessionLocks
    responder: Responder
    streams: StreamRegistry
    conversations: Conversations
    intake: Intake
    processor: BookProcessor
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
        timeout=httpx.Timeout(settings.download_timeout, connect=DOWNLOAD_CONNECT_TIMEOUT),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=8),
        trust_env=False,
    )
    responder = open_responder(settings)
    locks = SessionLocks(redis, ttl=settings.lock_ttl, prefix=settings.redis_prefix)
    queue = JobQueue(redis, settings)
    services = Services(
        settings=settings,
        store=store,
        redis=redis,
        queue=queue,
        locks=locks,
        responder=responder,
        streams=StreamRegistry(
            nursery,
            max_streams=settings.max_streams,
            keepalive=settings.sse_keepalive,
            release=store.release_memory,
        ),
        conversations=Conversations(
            store,
            locks,
            LockKeeper(locks, nursery),
            responder,
            store_timeout=settings.store_timeout,
        ),
        intake=Intake(store, queue, downloads, settings),
        processor=BookProcessor(store, queue, completer_of(responder), settings),
    )
    try:
        yield services
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT):
            await responder.aclose()
            await downloads.aclose()
            await store.aclose()
        redis.close()
