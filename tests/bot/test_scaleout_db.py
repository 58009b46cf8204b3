"""Several workers on one PostgreSQL: what they share through the database.

Each "worker" here is its own engine (its own connections), as a separate process would be:
the per-athlete transaction lock, the ticker's leadership, the shared send budget and the
migration lock are all PostgreSQL's, never this process's memory.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import SendingSettings
from bot.receiving.ledger import UpdateLedger
from bot.scheduling import AthleteLocks
from bot.scheduling.leader import TickerLeadership
from bot.sending.pacer import background_sends
from bot.sending.shared_pacer import SharedPacer, hold_key
from bot.storage import Store, create_engine, current_revision, head_revision, upgrade

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


class Workers:
    """Makes engines ("workers") on one migrated, test-private PostgreSQL schema."""

    def __init__(self, url: str, schema: str) -> None:
        self.url, self.schema = url, schema
        self.engines: list[AsyncEngine] = []

    def __call__(self) -> AsyncEngine:
        engine = create_engine(
            self.url, connect_args={"server_settings": {"search_path": self.schema}}
        )
        self.engines.append(engine)
        return engine


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Workers]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    workers = Workers(postgres_url, schema)
    try:
        await upgrade(workers())
        yield workers
    finally:
        for engine in workers.engines:
            await engine.dispose()
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


async def test_one_athletes_transactions_queue_across_workers(pg: Workers) -> None:
    """Two workers (two stores, two in-process lock registries) read-modify-write the same
    athlete at once: the second reads what the first committed, so no update is lost; another
    athlete is not held up."""
    first, second = Store(pg()), Store(pg())
    async with first.transaction() as session:
        await session.execute(sa.text("CREATE TABLE counters (id bigint PRIMARY KEY, n int)"))
        await session.execute(sa.text("INSERT INTO counters VALUES (1, 0), (2, 0)"))
    inside = asyncio.Event()
    release = asyncio.Event()
    other_done = asyncio.Event()

    async def increment(store: Store, locks: AthleteLocks, user: int, hold: bool) -> None:
        async with locks.for_user(user), store.transaction() as session:
            n = (
                await session.execute(sa.text("SELECT n FROM counters WHERE id = :u"), {"u": user})
            ).scalar_one()
            if hold:
                inside.set()
                await release.wait()  # the other worker's transaction must wait meanwhile
            await session.execute(
                sa.text("UPDATE counters SET n = :n WHERE id = :u"), {"n": n + 1, "u": user}
            )

    async def other_athlete() -> None:
        await inside.wait()
        await increment(second, AthleteLocks(), 2, hold=False)
        other_done.set()

    holder = asyncio.create_task(increment(first, AthleteLocks(), 1, hold=True))
    await inside.wait()
    racer = asyncio.create_task(increment(second, AthleteLocks(), 1, hold=False))
    other = asyncio.create_task(other_athlete())
    await asyncio.wait_for(other_done.wait(), 10)  # athlete 2 is not held up by athlete 1
    assert not racer.done(), "athlete 1's second transaction waits for the first's commit"
    release.set()
    await asyncio.gather(holder, racer, other)
    async with first.transaction() as session:
        rows = dict((await session.execute(sa.text("SELECT id, n FROM counters"))).all())
    assert rows == {1: 2, 2: 1}, "no lost update"


async def test_ticker_leadership_moves_when_the_leader_goes(pg: Workers) -> None:
    a, b = TickerLeadership(pg()), TickerLeadership(pg())
    assert await a.check()
    assert not await b.check(), "one leader at a time"
    assert await a.check(), "the leader keeps it"
    assert (a.is_leader, b.is_leader) == (True, False)
    await a.release()
    assert await b.check(), "a standby takes over once the leader let go"
    assert not await a.check()
    # A leader whose session dies (a SIGKILLed process) frees the lock with it.
    assert b._connection is not None
    await b._connection.invalidate()
    b._connection = None
    assert await a.check()
    await a.release()


async def test_two_workers_share_one_send_budget(pg: Workers) -> None:
    """Reservations from two workers draw from one global bucket: 40 sends at 10/s reserve
    slots reaching 4 s ahead, however they are split between the workers."""
    settings = SendingSettings(
        global_per_second=10, global_burst=1, per_chat_per_second=1, per_chat_burst=3
    )
    engine = pg()
    workers = [SharedPacer(engine, settings), SharedPacer(pg(), settings)]
    async with engine.connect() as connection:
        start = (
            await connection.execute(sa.text("SELECT extract(epoch FROM clock_timestamp())"))
        ).scalar_one()
    delays = await asyncio.gather(
        *(workers[i % 2]._reserve(1000 + i, hold_key(1000 + i)) for i in range(40))
    )
    assert all(d is not None and d >= 0 for d in delays), "every chat was ready"
    async with engine.connect() as connection:
        tat = (
            await connection.execute(sa.text("SELECT tat FROM send_pacing WHERE key = 0"))
        ).scalar_one()
    assert tat >= float(start) + 40 * 0.1 - 1e-6, "40 distinct global slots, 0.1 s apart"
    # A chat that used its burst is refused without taking a global slot (the global bucket
    # idle again first, so that the chat's burst is not spread over the backlog).
    async with engine.begin() as connection:
        await connection.execute(sa.text("UPDATE send_pacing SET tat = 0 WHERE key = 0"))
    chat = [await workers[0]._reserve(7, hold_key(7)) for _ in range(4)]
    # Burst 3 with one token kept back for timing jitter: two at once, then the chat waits.
    assert [d is not None and d < 0 for d in chat] == [False, False, True, True]
    async with engine.connect() as connection:
        after, now = (
            await connection.execute(
                sa.text(
                    "SELECT tat, extract(epoch FROM clock_timestamp()) "
                    "FROM send_pacing WHERE key = 0"
                )
            )
        ).one()
    assert after <= float(now) + 2 * 0.1, "two slots taken, the refused ones took nothing"
    assert sum(w.reservations for w in workers) == 44
    assert sum(w.fallbacks for w in workers) == 0


async def test_the_shared_budget_allows_a_short_burst_then_the_steady_rate(
    pg: Workers,
) -> None:
    """As the in-process pacer: ``global_burst`` sends at once after a pause, then one per
    ``1 / global_rate``, across workers. Slow rates, so that a loaded machine's round trips
    (a few ms each) do not blur the slots."""
    settings = SendingSettings(global_per_second=2, global_burst=2)  # steady 1/s
    workers = [SharedPacer(pg(), settings), SharedPacer(pg(), settings)]
    delays = [await workers[i % 2]._reserve(3000 + i, hold_key(3000 + i)) for i in range(5)]
    assert all(d is not None for d in delays)
    assert [float(d or 0) for d in delays] == [
        pytest.approx(slot, abs=0.3) for slot in (0, 0, 1, 2, 3)
    ], "two at once, then one per second: never more than 2 in any second"


async def test_a_reply_does_not_queue_behind_another_workers_background_sends(
    pg: Workers,
) -> None:
    """The leader's ticker sends a crowd while another worker replies to two taps: the
    crowd takes a slot only from a full bucket, so the rest of the burst is the replies'
    and both go at once (they used to wait behind every slot the crowd had reserved)."""
    settings = SendingSettings(global_per_second=3, global_burst=3)  # a burst of 3, then 1/s
    ticker, replier = SharedPacer(pg(), settings), SharedPacer(pg(), settings)
    spare = ticker._background_spare
    crowd = [await ticker._reserve(4000 + i, hold_key(4000 + i), spare=spare) for i in range(4)]
    assert crowd[0] == pytest.approx(0, abs=0.3)
    assert all(d is not None and d < 0 for d in crowd[1:]), "not ready: nothing reserved"
    for chat in (5000, 5001):
        assert await replier._reserve(chat, hold_key(chat)) == pytest.approx(0, abs=0.3)
    # Nothing is left for the crowd now: its next send waits for the bucket to refill.
    later = await ticker._reserve(4010, hold_key(4010), spare=spare)
    assert later is not None
    assert later < -0.5


async def test_background_deletions_leave_another_workers_edit_its_slot(pg: Workers) -> None:
    """A worker deleting finished check-ins' trails (background calls) leaves the calls'
    last token to another worker's recap edit: the edit's slot is free at once."""
    settings = SendingSettings(global_per_second=2, global_burst=2)  # a burst of 2, then 1/s
    deleter, editor = SharedPacer(pg(), settings), SharedPacer(pg(), settings)
    with background_sends():
        await deleter.wait_call(7001)  # takes one token, leaves one
        second = asyncio.create_task(deleter.wait_call(7002))  # must wait for the refill
        await asyncio.sleep(0.1)
    assert not second.done(), "the background call did not take the last token"
    assert await editor._reserve(0, hold_key(7003), call=True) == pytest.approx(0, abs=0.3)
    await second


async def test_the_tickers_concurrent_sends_ask_for_slots_in_turn(pg: Workers) -> None:
    """Ten scheduled sends at once: each waits its turn for the refilling bucket instead of
    all waking together and asking again, a round trip each per slot (measured: 46 round
    trips for ten sends without the turn, 19 with it)."""
    settings = SendingSettings(global_per_second=20, global_burst=2)
    pacer = SharedPacer(pg(), settings)
    with background_sends():
        await asyncio.gather(*(pacer.wait(6000 + i) for i in range(10)))
    assert pacer.fallbacks == 0
    assert pacer.reservations <= 25, pacer.reservations


async def test_a_flood_hold_reaches_the_other_worker(pg: Workers) -> None:
    settings = SendingSettings()
    a, b = SharedPacer(pg(), settings), SharedPacer(pg(), settings)
    a.hold(42, 30)
    await a.close()
    delay = await b._reserve(42, hold_key(42))
    assert delay is not None
    assert delay < -25, "the other worker sees the chat held ~30 s"
    call = await b._reserve(0, hold_key(42))
    assert call is not None
    assert call < -25, "edits to a held chat wait too"
    # An edit to a chat that merely used its message burst is not held back.
    for _ in range(2):
        assert (await b._reserve(43, hold_key(43)) or 0) >= 0
    assert (await b._reserve(43, hold_key(43)) or 0) < 0, "the chat's message budget is used"
    edit = await b._reserve(0, hold_key(43))
    assert edit is not None
    assert edit >= 0, "an edit only needs a global slot"


async def test_four_processes_migrating_an_empty_database_all_succeed(postgres_url: str) -> None:
    """The deploy race: four ``remodel db upgrade`` started at once on an empty database."""
    name = f"remodel_scaleout_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REMODEL_")}
        env.update(PYTHONPATH=str(ROOT), REMODEL_DATABASE_URL=url)
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "db",
                "upgrade",
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(4)
        ]
        results = [await asyncio.wait_for(p.communicate(), 120) for p in processes]
        codes = [p.returncode for p in processes]
        assert codes == [0, 0, 0, 0], [err.decode()[-500:] for _, err in results]
        engine = create_engine(url)
        try:
            assert await current_revision(engine) == head_revision()
        finally:
            await engine.dispose()
    finally:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


async def test_edits_and_answers_have_a_budget_of_their_own(pg: Workers) -> None:
    """Calls that are not messages draw from their own global bucket: a backlog of
    messages does not delay a press's answer, and calls are capped across workers too."""
    settings = SendingSettings(global_per_second=10, global_burst=1)
    a, b = SharedPacer(pg(), settings), SharedPacer(pg(), settings)
    for i in range(20):  # two seconds of messages reserved ahead
        assert (await a._reserve(2000 + i, hold_key(2000 + i)) or 0) >= 0
    call = await b._reserve(0, 0, call=True)
    assert call is not None
    assert call < 0.1, "the call is not queued behind the messages"
    calls = [await (a if i % 2 else b)._reserve(0, 0, call=True) for i in range(10)]
    assert max(c or 0 for c in calls) > 0.5, "ten more calls at 10/s reach ~1 s ahead"


