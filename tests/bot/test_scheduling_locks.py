"""Per-athlete locks: serialised per user, concurrent across users, bounded memory."""

from __future__ import annotations

import asyncio

from bot.scheduling import AthleteLocks


async def test_same_user_is_serialised_in_arrival_order() -> None:
    locks = AthleteLocks()
    order: list[str] = []
    gate = asyncio.Event()

    async def first() -> None:
        async with locks.for_user(1):
            order.append("first-in")
            await gate.wait()
            order.append("first-out")

    async def second() -> None:
        async with locks.for_user(1):
            order.append("second")

    tasks = [asyncio.create_task(first())]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(second()))
    for _ in range(10):
        await asyncio.sleep(0)
    assert order == ["first-in"]
    assert locks.locked(1)
    gate.set()
    await asyncio.gather(*tasks)
    assert order == ["first-in", "first-out", "second"]


async def test_different_users_run_concurrently() -> None:
    locks = AthleteLocks()
    both_inside = asyncio.Barrier(2)

    async def hold(user: int) -> None:
        async with locks.for_user(user):
            await asyncio.wait_for(both_inside.wait(), timeout=5)

    await asyncio.gather(hold(1), hold(2))


async def test_entries_are_dropped_when_released() -> None:
    locks = AthleteLocks()
    for user in range(1000):
        async with locks.for_user(user):
            assert len(locks) == 1
    assert len(locks) == 0


async def test_entry_survives_while_someone_waits() -> None:
    locks = AthleteLocks()
    gate = asyncio.Event()

    async def holder() -> None:
        async with locks.for_user(7):
            await gate.wait()

    async def waiter() -> None:
        async with locks.for_user(7):
            pass

    tasks = [asyncio.create_task(holder())]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(waiter()))
    await asyncio.sleep(0)
    assert len(locks) == 1
    gate.set()
    await asyncio.gather(*tasks)
    assert len(locks) == 0
