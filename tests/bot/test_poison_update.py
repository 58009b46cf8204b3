"""No single update can stop the bot (issue 13).

An update shaped like a newer Bot API (here: a message carrying a poll whose options lack
``persistent_id``, which python-telegram-bot 22 requires) used to fail the whole getUpdates
batch forever. Now it is logged once by id and kind, acknowledged, and everyone else is
answered; in webhook mode its POST gets 200 so Telegram does not redeliver it. The bot asks
only for the update kinds it handles, so a ``poll_answer`` never reaches it at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.receiving import ALLOWED_UPDATES
from bot.run_mode import RunOptions, serve
from flows.library import Library
from sandbox.driver import SandboxDriver
from sandbox.server import SandboxServer
from tests.bot.ports import free_port

TOKEN = "sandbox:TEST-TOKEN-not-secret"
#: Text inside the unreadable update: it must never reach a log line (health data).
PRIVATE = "my-private-words-under-the-poll"


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(token=TOKEN) as running_server:
        yield running_server


def future_shaped_message(user: dict[str, Any]) -> dict[str, Any]:
    """A message with a poll whose options lack ``persistent_id`` (Bot API 9.6 shape)."""
    return {
        "message": {
            "message_id": 999,
            "date": 1_700_000_000,
            "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
            "from": {"id": user["id"], "is_bot": False, "first_name": user["first_name"]},
            "poll": {
                "id": "5000",
                "question": PRIVATE,
                "options": [{"text": PRIVATE, "voter_count": 0}],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            },
        }
    }


def future_poll_answer(user: dict[str, Any]) -> dict[str, Any]:
    """A poll_answer without ``option_persistent_ids``: python-telegram-bot 22 raises on it."""
    return {
        "poll_answer": {
            "poll_id": "5000",
            "user": {"id": user["id"], "is_bot": False, "first_name": user["first_name"]},
            "option_ids": [0],
        }
    }


async def wait_until_acknowledged(driver: SandboxDriver, update_id: int) -> None:
    for _ in range(100):
        if update_id not in await driver.pending_update_ids():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"update {update_id} was never acknowledged")


async def poison_then_start(
    server: SandboxServer, settings: Settings, options: RunOptions, library: Library
) -> list[str]:
    """Run the bot, inject the unreadable updates, check everyone is still answered."""
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(settings, options, library=library, stop=stop, started=started)
    )
    try:
        await asyncio.wait_for(started.wait(), 30)
        async with SandboxDriver(server.url) as driver:
            pending = await driver.request("GET", "updates")
            assert pending["allowed_updates"] == sorted(ALLOWED_UPDATES)
            ann = await driver.create_user("Ann")
            bo = await driver.create_user("Bo")
            user = {"id": ann.id, "first_name": "Ann"}
            assert await driver.inject_update(future_poll_answer(user)) is None, (
                "poll_answer is not asked for, so Telegram never sends it"
            )
            poison = await driver.inject_update(future_shaped_message(user))
            assert poison is not None
            # The update behind the poison and the same user's next message are answered.
            for person in (bo, ann):
                chat = driver.chat(person.id)
                await chat.send("/start")
                reply = await chat.next_message(timeout=15)
                assert person.first_name in reply.text
            await wait_until_acknowledged(driver, poison)
            # Poison as the last update of its batch: still acknowledged, still answered.
            last = await driver.inject_update(future_shaped_message(user))
            assert last is not None
            await wait_until_acknowledged(driver, last)
            await driver.chat(bo.id).send("/help")
            assert await driver.chat(bo.id).next_message(timeout=15)
            return [f"update {poison} (message)", f"update {last} (message)"]
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def check_logged_once(caplog: pytest.LogCaptureFixture, described: list[str]) -> None:
    skipped = [r.getMessage() for r in caplog.records if "skipped update" in r.getMessage()]
    for description in described:
        assert sum(description in line for line in skipped) == 1, skipped
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert PRIVATE not in everything, "the unreadable update's content was logged"
    assert "Traceback" not in caplog.text


def settings_for(server: SandboxServer, db: Path) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": TOKEN, "base_url": server.bot_api_base},
            "database": {"url": f"sqlite+aiosqlite:///{db}"},
        }
    )


async def test_an_unreadable_update_is_skipped_when_polling(
    server: SandboxServer, library: Library, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    described = await poison_then_start(
        server, settings_for(server, tmp_path / "p.db"), RunOptions(poll_timeout=1), library
    )
    check_logged_once(caplog, described)


async def test_an_unreadable_update_gets_200_by_webhook(
    server: SandboxServer, library: Library, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    options = RunOptions(
        webhook=True,
        listen="127.0.0.1",
        port=port,
        public_url=f"http://127.0.0.1:{port}/hook",
        secret_token="hook-secret-for-the-test",
    )
    described = await poison_then_start(
        server, settings_for(server, tmp_path / "w.db"), options, library
    )
    check_logged_once(caplog, described)
    async with SandboxDriver(server.url) as driver:
        hook = await driver.request("GET", "webhook")
    assert hook["last_error_message"] is None, "every delivery was answered 2xx"