# --- the update ledger: each update handled once across workers ---------------------------


async def test_a_copy_on_another_worker_waits_for_the_original_then_is_skipped(
    pg: Workers,
) -> None:
    a, b = UpdateLedger(pg()), UpdateLedger(pg())
    handling = asyncio.Event()
    finish = asyncio.Event()

    async def original() -> bool:
        async with a.turn(501, 42) as fresh:
            handling.set()
            await finish.wait()
            return fresh

    first = asyncio.create_task(original())
    await handling.wait()

    async def copy() -> bool:
        async with b.turn(501, 42) as fresh:
            return fresh

    second = asyncio.create_task(copy())
    await asyncio.sleep(0.3)
    assert not second.done(), "the copy waits for the athlete's turn"
    finish.set()
    assert await first is True
    assert await second is False, "handled already: acknowledged, not handled"
    # Another athlete's update never waited for either.
    async with b.turn(502, 43) as fresh:
        assert fresh
    await a.close()
    await b.close()


async def test_a_worker_that_dies_mid_update_leaves_it_to_the_copy(pg: Workers) -> None:
    a, b = UpdateLedger(pg()), UpdateLedger(pg())
    turn = a.turn(601, 42)
    assert await turn.__aenter__() is True
    # SIGKILL: the session ends (its lock with it); the update was never recorded.
    assert a._connection is not None
    await a._connection.invalidate()
    async with asyncio.timeout(5):
        async with b.turn(601, 42) as fresh:
            assert fresh, "the copy is handled: at least once, never lost"
    await b.close()


