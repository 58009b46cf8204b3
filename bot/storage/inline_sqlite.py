"""SQLite on the event loop's own thread, behind the interface SQLAlchemy's aiosqlite dialect
drives.

aiosqlite runs every call (open a cursor, execute, fetch, close, commit) on a worker thread
and hands the result back through the event loop. For the bot's statements (a primary-key
read, a one-row update) that hand-off costs far more than SQLite itself: measured on the
bench machine, ~48 µs of CPU per call through aiosqlite against ~1 µs for the same call made
directly, and an answer's transaction makes about fifteen of them. :class:`InlineConnection`
makes the same calls directly; SQLAlchemy still sees the aiosqlite dialect it knows (same URL
scheme, same error classes, which aiosqlite re-exports from :mod:`sqlite3`).

What this changes, and why it is safe here:

* **Waiting for the lock never blocks the loop.** The connection runs with SQLite's own
  ``busy_timeout`` at 0; a statement refused with ``SQLITE_BUSY`` (another process holds the
  write lock) is retried after an ``asyncio.sleep`` with backoff, up to ``busy_timeout``
  seconds, then the error is raised as before. ``SQLITE_BUSY`` means the statement did not
  run, so running it again is sound. Within the process, :class:`bot.storage.engine.Store`
  queues its transactions on an ``asyncio.Lock``, so they never meet each other's lock.
* **Statements are short.** Every hot-path query is an index lookup or a one-row write; the
  scans (the ticker's due athletes) are bounded by ``LIMIT``. A long statement would hold the
  loop for its duration, which is why this connection is only used for SQLite files where
  that holds; PostgreSQL goes through asyncpg, natively asynchronous.
* **Disk.** With WAL and ``synchronous=NORMAL`` a commit appends to the WAL without an
  ``fsync``; only the occasional automatic checkpoint syncs, inline.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

__all__ = ["InlineConnection", "InlineCursor", "connector"]

R = TypeVar("R")

#: First and longest pause between attempts while another process holds the write lock.
_FIRST_PAUSE_S = 0.001
_LONGEST_PAUSE_S = 0.1


class InlineCursor:
    """The async cursor interface the aiosqlite dialect uses, over a :class:`sqlite3.Cursor`."""

    __slots__ = ("_connection", "_cursor")

    def __init__(self, connection: InlineConnection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await self._connection.when_unlocked(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        # A list, so that a retry after SQLITE_BUSY sees every row again.
        rows = list(parameters)
        await self._connection.when_unlocked(self._cursor.executemany, sql, rows)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """The async connection interface the aiosqlite dialect uses, over a
    :class:`sqlite3.Connection` in autocommit mode (``BEGIN`` comes from the engine)."""

    __slots__ = ("_busy_timeout", "_connection")

    def __init__(self, connection: sqlite3.Connection, busy_timeout: float) -> None:
        self._connection = connection
        self._busy_timeout = busy_timeout

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level

    async def when_unlocked(self, call: Callable[..., R], *args: Any) -> R:
        """``call(*args)``, retried while SQLite answers ``SQLITE_BUSY``, pausing on the loop
        between attempts, for at most the busy timeout."""
        try:
            return call(*args)
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise
        deadline = time.monotonic() + self._busy_timeout
        pause = _FIRST_PAUSE_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return call(*args)  # the last attempt: its error is the caller's
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, _LONGEST_PAUSE_S)
            try:
                return call(*args)
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise

    async def cursor(self) -> InlineCursor:
        return InlineCursor(self, self._connection.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        cursor = await self.cursor()
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        await self.when_unlocked(self._connection.commit)

    async def rollback(self) -> None:
        self._connection.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._connection.create_function(*args, **kwargs)

    async def close(self) -> None:
        self._connection.close()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's forced termination)."""
        self._connection.close()


def _is_busy(error: sqlite3.OperationalError) -> bool:
    # Extended codes (SQLITE_BUSY_RECOVERY, _SNAPSHOT, _TIMEOUT) share the low byte.
    return getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


def connector(
    database: str, *, busy_timeout: float, uri: bool = False, pragmas: Sequence[str] = ()
) -> Callable[[], Awaitable[InlineConnection]]:
    """An ``async_creator`` for ``create_async_engine``: opens ``database`` in autocommit
    mode with SQLite's busy timeout off (:meth:`InlineConnection.when_unlocked` waits
    instead), then runs ``pragmas`` (``"journal_mode = WAL"``...)."""

    async def connect() -> InlineConnection:
        # check_same_thread off: the pool may close a connection from a finalizer elsewhere;
        # statements themselves only ever run on the loop's thread.
        raw = sqlite3.connect(database, isolation_level=None, check_same_thread=False, uri=uri)
        connection = InlineConnection(raw, busy_timeout)
        try:
            await connection.when_unlocked(raw.execute, "PRAGMA busy_timeout = 0")
            for pragma in pragmas:
                await connection.when_unlocked(raw.execute, f"PRAGMA {pragma}")
        except BaseException:
            raw.close()
            raise
        return connection

    return connect
