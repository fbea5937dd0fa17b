"""Keeps every open chat stream's session lock alive, from one task.

Usage::

    keeper = LockKeeper(locks, nursery)
    with keeper.hold(lock) as held:      # renewed every TTL/3 while inside
        with held.scope:                 # cancelled at once if the lock is lost
            ...                          # stream the reply
    if held.lost:
        ...                              # tell the client (409); do not release

One task renews all held locks in one Redis round trip (a pipeline) every
TTL/3, instead of a task per stream: a task with its sleeping coroutine
stack, context and nursery is ~4 KB per open stream, and 1,000 streams
made 100 thread hops a second for renewals.

A lock is lost when the renewal says it is no longer ours (expired, taken
over, Redis flushed), or when Redis has not confirmed it for a whole TTL
(unreachable or too slow: past the TTL we cannot know that we hold it).
"""

from __future__ import annotations

import contextlib

import trio

from falsafa.locks import SessionLock, SessionLocks
from falsafa.redisio import RedisUnavailable

__all__ = ["HeldLock", "LockKeeper"]


class HeldLock:
    """A lock being kept: a context manager (a class, not a generator: one
    is alive per open stream)."""

    __slots__ = ("_held", "last_ok", "lock", "lost", "scope")

    def __init__(self, lock: SessionLock, held: set[HeldLock]) -> None:
        self.lock = lock
        self.scope = trio.CancelScope()
        self.lost = False
        self.last_ok = trio.current_time()
        self._held = held

    def __enter__(self) -> HeldLock:
        self._held.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._held.discard(self)

    def lose(self) -> None:
        self.lost = True
        self.scope.cancel()


class LockKeeper:
    def __init__(self, locks: SessionLocks, nursery: trio.Nursery) -> None:
        self._locks = locks
        self._nursery = nursery
        self._held: set[HeldLock] = set()
        self._running = False

    def hold(self, lock: SessionLock) -> HeldLock:
        """Keep ``lock`` alive while inside the returned context manager."""
        if not self._running:
            self._running = True
            self._nursery.start_soon(self._renew_all, name="session lock keeper")
        return HeldLock(lock, self._held)

    async def _renew_all(self) -> None:
        ttl = self._locks.ttl_ms / 1000
        try:
            while self._held:
                await trio.sleep(ttl / 3)
                held = list(self._held)
                if not held:
                    break
                alive: list[bool] | None = None
                with trio.move_on_after(ttl / 3), contextlib.suppress(RedisUnavailable):
                    alive = await self._locks.renew_many([h.lock for h in held])
                now = trio.current_time()
                for index, h in enumerate(held):
                    if alive is not None and alive[index]:
                        h.last_ok = now
                    elif alive is not None or now - h.last_ok >= ttl:
                        h.lose()
        finally:
            self._running = False