async def test_an_update_whose_handling_failed_is_handled_again(pg: Workers) -> None:
    a, b = UpdateLedger(pg()), UpdateLedger(pg())
    with pytest.raises(asyncio.CancelledError):
        async with a.turn(701, 42):
            raise asyncio.CancelledError  # a shutdown cut it short
    async with b.turn(701, 42) as fresh:
        assert fresh
    async with a.turn(701, 42) as fresh:
        assert not fresh
    await a.close()
    await b.close()


async def test_the_ledger_turn_and_the_transaction_locks_never_wait_for_each_other(
    pg: Workers,
) -> None:
    """While a worker holds the athlete's turn, its own transactions on that athlete take
    pg_advisory_xact_lock(user id) on other connections: a separate key space."""
    engine = pg()
    ledger, store = UpdateLedger(engine), Store(engine)
    async with asyncio.timeout(5), ledger.turn(801, 42) as fresh:
        assert fresh
        async with AthleteLocks().for_user(42), store.transaction() as session:
            await session.execute(sa.text("SELECT 1"))
    await ledger.close()


async def test_without_the_database_the_update_is_handled_anyway() -> None:
    engine = create_engine("postgresql+asyncpg://remodel@127.0.0.1:1/none")
    ledger = UpdateLedger(engine)
    try:
        async with ledger.turn(901, 42) as fresh:
            assert fresh, "a copy is a lesser harm than a lost answer"
        async with ledger.turn(901, 42) as fresh:
            assert not fresh, "this process still remembers it"
    finally:
        await ledger.close()
        await engine.dispose()
