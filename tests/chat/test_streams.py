"""StreamRegistry: what a running stream keeps alive."""

from __future__ import annotations

import gc
import weakref
from functools import partial

import trio

from falsafa.chat.streams import ChatStream, StreamRegistry


class Rows:
    """Stands for request rows a producer needs only at its start."""


async def test_the_registry_does_not_pin_the_producers_arguments() -> None:
    started, release = trio.Event(), trio.Event()
    seen: list[weakref.ref[Rows]] = []

    async def producer(rows: Rows, stream: ChatStream) -> None:
        seen.append(weakref.ref(rows))
        del rows  # done with it: nothing else may keep it for the stream's life
        started.set()
        await release.wait()
        await stream.emit(b"data: done\n\n")

    async with trio.open_nursery() as nursery:
        registry = StreamRegistry(nursery, max_streams=10)
        body = registry.open(partial(producer, Rows()))
        await started.wait()
        gc.collect()
        assert seen[0]() is None
        release.set()
        assert await body.__anext__() == b"data: done\n\n"
        await body.aclose()
