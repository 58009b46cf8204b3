"""Engine and transactions.

:func:`create_engine` builds the ``AsyncEngine`` for a URL:

* **SQLite**: the aiosqlite dialect over :mod:`bot.storage.inline_sqlite`'s connection, which
  runs SQLite calls on the loop's thread (aiosqlite's thread hand-off cost more than the
  statements) and waits for another process's lock with ``asyncio.sleep``, up to
  :data:`SQLITE_BUSY_TIMEOUT_MS`. WAL journal (readers never block the writer), foreign keys
  on, and every transaction opened with ``BEGIN IMMEDIATE``. The last point matters: a
  deferred transaction that reads and then writes can fail with "database is locked" when
  another connection wrote in between, and no busy wait helps there. Taking the write lock up
  front makes transactions simply queue. The price is that transactions must be short; none
  is held across a Telegram call anywhere in the bot.
* **PostgreSQL** (asyncpg): a regular pool, last-in first-out, so a busy bot keeps reusing
  its few warm connections. A connection that sat idle for :data:`PING_AFTER_IDLE_SECONDS`
  is pinged before it is handed out, and replaced if the server went away (a restart, a
  failover, an idle timeout), as ``pool_pre_ping`` would; one used within that time goes out
  as it is. ``pool_pre_ping`` pinged every checkout, and the asyncpg dialect's ping is three
  round trips (BEGIN, an empty statement, ROLLBACK): measured here, 0.4 ms of CPU and 3 ms of
  wall time added to each transaction, a few of them on the path of every reply. What the
  shortcut gives up: a server that restarts in less than that idle time and a connection
  used just before it; the next transaction on it fails once (rolled back, the athlete told to
  try again, nothing stored half), and the pool replaces it.

:class:`Store` is the unit of work the handlers and the ticker use::

    async with store.transaction() as session:
        athlete = await get_or_create_athlete(session, ...)

The transaction commits when the block exits normally and rolls back on an exception. Objects
stay usable after the commit (``expire_on_commit=False``).

**Athlete scope (order across processes).** Code that works for one athlete runs inside
:func:`athlete_scope` (the per-athlete lock of :mod:`bot.scheduling.locks` enters it for
every update and every ticker send). On PostgreSQL, each transaction opened in that scope
first takes ``pg_advisory_xact_lock(telegram_user_id)``: the read-modify-write of an answer
is then serialized with every other worker's transactions for the same athlete, and the lock
goes with the commit (never held across a Telegram call). SQLite takes its one write lock
per transaction anyway (``BEGIN IMMEDIATE``), and runs one process.

On SQLite the store also queues its own transactions on an ``asyncio.Lock`` before
``BEGIN IMMEDIATE``. SQLite admits one writer at a time anyway; without the queue, every
waiting connection would poll the file lock (pausing 1 to 100 ms between attempts), so the
lock would sit idle between holders. With it, the next transaction starts the moment the
previous one commits. It orders this process only: other processes still meet SQLite's lock
and the busy wait, and waiting for the queue is bounded by the same timeout.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import StaticPool

from bot.config import normalize_database_url
from bot.storage.inline_sqlite import connector
from bot.update_timing import mark

__all__ = [
    "PING_AFTER_IDLE_SECONDS",
    "SQLITE_BUSY_TIMEOUT_MS",
    "Store",
    "athlete_scope",
    "create_engine",
    "current_athlete_scope",
    "discard_connection",
    "is_postgres",
    "is_sqlite",
]

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000

#: A PostgreSQL connection idle for this long is pinged before use (see the module docstring).
PING_AFTER_IDLE_SECONDS = 2.0

#: The Telegram user id whose work the current task does (``None`` outside athlete work).
_ATHLETE: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "remodel_athlete_scope", default=None
)

_XACT_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


async def discard_connection(connection: AsyncConnection, what: str) -> None:
    """Close ``connection`` for good: it may hold session-level advisory locks, so it must
    never go back to the pool (the session ends, and its locks with it). Never raises."""
    try:
        await connection.invalidate()
        await connection.close()
    except Exception:
        log.debug("closing the %s connection failed", what, exc_info=True)


@contextmanager
def athlete_scope(telegram_user_id: int | None) -> Iterator[None]:
    """Mark the current task as working for ``telegram_user_id`` (``None``: for nobody).

    Every :meth:`Store.transaction` opened inside takes that athlete's transaction lock on
    PostgreSQL. Keys are Telegram user ids (positive); other advisory locks of the bot use
    negative keys, so they never collide.
    """
    token = _ATHLETE.set(telegram_user_id)
    try:
        yield
    finally:
        _ATHLETE.reset(token)


def current_athlete_scope() -> int | None:
    """The Telegram user id of the enclosing :func:`athlete_scope`, if any."""
    return _ATHLETE.get()


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def is_postgres(engine: AsyncEngine) -> bool:
    """Whether ``engine`` talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


