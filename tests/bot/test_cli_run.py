"""``remodel run`` against a Bot API server started separately (the sandbox), via base_url.

In-process: the same :func:`bot.run_mode.serve` the command runs, stopped by an event.
As a subprocess: the real console command with verbose logging, whose output must never
contain the token.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.run_mode import RunOptions, serve
from flows.library import Library
from sandbox.driver import SandboxDriver
from sandbox.server import SandboxServer
from tests.bot.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
#: Shaped like a real token (so the redaction has something realistic to find), but made
#: up, and assembled here so that no token-shaped string stands in the repository.
SECRET_PART = "AAFq3xTt0kLmnOpQrStUvWxYz" + "0123456789ab"
TOKEN = f"7212345678:{SECRET_PART}"


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(token=TOKEN) as running_server:
        yield running_server


def settings_for(server: SandboxServer, db: Path) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": TOKEN, "base_url": server.bot_api_base},
            "database": {"url": f"sqlite+aiosqlite:///{db}"},
        }
    )


async def test_run_answers_start_through_base_url(
    server: SandboxServer, library: Library, tmp_path: Path
) -> None:
    db = tmp_path / "run.db"
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(
            settings_for(server, db),
            RunOptions(poll_timeout=1),
            library=library,
            stop=stop,
            started=started,
        )
    )
    try:
        await asyncio.wait_for(started.wait(), 30)
        assert db.is_file(), "migrations run at start"
        async with SandboxDriver(server.url) as driver:
            user = await driver.create_user("Ann")
            chat = driver.chat(user.id)
            await chat.send("/start")
            reply = await chat.next_message(timeout=15)
            assert "Ann" in reply.text
            commands = await driver.request("GET", "commands")
            assert commands, "start-up hooks ran (the command menu is set)"
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_run_by_webhook_with_a_secret_token(
    server: SandboxServer, library: Library, tmp_path: Path
) -> None:
    port = free_port()
    options = RunOptions(
        webhook=True,
        listen="127.0.0.1",
        port=port,
        public_url=f"http://127.0.0.1:{port}/telegram",
        secret_token="s3cret-for-the-test",
    )
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(
            settings_for(server, tmp_path / "hook.db"),
            options,
            library=library,
            stop=stop,
            started=started,
        )
    )
    try:
        await asyncio.wait_for(started.wait(), 30)
        async with SandboxDriver(server.url) as driver:
            hook = await driver.request("GET", "webhook")
            assert hook["url"] == f"http://127.0.0.1:{port}/telegram"
            user = await driver.create_user("Ben")
            chat = driver.chat(user.id)
            await chat.send("/start")
            reply = await chat.next_message(timeout=15)
            assert "Ben" in reply.text
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_verbose_logs_never_contain_the_token(server: SandboxServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMODEL_")}
    env.update(
        PYTHONPATH=str(ROOT),
        TELEGRAM_BOT_TOKEN=TOKEN,
        REMODEL_TELEGRAM_BASE_URL=server.bot_api_base,
        REMODEL_DATABASE_URL=f"sqlite:///{tmp_path / 'logs.db'}",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--verbose",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with SandboxDriver(server.url) as driver:
            user = await driver.create_user("Cy")
            chat = driver.chat(user.id)
            await chat.send("/start")
            reply = await chat.next_message(timeout=60)
            assert "Cy" in reply.text
            await chat.next_message(timeout=15)  # the consent question
            await chat.press("Yes")
            await chat.next_message(timeout=15)
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    output = (stdout + stderr).decode()
    assert process.returncode == 0, output[-2000:]
    assert "getUpdates" in output, "verbose logging shows the Bot API requests"
    assert "DEBUG" in output
    assert TOKEN not in output
    assert SECRET_PART not in output
    assert "Traceback" not in output


async def test_a_refused_token_names_the_key(
    server: SandboxServer, library: Library, tmp_path: Path
) -> None:
    from bot.config import ConfigError

    wrong = "7212345678:" + "BBFq3xTt0kLmnOpQrStUvWxYz" + "0123456789zz"  # made up
    settings = Settings.model_validate(
        {
            "telegram": {"token": wrong, "base_url": server.bot_api_base},
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"},
        }
    )
    with pytest.raises(ConfigError, match=r"telegram\.token was refused") as raised:
        await serve(settings, RunOptions(), library=library, stop=asyncio.Event())
    assert wrong not in str(raised.value)


async def test_an_unreachable_bot_api_is_a_clear_error(library: Library, tmp_path: Path) -> None:
    from bot.run_mode import RunError

    settings = Settings.model_validate(
        {
            "telegram": {"token": TOKEN, "base_url": f"http://127.0.0.1:{free_port()}/bot"},
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"},
        }
    )
    with pytest.raises(RunError, match="cannot reach the Bot API") as raised:
        await serve(settings, RunOptions(), library=library, stop=asyncio.Event())
    assert TOKEN not in str(raised.value)
