"""Alembic, driven from Python (no ``alembic.ini`` needed; works from an installed package).

``remodel db upgrade`` and the bot's start-up call :func:`upgrade`. The migration scripts live
in ``bot/migrations`` and ship with the package.

Several processes may start at once on one PostgreSQL database (a deploy of N workers). Each
:func:`upgrade` therefore first takes ``pg_advisory_xact_lock(MIGRATION_LOCK_KEY)`` in its
migration transaction: the first process migrates, the others wait for its commit and then
find the database at head (Alembic reads the version after the lock). Without it, concurrent
``CREATE TABLE``s fail with ``UniqueViolationError pg_type_typname_nsp_index``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import create_engine

__all__ = [
    "MIGRATIONS_DIR",
    "MIGRATION_LOCK_KEY",
    "alembic_config",
    "current_revision",
    "head_revision",
    "upgrade",
]

#: The advisory lock key of migrations. Negative: athlete locks use Telegram user ids (> 0).
MIGRATION_LOCK_KEY = -0x72656D6F64656C01

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic ``Config`` pointing at the packaged migrations (and at ``url`` if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation: a literal % (e.g. in a password) must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - we always ship at least one revision
        raise RuntimeError("no migrations found")
    return head


async def upgrade(target: AsyncEngine | str, revision: str = "head") -> None:
    """Migrate the database of ``target`` (an engine or a URL) to ``revision``.

    Idempotent: an up-to-date database is left alone. Runs in one transaction on both backends
    (both have transactional DDL), so a failed migration leaves the schema as it was.
    """
    engine = create_engine(target) if isinstance(target, str) else target
    config = alembic_config()

    def _run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Held until this transaction commits: migrations of several processes queue.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await connection.run_sync(_run)
    finally:
        if isinstance(target, str):
            await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_current)
