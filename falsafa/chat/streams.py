"""Chat streams as supervised tasks, and the SSE body that reads them.

Usage::

    registry = StreamRegistry(nursery, max_streams=1000)
    body = registry.open(producer)     # producer: async fn(emit, stream) -> None
    return Response(body, content_type="text/event-stream", timeout=None)
    ...
    await registry.drain(grace=10)     # shutdown: wait, then abort the rest

Why this shape: Quart iterates a response body from its own task, and trio
forbids yielding from inside a nursery or cancel scope in an async
generator. So each stream's work (lock, LLM, persistence) runs as a task of
the service's nursery, and the body is a plain async iterator over a memory
channel. When the client leaves, Quart closes the body; closing cancels the
producer's scope at once, and the producer's shielded cleanup releases the
lock and records the reply as interrupted.

A keep-alive comment is sent whenever the producer is silent for
``keepalive`` seconds, so proxies do not cut a slow LLM's stream. One ticker
task per registry watches every stream (a timer per event would cost a
cancel scope per token), so a comment goes out between ``keepalive`` and
``1.25 * keepalive`` seconds into a silence.

The body joins every event already queued into one write: when a stream
falls behind, the server sends one chunk instead of one per token.

After a burst (``TRIM_AFTER_STREAMS`` or more open at once), once three
quarters of it have closed and again once it is over, the caches the burst
grew are released (``release``: the store's page caches), garbage is
collected and the heap's free pages are handed back to the kernel
(``falsafa.memory``): otherwise RSS stays at the burst's peak.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable

import trio

from falsafa import metrics
from falsafa.chat.events import EventQueue
from falsafa.chat.sse import KEEPALIVE, error_event
from falsafa.errors import ApiError
from falsafa.memory import release_free_heap

__all__ = ["ChatStream", "StreamBody", "StreamRegistry"]

log = logging.getLogger("falsafa.streams")

# Events joined into one write at most (a stream that fell behind catches up
# in a few writes instead of one per token).
_COALESCE = 64

# A reader this slow is gone (32 events are buffered before a send blocks).
STALLED_CLIENT_SECONDS = 60.0
# Seconds a last event may wait for room in a full queue while cancelled.
FINAL_EVENT_TIMEOUT = 1.0
# Seconds aborted streams get to save their replies and free their locks.
ABORT_GRACE = 2.0
# After a burst of at least this many streams, once no more than a quarter
# of its peak are still open, freed heap pages go back to the kernel.
TRIM_AFTER_STREAMS = 100
# Seconds from the burst's end to the second trim: clients close their
# connections, and trio's idle worker threads exit after 10 s.
LATE_TRIM_DELAY = 12.0
# Seconds the second trim waits at most for the last stream of a burst.
BURST_END_WAIT = 120.0


class ChatStream:
    """One stream's shared state between its producer and its body."""

    # One per open stream: slots instead of a per-instance dict.
    __slots__ = (
        "_quiet_since",
        "_seen",
        "_send",
        "abort_reason",
        "client_gone",
        "finished",
        "scope",
        "sent",
    )

    def __init__(self, send: EventQueue) -> None:
        self.scope = trio.CancelScope()
        self.client_gone = False
        self.abort_reason: tuple[str, int] | None = None
        # A flag, not a trio.Event: nothing waits on it, and an Event (with
        # its parking lot) is ~300 bytes more per open stream.
        self.finished = False
        self.sent = 0
        self._send = send
        # the keep-alive ticker's view: events counted and when that last changed
        self._seen = 0
        self._quiet_since = trio.current_time()

    async def emit(self, event: bytes) -> None:
        """Queue an event for the client. A client that stops reading for
        ``STALLED_CLIENT_SECONDS``, or whose body was closed, counts as gone:
        the stream is cancelled (a response that never started sending would
        otherwise hold its producer, lock and LLM connection forever)."""
        # The buffer is rarely full: no timer and no trip through the
        # scheduler per token unless the client has fallen behind.
        try:
            self._send.put_nowait(event)
        except trio.WouldBlock:
            try:
                with trio.move_on_after(STALLED_CLIENT_SECONDS) as scope:
                    await self._send.put(event)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                scope = None
            if scope is None or scope.cancelled_caught:
                await self._client_left()
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            await self._client_left()
        self.sent += 1

    async def _client_left(self) -> None:
        self.client_gone = True
        self.scope.cancel()
        await trio.lowlevel.checkpoint()  # raises Cancelled: the scope is cancelled

    def keep_alive(self, now: float, keepalive: float) -> None:
        """Queue a keep-alive comment if nothing was sent for ``keepalive`` seconds."""
        if self.sent != self._seen:
            self._seen, self._quiet_since = self.sent, now
        elif now - self._quiet_since >= keepalive:
            self._quiet_since = now
            with contextlib.suppress(
                trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError
            ):
                self._send.put_nowait(KEEPALIVE)

    async def emit_final(self, event: bytes) -> None:
        """Send a last event even while being cancelled (an error or a notice);
        silently dropped if the client has gone."""
        if self.client_gone:
            return
        with (
            trio.CancelScope(shield=True),
            trio.move_on_after(FINAL_EVENT_TIMEOUT),
            contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError),
        ):
            await self._send.put(event)

    def abort(self, message: str, code: int) -> None:
        """Stop the stream from outside (shutdown); the producer sends the error."""
        self.abort_reason = (message, code)
        self.scope.cancel()

    def close_sender(self) -> None:
        self._send.close_sender()


