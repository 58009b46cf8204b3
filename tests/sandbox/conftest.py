"""Fixtures for the sandbox's own tests: a server on an ephemeral loopback port and a driver.

Other folders write their own fixtures mirroring these (no pytest plugin involved).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sandbox.driver import SandboxDriver
from sandbox.server import SandboxServer


@pytest.fixture
async def sandbox_server() -> AsyncIterator[SandboxServer]:
    """A strict sandbox with flood control off, on 127.0.0.1 and a free port."""
    async with SandboxServer(strict=True, flood="off") as server:
        yield server


@pytest.fixture
async def driver(sandbox_server: SandboxServer) -> AsyncIterator[SandboxDriver]:
    """A control API driver for ``sandbox_server``."""
    async with SandboxDriver(sandbox_server.url) as sandbox_driver:
        yield sandbox_driver
