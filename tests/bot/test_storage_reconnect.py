"""PostgreSQL connections are pinged only after sitting idle, and a dead one is replaced.

The server side is real: ``pg_terminate_backend`` ends the pooled connection's backend, as a
server restart or an idle timeout would.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import create_engine

pytestmark = pytest.mark.postgres


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(postgres_url: str, pid: int) -> None:
    killer = create_engine(postgres_url)
    try:
        async with killer.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await killer.dispose()
    await asyncio.sleep(0.2)  # the backend is gone once the signal is handled


async def test_a_connection_idle_past_the_threshold_is_pinged_and_replaced(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url, ping_after_idle=0.5)
    try:
        first = await _backend_pid(engine)
        await _terminate(postgres_url, first)
        await asyncio.sleep(0.6)
        # Without the ping this checkout would hand out the dead connection and fail.
        second = await _backend_pid(engine)
        assert second != first
    finally:
        await engine.dispose()


async def test_a_connection_used_a_moment_ago_is_not_pinged(postgres_url: str) -> None:
    engine = create_engine(postgres_url, ping_after_idle=30.0)
    try:
        first = await _backend_pid(engine)
        await _terminate(postgres_url, first)
        # Not pinged (idle for less than 30 s): the dead connection is used and fails once...
        with pytest.raises(Exception, match=r"(?i)connection|terminat|closed"):
            await _backend_pid(engine)
        # ...and the pool has replaced it for the next transaction.
        assert await _backend_pid(engine) != first
    finally:
        await engine.dispose()
