"""EventQueue: the memory channel semantics the chat streams rely on."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from falsafa.chat.events import EventQueue


async def test_items_come_out_in_order_and_end_after_close() -> None:
    events = EventQueue(4)
    for item in (b"a", b"b", b"c"):
        events.put_nowait(item)
    events.close_sender()
    assert [await events.get(), events.get_nowait(), await events.get()] == [b"a", b"b", b"c"]
    with pytest.raises(trio.EndOfChannel):
        await events.get()
    with pytest.raises(trio.ClosedResourceError):
        events.put_nowait(b"d")


async def test_a_full_queue_blocks_the_sender_until_the_receiver_takes() -> None:
    events = EventQueue(2)
    events.put_nowait(b"1")
    events.put_nowait(b"2")
    with pytest.raises(trio.WouldBlock):
        events.put_nowait(b"3")
    sent = trio.Event()

    async def send() -> None:
        await events.put(b"3")
        sent.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(send)
        await trio.testing.wait_all_tasks_blocked()
        assert not sent.is_set() and len(events) == 2
        assert events.get_nowait() == b"1"
        await sent.wait()
    assert [events.get_nowait(), events.get_nowait()] == [b"2", b"3"]


async def test_a_waiting_receiver_wakes_on_put_and_on_close() -> None:
    events = EventQueue(2)
    got: list[bytes | str] = []

    async def receive() -> None:
        try:
            while True:
                got.append(await events.get())
        except trio.EndOfChannel:
            got.append("end")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(receive)
        await trio.testing.wait_all_tasks_blocked()
        events.put_nowait(b"x")
        await trio.testing.wait_all_tasks_blocked()
        events.close_sender()
    assert got == [b"x", "end"]


async def test_closing_the_receiver_breaks_a_waiting_sender() -> None:
    events = EventQueue(1)
    events.put_nowait(b"1")
    failures: list[type[BaseException]] = []

    async def send() -> None:
        try:
            await events.put(b"2")
        except trio.BrokenResourceError as exc:
            failures.append(type(exc))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(send)
        await trio.testing.wait_all_tasks_blocked()
        events.close_receiver()
    assert failures == [trio.BrokenResourceError] and len(events) == 0
    with pytest.raises(trio.BrokenResourceError):
        events.put_nowait(b"3")


async def test_a_cancelled_wait_leaves_the_queue_usable() -> None:
    events = EventQueue(1)
    with trio.move_on_after(0.01) as scope:
        await events.get()
    assert scope.cancelled_caught
    events.put_nowait(b"after")
    assert await events.get() == b"after"
    events.put_nowait(b"full")
    with trio.move_on_after(0.01) as scope:
        await events.put(b"blocked")
    assert scope.cancelled_caught
    assert events.get_nowait() == b"full"
    await events.put(b"room")
    assert events.get_nowait() == b"room"