#: Run on every new SQLite connection.
SQLITE_PRAGMAS = ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON")


def _begin_immediate(engine: AsyncEngine) -> None:
    # The connections are in autocommit mode (inline_sqlite.connector): sqlite3's implicit
    # BEGIN would be deferred, which is what we want to avoid. Every transaction starts here.
    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _ping_when_idle(engine: AsyncEngine, after: float) -> None:
    """Pessimistic disconnect handling for connections that sat idle ``after`` seconds.

    Raising ``DisconnectionError`` from a checkout listener is SQLAlchemy's documented way to
    have the pool drop the connection and hand out another (it retries a few times)."""

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < after:
            return  # new, or in use a moment ago
        try:
            dbapi_connection.ping()
        except Exception as error:  # any failure: this connection is not to be trusted
            raise exc.DisconnectionError() from error


def create_engine(
    url: str,
    *,
    echo: bool = False,
    connect_args: Mapping[str, Any] | None = None,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
) -> AsyncEngine:
    """Create the ``AsyncEngine`` for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``;
    plain ``sqlite://`` / ``postgresql://`` are upgraded to the async drivers).

    ``connect_args`` go to asyncpg (tests pass ``server_settings`` to pin a schema); SQLite
    connections are opened by :func:`bot.storage.inline_sqlite.connector`.
    """
    parsed = make_url(normalize_database_url(url))
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        if database == ":memory:" or database.startswith("file::memory:"):
            # One shared connection, or every checkout would see a different empty database.
            kwargs["poolclass"] = StaticPool
        kwargs["async_creator"] = connector(
            database,
            busy_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
            uri=database.startswith("file:"),
            pragmas=SQLITE_PRAGMAS,
        )
        engine = _create_async_engine(parsed, **kwargs)
        _begin_immediate(engine)
        return engine
    kwargs.update(
        connect_args=dict(connect_args or {}),
        pool_size=10,
        max_overflow=10,
        pool_use_lifo=True,
        pool_recycle=1800,
    )
    engine = _create_async_engine(parsed, **kwargs)
    _ping_when_idle(engine, ping_after_idle)
    return engine


class Store:
    """The database handle shared by handlers and the ticker: an engine plus a session factory."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
        # SQLite: one writer at a time, queued here rather than in the busy handler (above).
        self._writer: asyncio.Lock | None = asyncio.Lock() if is_sqlite(engine) else None
        self._athlete_locks = is_postgres(engine)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Store:
        """Create a store (and its engine) for ``url``; see :func:`create_engine`."""
        return cls(create_engine(url, **kwargs))

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def _queued(self) -> AsyncIterator[None]:
        """Hold this process's SQLite writer queue (nothing to hold on PostgreSQL)."""
        if self._writer is None:
            yield
            return
        async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_MS / 1000):
            await self._writer.acquire()
        try:
            yield
        finally:
            self._writer.release()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on normal exit, roll back on exception.

        Transactions must not nest (on SQLite the inner one would wait for the outer one's
        write lock until the busy timeout and fail). Inside an :func:`athlete_scope`, on
        PostgreSQL, the athlete's transaction lock is taken first (see the module doc)."""
        async with self._queued(), self._sessions() as session:
            async with session.begin():
                key = _ATHLETE.get() if self._athlete_locks else None
                if key is not None:
                    await session.execute(_XACT_LOCK, {"key": key})
                mark("transaction")
                yield session
            mark("committed")

    async def dispose(self) -> None:
        """Close every pooled connection (call at shutdown)."""
        await self.engine.dispose()