class StreamBody:
    """The SSE response body: reads events from the producer's channel."""

    __slots__ = ("_receive", "stream")

    def __init__(self, stream: ChatStream, receive: EventQueue) -> None:
        self.stream = stream
        self._receive = receive

    def __aiter__(self) -> StreamBody:
        return self

    async def __anext__(self) -> bytes:
        receive = self._receive
        try:
            try:
                event = receive.get_nowait()
            except trio.WouldBlock:
                event = None
            # Awaited outside the ``except``: waiting in there would keep the
            # WouldBlock, its traceback and a frame alive per idle stream.
            if event is None:
                event = await receive.get()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            raise StopAsyncIteration from None
        parts = None
        while True:
            try:
                more = receive.get_nowait()
            except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                break
            if parts is None:
                parts = [event]
            parts.append(more)
            if len(parts) >= _COALESCE:
                break
        return event if parts is None else b"".join(parts)

    async def aclose(self) -> None:
        # Called by Quart when the response ends for any reason, including a
        # client disconnect (then under cancellation: nothing here awaits).
        if not self.stream.finished:
            self.stream.client_gone = True
            self.stream.scope.cancel()
        self._receive.close_receiver()


class StreamRegistry:
    def __init__(
        self,
        nursery: trio.Nursery,
        *,
        max_streams: int,
        keepalive: float = 10.0,
        release: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._nursery = nursery
        # called before each heap trim: caches the burst grew elsewhere
        self._release = release
        self.max_streams = max_streams
        self.keepalive = keepalive
        self.active: set[ChatStream] = set()
        self.closing = False
        self._idle = trio.Event()
        self._ticking = False
        # the most streams open at once since the heap was last trimmed
        self._peak = 0
        self._trimming = False
        self.trims = 0

    def open(self, producer: Callable[[ChatStream], Awaitable[None]]) -> StreamBody:
        if self.closing:
            raise ApiError(503, "the server is shutting down; try again shortly")
        if len(self.active) >= self.max_streams:
            raise ApiError(503, "too many chat streams on this server; try again shortly")
        events = EventQueue(32)
        stream = ChatStream(events)
        self.active.add(stream)
        self._peak = max(self._peak, len(self.active))
        self._idle = trio.Event()
        metrics.ACTIVE_STREAMS.inc()
        # A constant name: the default is a new string per task.
        self._nursery.start_soon(self._run, stream, producer, name="chat stream")
        if not self._ticking:
            self._ticking = True
            self._nursery.start_soon(self._tick)
        return StreamBody(stream, events)

    async def _tick(self) -> None:
        """Send keep-alives to silent streams; ends when no stream is left."""
        period = self.keepalive / 4
        try:
            while self.active:
                await trio.sleep(period)
                now = trio.current_time()
                for stream in self.active:
                    stream.keep_alive(now, self.keepalive)
        finally:
            self._ticking = False

    async def _run(
        self, stream: ChatStream, producer: Callable[[ChatStream], Awaitable[None]]
    ) -> None:
        try:
            # The producer's arguments (request rows: the character alone is
            # ~20 KB) must not be pinned here for the whole stream: the
            # producer drops what it no longer needs.
            work = producer(stream)
            del producer
            with stream.scope:
                await work
        except Exception:
            # One stream's bug must not end the process: the client gets an
            # error event and the log the traceback.
            log.exception("chat stream crashed")
            await stream.emit_final(error_event("internal error", 500))
        finally:
            if stream.scope.cancelled_caught and stream.abort_reason is not None:
                await stream.emit_final(error_event(*stream.abort_reason))
            stream.finished = True
            stream.close_sender()
            self.active.discard(stream)
            metrics.ACTIVE_STREAMS.dec()
            if not self.active:
                self._idle.set()
            if (
                not self._trimming
                and self._peak >= TRIM_AFTER_STREAMS
                and len(self.active) <= self._peak // 4
            ):
                self._trimming = True
                self._nursery.start_soon(self._trim, self._peak, name="heap trim")

    async def _trim(self, peak: int) -> None:
        # Once now, and again when the burst is over: every stream closed
        # (on a service that stays busy, BURST_END_WAIT at most), then
        # LATE_TRIM_DELAY for the clients to close their connections and the
        # burst's worker threads to exit (a thread that exits hands back the
        # memory it cached for itself).
        try:
            returned, garbage = await self._release_heap()
            self.trims += 1
            log.info(
                "freed heap returned to the system"
                if returned
                else "heap trimmed, nothing to return",
                extra={"peak_streams": peak, "garbage_objects": garbage},
            )
            with trio.move_on_after(BURST_END_WAIT):
                while self.active:  # noqa: ASYNC110 - no event for "none left" that lasts
                    await trio.sleep(1.0)
            await trio.sleep(LATE_TRIM_DELAY)
            _returned, garbage = await self._release_heap()
            log.info("heap trimmed after the burst", extra={"garbage_objects": garbage})
        finally:
            self._trimming = False
            self._peak = len(self.active)

    async def drain(self, grace: float) -> None:
        """Refuse new streams, let running ones finish for ``grace`` seconds,
        then abort the rest with an error event."""
        self.closing = True
        if not self.active:
            return
        with trio.move_on_after(grace):
            await self._idle.wait()
        for stream in list(self.active):
            stream.abort("the server is shutting down; please retry", 503)
        with trio.move_on_after(ABORT_GRACE):
            await self._idle.wait()

    async def _release_heap(self) -> tuple[bool, int]:
        """Release caches, collect garbage, then return the heap's free pages
        to the kernel; (whether a trim ran, objects collected)."""
        if self._release is not None:
            try:
                await self._release()
            except Exception:  # a cache that stays is no reason to skip the trim
                log.warning("releasing caches before the heap trim failed", exc_info=True)
        return await _collect_and_trim()


async def _collect_and_trim() -> tuple[bool, int]:
    # Garbage first: cancelled streams leave reference cycles (tasks, their
    # exceptions and frames) that only a full collection frees, and a quiet
    # service may not run one for minutes; until then they pin the pages the
    # trim is for. The collection holds the GIL (~50-100 ms once per burst);
    # malloc_trim walks the whole heap and runs in a thread.
    garbage = gc.collect()
    return await trio.to_thread.run_sync(release_free_heap), garbage
