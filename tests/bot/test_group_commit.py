"""Group commit: concurrent writes share transactions; each caller still waits for its own
commit and sees its own failure (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import Athlete, GroupCommit, Store, get_or_create_athlete

if TYPE_CHECKING:
    from bot.clock import ManualClock


class Journal:
    """A ``write`` for the group commit: renames athletes, remembers each batch it got."""

    def __init__(self) -> None:
        self.batches: list[list[tuple[int, str]]] = []
        self.fail_next = False

    async def write(self, session: AsyncSession, items: list[tuple[int, str]]) -> None:
        self.batches.append(list(items))
        for athlete_id, name in items:
            await session.execute(
                sa.update(Athlete).where(Athlete.id == athlete_id).values(first_name=name)  # type: ignore[arg-type]
            )
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the database went away")


@pytest.fixture
def journal() -> Journal:
    return Journal()


@pytest.fixture
def group(store: Store, journal: Journal) -> GroupCommit[tuple[int, str]]:
    return GroupCommit(store, journal.write)


async def _athletes(store: Store, clock: ManualClock, count: int) -> list[int]:
    """``count`` new athletes, named "" (the default)."""
    ids = []
    async with store.transaction() as session:
        for n in range(count):
            athlete, _ = await get_or_create_athlete(
                session, telegram_user_id=500 + n, chat_id=500 + n, now=clock.now()
            )
            ids.append(athlete.id or 0)
    return ids


async def _names(store: Store) -> dict[int, str]:
    async with store.transaction() as session:
        rows = await session.execute(sa.select(Athlete.id, Athlete.first_name))
        return {row[0]: row[1] for row in rows}


async def test_one_write_alone_is_committed_when_submit_returns(
    store: Store, clock: ManualClock, journal: Journal, group: GroupCommit[tuple[int, str]]
) -> None:
    (athlete,) = await _athletes(store, clock, 1)
    await group.submit((athlete, "Ada"))
    assert (await _names(store))[athlete] == "Ada"
    assert journal.batches == [[(athlete, "Ada")]]


async def test_concurrent_writes_share_transactions_in_submission_order(
    store: Store, clock: ManualClock, journal: Journal, group: GroupCommit[tuple[int, str]]
) -> None:
    ids = await _athletes(store, clock, 6)
    await asyncio.gather(*(group.submit((athlete, f"N{athlete}")) for athlete in ids))
    assert journal.batches == [[(athlete, f"N{athlete}") for athlete in ids]]
    names = await _names(store)
    assert all(names[athlete] == f"N{athlete}" for athlete in ids)


async def test_writes_queued_during_a_flush_form_the_next_batch(
    store: Store, clock: ManualClock, journal: Journal, group: GroupCommit[tuple[int, str]]
) -> None:
    first, second, third = await _athletes(store, clock, 3)
    leading = asyncio.create_task(group.submit((first, "A")))
    await asyncio.sleep(0)  # the flusher takes the first item alone
    await asyncio.sleep(0)
    await asyncio.gather(leading, group.submit((second, "B")), group.submit((third, "C")))
    assert journal.batches == [[(first, "A")], [(second, "B"), (third, "C")]]


async def test_a_failed_batch_fails_each_of_its_writers_and_is_not_committed(
    store: Store, clock: ManualClock, journal: Journal, group: GroupCommit[tuple[int, str]]
) -> None:
    first, second = await _athletes(store, clock, 2)
    journal.fail_next = True
    outcomes = await asyncio.gather(
        group.submit((first, "lost")), group.submit((second, "lost")), return_exceptions=True
    )
    assert [type(o) for o in outcomes] == [RuntimeError, RuntimeError]
    names = await _names(store)
    assert names[first] == names[second] == ""
    # The group is not stuck: the next write goes through.
    await group.submit((first, "kept"))
    assert (await _names(store))[first] == "kept"


async def test_a_cancelled_writer_still_has_its_write_committed(
    store: Store, clock: ManualClock, journal: Journal, group: GroupCommit[tuple[int, str]]
) -> None:
    (athlete,) = await _athletes(store, clock, 1)
    waiter = asyncio.create_task(group.submit((athlete, "Grace")))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await group.submit((athlete, "Grace"))  # waits behind the cancelled caller's batch
    assert (await _names(store))[athlete] == "Grace"
    assert journal.batches[0] == [(athlete, "Grace")]
