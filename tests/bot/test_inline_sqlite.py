"""The inline SQLite connection: another process's write lock is waited for on the event loop
(which keeps serving), up to the busy timeout; other errors surface at once."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.storage import Store, create_engine, upgrade
from bot.storage.inline_sqlite import connector


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "remodel.db"


@pytest.fixture
def other_process(database: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection standing in for another process on the same file."""
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    try:
        yield connection
    finally:
        connection.close()


async def _beats_while(task: asyncio.Task[object]) -> int:
    """How many times the loop ran a 5 ms heartbeat until ``task`` finished."""
    beats = 0
    while not task.done():
        await asyncio.sleep(0.005)
        beats += 1
    return beats


async def test_a_locked_database_is_waited_for_without_blocking_the_loop(
    database: Path, other_process: sqlite3.Connection
) -> None:
    store = Store(create_engine(f"sqlite+aiosqlite:///{database}"))
    try:
        await upgrade(store.engine)
        other_process.execute("BEGIN IMMEDIATE")  # the other process holds the write lock

        async def write() -> float:
            async with store.transaction() as session:
                await session.execute(sa.text("CREATE TABLE scratch (n INTEGER)"))
            return time.monotonic()

        writer = asyncio.create_task(write())
        asyncio.get_running_loop().call_later(0.3, other_process.execute, "COMMIT")
        released = time.monotonic() + 0.3
        beats = await _beats_while(writer)
        assert await writer >= released - 0.05  # it waited for the lock...
        assert beats >= 20  # ...while the loop kept running (0.3 s of 5 ms beats)
        async with store.transaction() as session:
            assert (await session.execute(sa.text("SELECT count(*) FROM scratch"))).scalar() == 0
    finally:
        await store.dispose()


async def test_the_wait_ends_with_database_is_locked_after_the_busy_timeout(
    database: Path, other_process: sqlite3.Connection
) -> None:
    connection = await connector(str(database), busy_timeout=0.2)()
    try:
        other_process.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await connection.execute("BEGIN IMMEDIATE")
        assert 0.2 <= time.monotonic() - started < 2.0
        other_process.execute("COMMIT")
        await connection.execute("BEGIN IMMEDIATE")  # free again: no wait at all
        await connection.rollback()
    finally:
        await connection.close()


async def test_other_errors_are_raised_at_once(database: Path) -> None:
    connection = await connector(str(database), busy_timeout=30)()
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await connection.execute("SELECT * FROM nowhere")
        assert time.monotonic() - started < 1.0
    finally:
        await connection.close()


async def test_statements_rows_and_counts_pass_through(database: Path) -> None:
    connection = await connector(str(database), busy_timeout=1, pragmas=["foreign_keys = ON"])()
    try:
        cursor = await connection.execute("PRAGMA foreign_keys")
        assert await cursor.fetchall() == [(1,)]
        await connection.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, label TEXT)")
        cursor = await connection.cursor()
        await cursor.executemany("INSERT INTO t (label) VALUES (?)", iter([("a",), ("b",)]))
        assert cursor.rowcount == 2
        await cursor.execute("INSERT INTO t (label) VALUES (?)", ("c",))
        assert cursor.lastrowid == 3
        await cursor.execute("SELECT label FROM t ORDER BY n")
        assert cursor.description[0][0] == "label"
        assert await cursor.fetchone() == ("a",)
        assert await cursor.fetchmany(5) == [("b",), ("c",)]
        await cursor.close()
    finally:
        await connection.close()
