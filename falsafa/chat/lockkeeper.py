"""Keeps every open chat stream's session lock alive, from one task.

Usage::

    keeper = LockKeeper(locks, nursery)
    with keeper.hold(lock) as held:      # checked and renewed every second while inside
        with held.scope:                 # cancelled at once if the lock is lost
            ...                          # stream the reply
    if held.lost:
        ...                              # tell the client (409); do not release
    elif await keeper.still_ours(held):  # the fence before saving the reply
        ...

One task checks and renews all held locks in one Redis round trip (a
pipeline) every ``CHECK_PERIOD`` (or TTL/3 when the TTL is shorter than
three periods), instead of a task per stream: a task with its sleeping
coroutine stack, context and nursery is ~4 KB per open stream. The check
runs every second, not just often enough to renew, so a lock deleted or
taken over stops its stream within about a second: two replies must never
stream for one session.

A lock is lost when the renewal says it is no longer ours (expired, taken
over, Redis flushed), or when Redis has not confirmed it for a whole TTL
(unreachable or too slow: past the TTL we cannot know that we hold it).
"""

from __future__ import annotations

import contextlib

import trio

from falsafa.locks import SessionLock, SessionLocks
from falsafa.redisio import RedisUnavailable

__all__ = ["CHECK_PERIOD", "CONFIRM_TIMEOUT", "HeldLock", "LockKeeper"]

# Seconds between two ownership checks (each one also renews).
CHECK_PERIOD = 1.0
# Seconds the fence before a save waits for Redis.
CONFIRM_TIMEOUT = 2.0


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

    @property
    def ttl(self) -> float:
        return self._locks.ttl_ms / 1000

    def hold(self, lock: SessionLock) -> HeldLock:
        """Keep ``lock`` alive while inside the returned context manager."""
        if not self._running:
            self._running = True
            self._nursery.start_soon(self._renew_all, name="session lock keeper")
        return HeldLock(lock, self._held)

    async def still_ours(self, held: HeldLock) -> bool:
        """Whether ``held`` may still write as the session's owner (renewing
        it): Redis says so, or, with Redis unreachable, the keeper confirmed
        it within the TTL (no one else can have taken it since). A lost lock
        never is: its stream must not save over the new owner's exchange."""
        if held.lost:
            return False
        with trio.move_on_after(CONFIRM_TIMEOUT):
            try:
                ours = await self._locks.confirm(held.lock)
            except RedisUnavailable:
                return trio.current_time() - held.last_ok < self.ttl
            if ours:
                held.last_ok = trio.current_time()
            else:
                held.lost = True
            return ours
        return trio.current_time() - held.last_ok < self.ttl

    async def _renew_all(self) -> None:
        ttl = self.ttl
        period = min(CHECK_PERIOD, ttl / 3)
        try:
            while self._held:
                await trio.sleep(period)
                held = list(self._held)
                if not held:
                    break
                alive: list[bool] | None = None
                with trio.move_on_after(period), contextlib.suppress(RedisUnavailable):
                    alive = await self._locks.renew_many([h.lock for h in held])
                now = trio.current_time()
                for index, h in enumerate(held):
                    if alive is not None and alive[index]:
                        h.last_ok = now
                    elif alive is not None or now - h.last_ok >= ttl:
                        h.lose()
        finally:
            self._running = False
