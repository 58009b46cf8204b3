"""Fixtures for bot tests: a migrated database on SQLite and on PostgreSQL, the content.

``store`` is parametrized over both backends. The SQLite one is a temp file (WAL needs a real
file). The PostgreSQL one lives in a fresh schema created for the test and dropped after it, so
reruns and other developers sharing the server never collide.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import installed_content_dir
from bot.clock import ManualClock
from bot.storage import Store, create_engine, upgrade
from flows.library import Library, load_library

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


class EngineFactory:
    """Creates engines on one backend, all pointing at the same (test-private) database."""

    def __init__(self, backend: str, url: str, schema: str | None) -> None:
        self.backend = backend
        self.url = url
        self.schema = schema
        self._engines: list[AsyncEngine] = []

    def __call__(self) -> AsyncEngine:
        connect_args = {}
        if self.schema is not None:
            connect_args = {"server_settings": {"search_path": self.schema}}
        engine = create_engine(self.url, connect_args=connect_args)
        self._engines.append(engine)
        return engine

    async def dispose(self) -> None:
        for engine in self._engines:
            await engine.dispose()


@asynccontextmanager
async def _factory_for(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[EngineFactory]:
    if backend == "sqlite":
        factory = EngineFactory(backend, f"sqlite+aiosqlite:///{tmp_path / 'test.db'}", None)
        try:
            yield factory
        finally:
            await factory.dispose()
        return
    base_url: str = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    factory = EngineFactory(backend, base_url, schema)
    try:
        yield factory
    finally:
        await factory.dispose()
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


@pytest.fixture(params=BACKENDS)
async def engine_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[EngineFactory]:
    """An :class:`EngineFactory` on an empty (unmigrated) database, once per backend."""
    async with _factory_for(request.param, request, tmp_path) as factory:
        yield factory


@pytest.fixture
async def sqlite_engine_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[EngineFactory]:
    """An :class:`EngineFactory` on an empty SQLite file (for SQLite-only behaviour)."""
    async with _factory_for("sqlite", request, tmp_path) as factory:
        yield factory


@pytest.fixture
async def store(engine_factory: EngineFactory) -> Store:
    """A :class:`Store` on a freshly migrated database (both backends)."""
    engine = engine_factory()
    await upgrade(engine)
    return Store(engine)


@pytest.fixture(scope="session")
def library() -> Library:
    """The installed content (read-only: one load serves every test)."""
    return load_library(installed_content_dir())


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock at a fixed, unremarkable instant."""
    return ManualClock(datetime(2025, 3, 3, 6, 0, tzinfo=UTC))
