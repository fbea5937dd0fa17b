"""Per-session write locks in Redis.

Usage::

    locks = SessionLocks(redis, ttl=30.0, prefix="")   # prefix: FALSAFA_REDIS_PREFIX
    lock = await locks.acquire(session_id)      # None when another request holds it
    if lock is not None:
        await locks.renew_many([lock])           # [True]; False once expired or taken over
        await locks.confirm(lock)                # True: still ours (and renewed)
        await locks.release(lock)                # deletes only if still ours

A lock is ``SET key token NX PX ttl`` with a random token. Renewal and
release are compare-and-act Lua scripts, so a request whose lock expired
(a stall longer than the TTL, a flushed Redis) can never extend or delete a
lock that now belongs to someone else.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import redis

from falsafa.redisio import RedisIO

__all__ = ["SessionLock", "SessionLocks", "lock_key"]

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def lock_key(session_id: object, prefix: str = "") -> str:
    """The session's lock key; ``prefix`` is ``FALSAFA_REDIS_PREFIX``."""
    key = f"falsafa:lock:session:{session_id}"
    return f"{prefix}:{key}" if prefix else key


@dataclass(frozen=True, slots=True)
class SessionLock:
    key: str
    token: str


class SessionLocks:
    def __init__(self, redis: RedisIO, *, ttl: float, prefix: str = "") -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_ms = max(1, int(ttl * 1000))
        self._renew = redis.client.register_script(_RENEW)
        self._release = redis.client.register_script(_RELEASE)

    async def acquire(self, session_id: object) -> SessionLock | None:
        key = lock_key(session_id, self.prefix)
        token = secrets.token_hex(16)
        ok = await self.redis.call(lambda r: r.set(key, token, nx=True, px=self.ttl_ms))
        return SessionLock(key, token) if ok else None

    async def renew_many(self, locks: Sequence[SessionLock]) -> list[bool]:
        """Renew several locks in one round trip (a pipeline, not a transaction:
        each is renewed or not on its own)."""

        def renew(r: redis.Redis) -> list[object]:
            pipe = r.pipeline(transaction=False)
            for lock in locks:
                self._renew(keys=[lock.key], args=[lock.token, self.ttl_ms], client=pipe)
            return pipe.execute()

        if not locks:
            return []
        return [bool(result) for result in await self.redis.call(renew)]

    async def confirm(self, lock: SessionLock) -> bool:
        """Whether ``lock`` is still ours, renewing it if so (one round trip):
        the fence before a write that only the lock's owner may make."""
        return (await self.renew_many([lock]))[0]

    async def release(self, lock: SessionLock) -> bool:
        result = await self.redis.call(
            lambda r: self._release(keys=[lock.key], args=[lock.token], client=r)
        )
        return bool(result)
