"""StreamRegistry: what a running stream keeps alive, and what a burst
of streams gives back."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Awaitable, Callable
from functools import partial

import pytest
import trio
import trio.testing

from falsafa.chat.streams import TRIM_AFTER_STREAMS, ChatStream, StreamRegistry


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


async def burst(release: Callable[[StreamRegistry], Awaitable[None]]) -> StreamRegistry:
    """TRIM_AFTER_STREAMS streams that all end: the registry trims twice,
    calling ``release(registry)`` before each trim."""
    go = trio.Event()

    async def producer(stream: ChatStream) -> None:
        await go.wait()

    async with trio.open_nursery() as nursery:
        registry = StreamRegistry(
            nursery, max_streams=TRIM_AFTER_STREAMS, release=lambda: release(registry)
        )
        bodies = [registry.open(producer) for _ in range(TRIM_AFTER_STREAMS)]
        await trio.testing.wait_all_tasks_blocked()
        go.set()
    for body in bodies:
        await body.aclose()
    return registry


async def test_a_burst_releases_the_caches_before_each_heap_trim(
    autojump_clock: trio.testing.MockClock,
) -> None:
    trims_before_release: list[int] = []

    async def release(registry: StreamRegistry) -> None:
        trims_before_release.append(registry.trims)

    registry = await burst(release)
    # Once as three quarters had closed, again LATE_TRIM_DELAY after the last.
    assert trims_before_release == [0, 1]
    assert registry.trims == 1 and not registry.active


async def test_a_release_that_fails_does_not_stop_the_trims(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    async def release(registry: StreamRegistry) -> None:
        raise OSError("disk gone")

    registry = await burst(release)
    assert registry.trims == 1
    failed = [r for r in caplog.records if r.msg.startswith("releasing caches")]
    assert len(failed) == 2 and all(r.levelname == "WARNING" for r in failed)
