"""Alembic environment for Remodel.

Two ways in:

* programmatic (``bot.storage.migrate.upgrade``, used by ``remodel db upgrade`` and at start):
  the caller passes an open synchronous connection in ``config.attributes["connection"]``;
* the ``alembic`` command line (development only, e.g. ``alembic revision --autogenerate``):
  the URL comes from ``sqlalchemy.url`` or ``REMODEL_DATABASE_URL``.
"""

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from bot.storage.engine import create_engine
from bot.storage.models import metadata

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "REMODEL_DATABASE_URL", "sqlite+aiosqlite:///./remodel.db"
    )
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


_shared = config.attributes.get("connection")
if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
elif _shared is not None:
    _run(_shared)
else:
    asyncio.run(_run_online())
