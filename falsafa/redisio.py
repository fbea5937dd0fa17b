"""Redis from trio: redis-py's sync client, each call on a worker thread.

Usage::

    redis = RedisIO.from_url("redis://127.0.0.1:6379/0")
    await redis.call(lambda r: r.lpush("processing_queue", payload))
    job = await redis.call_blocking(
        lambda r: r.blmove(src, dst, timeout=1.0),
        undo=lambda r, job: r.lmove(dst, src, "LEFT", "RIGHT"),
    )
    redis.close()

``redis.asyncio`` does not run under trio, so calls go through
``trio.to_thread.run_sync`` behind a ``CapacityLimiter`` sized like the
connection pool: a burst of requests queues on the limiter instead of
exhausting connections. Cancellation abandons the thread (the call's socket
timeout bounds how long it lingers), so a cancelled request never waits on
Redis. Blocking commands cannot be abandoned that way: a ``BLMOVE`` left
running after its consumer stopped would still take the next job. They go
through ``call_blocking``, which runs them on a connection of their own and,
on cancellation, ends them with ``CLIENT UNBLOCK`` and hands back anything
they took (``undo``) before the cancellation propagates.
Every failure to reach Redis becomes ``RedisUnavailable``.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from typing import TypeVar

import outcome
import redis
import trio

__all__ = ["RedisIO", "RedisUnavailable"]

T = TypeVar("T")


class RedisUnavailable(RuntimeError):
    """Redis could not be reached or did not answer in time."""


def _client_unblock(client: redis.Redis, *, client_id: int) -> object:
    return client.client_unblock(client_id)


class _Interrupted(Exception):
    """A blocking call cancelled before it was sent."""


class _BlockingCall:
    """What a blocking call's thread and its trio side share."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.client_id: int | None = None
        self.cancelled = False
        self.finished = False


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

    async def call_blocking(
        self, fn: Callable[[redis.Redis], T], *, undo: Callable[[redis.Redis, T], object]
    ) -> T:
        """Run a blocking command that a cancellation interrupts at once.

        ``fn`` runs on a dedicated connection. If the caller is cancelled
        meanwhile, the command is unblocked server-side (it returns as on
        timeout); if it had already produced a result, ``undo(client,
        result)`` runs on the same connection so nothing taken is lost, and
        then ``Cancelled`` propagates.
        """
        call = _BlockingCall()

        def run() -> T:
            client = redis.Redis(
                connection_pool=self.client.connection_pool, single_connection_client=True
            )
            try:
                with call.lock:
                    if call.cancelled:
                        raise _Interrupted
                    call.client_id = int(client.client_id())
                result = fn(client)
                with call.lock:
                    cancelled = call.cancelled
                if cancelled and result is not None:
                    undo(client, result)
                return result
            finally:
                client.close()

        async def unblock_when_cancelled() -> None:
            try:
                await trio.sleep_forever()
            finally:
                if not call.finished:
                    await self._unblock(call)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(unblock_when_cancelled)
            # Not abandoned: the thread must finish, or it would keep the
            # command (and whatever it takes) running. Captured, so that only
            # a cancellation leaves the nursery (never a wrapped error).
            result = await outcome.acapture(self._run_in_thread, run)
            call.finished = True
            nursery.cancel_scope.cancel()
        if call.cancelled:
            # The result (if any) was handed back by ``undo``; the nursery's
            # own cancel may have absorbed the Cancelled, so raise it again:
            # only a cancellation of ours sets the flag, and it is sticky.
            await trio.lowlevel.checkpoint()
            raise AssertionError("blocking call interrupted without a cancellation")
        try:
            return result.unwrap()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            raise RedisUnavailable(f"redis unavailable: {exc}") from exc

    async def _run_in_thread(self, run: Callable[[], T]) -> T:
        return await trio.to_thread.run_sync(run, limiter=self._limiter)

    async def _unblock(self, call: _BlockingCall) -> None:
        with call.lock:
            call.cancelled = True
        # Shielded and bounded: retried until the thread is back, because the
        # command may not have reached the server yet when the first
        # ``CLIENT UNBLOCK`` arrives.
        with trio.CancelScope(shield=True), trio.move_on_after(5):
            while not call.finished:
                if call.client_id is not None:
                    unblock = functools.partial(_client_unblock, client_id=call.client_id)
                    with contextlib.suppress(RedisUnavailable):  # it then fails on its own
                        await self.call(unblock)
                await trio.sleep(0.005)

    async def ping(self) -> bool:
        try:
            return bool(await self.call(lambda r: r.ping()))
        except RedisUnavailable:
            return False

    def close(self) -> None:
        self.client.close()
        self.client.connection_pool.disconnect()
