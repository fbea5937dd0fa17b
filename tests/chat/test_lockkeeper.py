"""The lock keeper: one task renews every held lock; a lost lock cancels its holder."""

from __future__ import annotations

from collections.abc import Sequence

import trio
import trio.testing

from falsafa.chat.lockkeeper import LockKeeper
from falsafa.locks import SessionLock, SessionLocks
from falsafa.redisio import RedisUnavailable


class FakeLocks:
    """``renew_many`` answers from ``alive`` (or raises while ``down``)."""

    def __init__(self, ttl: float = 3.0) -> None:
        self.ttl_ms = int(ttl * 1000)
        self.alive: dict[str, bool] = {}
        self.down = False
        self.batches: list[list[str]] = []

    async def renew_many(self, locks: Sequence[SessionLock]) -> list[bool]:
        self.batches.append([lock.key for lock in locks])
        if self.down:
            raise RedisUnavailable("down")
        return [self.alive.get(lock.key, True) for lock in locks]

    async def confirm(self, lock: SessionLock) -> bool:
        return (await self.renew_many([lock]))[0]


def keeper_for(fake: FakeLocks, nursery: trio.Nursery) -> LockKeeper:
    return LockKeeper(fake, nursery)  # type: ignore[arg-type]


async def test_held_locks_are_renewed_together(autojump_clock: trio.abc.Clock) -> None:
    fake = FakeLocks()
    async with trio.open_nursery() as nursery:
        keeper = keeper_for(fake, nursery)
        with keeper.hold(SessionLock("a", "t")) as a, keeper.hold(SessionLock("b", "t")) as b:
            await trio.sleep(3.5)
        assert not a.lost and not b.lost
    # every TTL/3, both in one round trip; the task ended with the last holder
    assert len(fake.batches) == 3
    assert all(sorted(batch) == ["a", "b"] for batch in fake.batches)


async def test_a_lost_lock_cancels_only_its_holder(autojump_clock: trio.abc.Clock) -> None:
    fake = FakeLocks()
    async with trio.open_nursery() as nursery:
        keeper = keeper_for(fake, nursery)
        fake.alive["a"] = False
        with keeper.hold(SessionLock("b", "t")) as b:
            with keeper.hold(SessionLock("a", "t")) as a, a.scope:
                await trio.sleep(60)
            assert a.lost and a.scope.cancelled_caught
            assert trio.current_time() < 1.1  # at the first renewal
            assert not b.lost


async def test_redis_down_for_a_ttl_loses_the_lock(autojump_clock: trio.abc.Clock) -> None:
    fake = FakeLocks(ttl=3.0)
    async with trio.open_nursery() as nursery:
        keeper = keeper_for(fake, nursery)
        with keeper.hold(SessionLock("a", "t")) as a, a.scope:
            await trio.sleep(1.5)
            fake.down = True
            await trio.sleep(60)
        # last confirmed at t=1; lost at the first failed renewal past t=4
        assert a.lost
        assert 4.0 <= trio.current_time() <= 5.1


async def test_ownership_is_checked_every_second_whatever_the_ttl(
    autojump_clock: trio.abc.Clock,
) -> None:
    fake = FakeLocks(ttl=30.0)
    async with trio.open_nursery() as nursery:
        keeper = keeper_for(fake, nursery)
        fake.alive["a"] = False
        with keeper.hold(SessionLock("a", "t")) as a, a.scope:
            await trio.sleep(60)
        # lost at the first check, not at a renewal 10 s in
        assert a.lost and trio.current_time() < 1.1
    assert len(fake.batches) == 1


async def test_still_ours_is_the_fence_before_a_save(autojump_clock: trio.abc.Clock) -> None:
    fake = FakeLocks(ttl=3.0)
    async with trio.open_nursery() as nursery:
        keeper = keeper_for(fake, nursery)
        with keeper.hold(SessionLock("a", "t")) as a, keeper.hold(SessionLock("b", "t")) as b:
            assert await keeper.still_ours(a)
            fake.alive["b"] = False
            assert not await keeper.still_ours(b) and b.lost
            assert not await keeper.still_ours(b)  # lost stays lost
            # Redis unreachable: ours while confirmed within the TTL, then not.
            fake.down = True
            assert await keeper.still_ours(a)
            await trio.sleep(3.0)
            assert not await keeper.still_ours(a)


async def test_renew_many_with_redis(redis_url: str, redis_client: object) -> None:
    from falsafa.redisio import RedisIO

    redis = RedisIO.from_url(redis_url)
    try:
        locks = SessionLocks(redis, ttl=30)
        mine = await locks.acquire("s1")
        theirs = await locks.acquire("s2")
        assert mine is not None and theirs is not None
        await redis.call(lambda r: r.set(theirs.key, "someone else"))
        assert await locks.renew_many([mine, theirs]) == [True, False]
        assert await locks.renew_many([]) == []
        assert await locks.confirm(mine) and not await locks.confirm(theirs)
        await locks.release(mine)
    finally:
        redis.close()
