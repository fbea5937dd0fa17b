"""Redis from trio: redis-py's sync client, each call on a worker thread.

Usage::

    redis = RedisIO.from_url("redis://127.0.0.1:6379/0")
    await redis.call(lambda r: r.lpush("processing_queue", payload))
    job = await redis.call(lambda r: r.blmove(src, dst, timeout=1.0))
    redis.close()

``redis.asyncio`` does not run under trio, so calls go through
``trio.to_thread.run_sync`` behind a ``CapacityLimiter`` sized like the
connection pool: a burst of requests queues on the limiter instead of
exhausting connections. Cancellation abandons the thread (the call's socket
timeout bounds how long it lingers), so a cancelled request never waits on
Redis; blocking commands use short timeouts in a loop for the same reason.
Every failure to reach Redis becomes ``RedisUnavailable``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import redis
import trio

__all__ = ["RedisIO", "RedisUnavailable"]

T = TypeVar("T")


class RedisUnavailable(RuntimeError):
    """Redis could not be reached or did not answer in time."""


class RedisIO:
    def __init__(self, client: redis.Redis, *, max_concurrency: int = 32) -> None:
        self.client = client
        self._limiter = trio.CapacityLimiter(max_concurrency)

    @classmethod
    def from_url(
        cls, url: str, *, max_concurrency: int = 32, socket_timeout: float = 5.0
    ) -> RedisIO:
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_concurrency,
            timeout=socket_timeout,
            socket_timeout=socket_timeout,
            socket_connect_timeout=min(socket_timeout, 2.0),
            health_check_interval=30,
            decode_responses=False,
        )
        client = redis.Redis(connection_pool=pool)
        return cls(client, max_concurrency=max_concurrency)

    async def call(self, fn: Callable[[redis.Redis], T]) -> T:
        """Run ``fn(client)`` on a thread; ``RedisUnavailable`` if Redis is not there."""
        try:
            return await trio.to_thread.run_sync(
                fn, self.client, limiter=self._limiter, abandon_on_cancel=True
            )
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            raise RedisUnavailable(f"redis unavailable: {exc}") from exc

    async def ping(self) -> bool:
        try:
            return bool(await self.call(lambda r: r.ping()))
        except RedisUnavailable:
            return False

    def close(self) -> None:
        self.client.close()
        self.client.connection_pool.disconnect()
