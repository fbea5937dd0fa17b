"""A small bounded queue of SSE events between a stream's producer and its body.

Usage::

    events = EventQueue(32)
    events.put_nowait(b"data: ...\\n\\n")   # trio.WouldBlock when full
    await events.put(event)                 # waits for room
    event = await events.get()              # trio.EndOfChannel once closed and empty
    events.close_sender()                   # the producer is done
    events.close_receiver()                 # the client left: puts raise BrokenResourceError

What a trio memory channel offers this use (buffer, back-pressure, closing
from either end, the same exceptions), for a fraction of its memory: one is
alive per open stream, and the channel's state, its two ends and their task
sets cost ~2 KB a stream at 1,000 streams. One receiver (the body) and
producers that are never waiting at the same time (the stream's task; the
keep-alive ticker only uses ``put_nowait``).
"""

from __future__ import annotations

from collections import deque

import trio

__all__ = ["EventQueue"]


class EventQueue:
    __slots__ = ("_items", "_limit", "_receiver", "_receiver_closed", "_sender", "_sender_closed")

    def __init__(self, limit: int) -> None:
        self._items: deque[bytes] = deque()
        self._limit = limit
        self._sender_closed = False
        self._receiver_closed = False
        self._sender: trio.lowlevel.Task | None = None
        self._receiver: trio.lowlevel.Task | None = None

    def __len__(self) -> int:
        return len(self._items)

    def put_nowait(self, item: bytes) -> None:
        if self._receiver_closed:
            raise trio.BrokenResourceError("the receiver is closed")
        if self._sender_closed:
            raise trio.ClosedResourceError("the sender is closed")
        if len(self._items) >= self._limit:
            raise trio.WouldBlock
        self._items.append(item)
        self._wake("_receiver")

    async def put(self, item: bytes) -> None:
        await trio.lowlevel.checkpoint_if_cancelled()
        while True:
            try:
                self.put_nowait(item)
            except trio.WouldBlock:
                pass
            else:
                break
            await self._park("_sender")
        await trio.lowlevel.cancel_shielded_checkpoint()

    def get_nowait(self) -> bytes:
        if self._receiver_closed:
            raise trio.ClosedResourceError("the receiver is closed")
        if self._items:
            item = self._items.popleft()
            self._wake("_sender")
            return item
        if self._sender_closed:
            raise trio.EndOfChannel
        raise trio.WouldBlock

    async def get(self) -> bytes:
        await trio.lowlevel.checkpoint_if_cancelled()
        while True:
            try:
                item = self.get_nowait()
            except trio.WouldBlock:
                pass
            else:
                break
            await self._park("_receiver")
        await trio.lowlevel.cancel_shielded_checkpoint()
        return item

    def close_sender(self) -> None:
        self._sender_closed = True
        self._wake("_receiver")

    def close_receiver(self) -> None:
        self._receiver_closed = True
        self._items.clear()
        self._wake("_sender")

    def _wake(self, slot: str) -> None:
        task = getattr(self, slot)
        if task is not None:
            setattr(self, slot, None)
            trio.lowlevel.reschedule(task)

    async def _park(self, slot: str) -> None:
        """Wait until the other end reschedules us (it clears the slot; a
        cancellation clears it here)."""
        if getattr(self, slot) is not None:
            raise trio.BusyResourceError(f"another task is already waiting ({slot})")
        task = trio.lowlevel.current_task()
        setattr(self, slot, task)

        def abort(_: object) -> trio.lowlevel.Abort:
            if getattr(self, slot) is task:
                setattr(self, slot, None)
            return trio.lowlevel.Abort.SUCCEEDED

        await trio.lowlevel.wait_task_rescheduled(abort)
