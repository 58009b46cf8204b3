"""Long polling loses nothing at a crash: a polled update is kept until handled.

Telegram forgets a polled batch once the next ``getUpdates`` asks past it, which
python-telegram-bot does while the batch is still being handled; a process killed in between
used to lose those updates (bot/receiving/inbox.py). Here the crash is staged: an update that
Telegram has confirmed, kept in ``polled_updates`` and never handled, as a SIGKILL leaves it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.receiving import PolledInbox, TolerantBot
from bot.run_mode import RunOptions
from bot.storage import Store, upgrade
from flows.library import Library
from sandbox.driver import BotMessage, SandboxDriver
from sandbox.server import SandboxServer
from tests.bot.test_ops import TOKEN, bot_running, settings_for


@contextlib.asynccontextmanager
async def polling_bot(server: SandboxServer, library: Library, db: Path) -> AsyncIterator[None]:
    settings = settings_for(server, f"sqlite+aiosqlite:///{db}", tick_seconds=60)
    async with bot_running(settings, RunOptions(poll_timeout=1), library):
        yield


async def kept(db: Path) -> list[int]:
    store = Store.from_url(f"sqlite+aiosqlite:///{db}")
    try:
        async with store.transaction() as session:
            rows = await session.execute(sa.text("SELECT update_id FROM polled_updates"))
            return [int(r[0]) for r in rows]
    finally:
        await store.dispose()


async def test_an_update_confirmed_but_never_handled_is_handled_at_the_next_start(
    library: Library, tmp_path: Path
) -> None:
    db = tmp_path / "poll.db"
    async with SandboxServer(token=TOKEN) as server, SandboxDriver(server.url) as driver:
        ann = await driver.create_user("Ann")
        chat = driver.chat(ann.id)
        async with polling_bot(server, library, db):
            await chat.send("/start")
            await chat.next_message(timeout=15)  # the welcome
            await chat.next_message(timeout=15)  # the consent question
        assert await kept(db) == [], "handled updates are forgotten"
        seen = len(await chat.transcript())

        # The crash: Telegram handed over Ann's /help and confirmed it; the bot kept it and
        # was killed before handling it.
        sender = {"id": ann.id, "is_bot": False, "first_name": "Ann"}
        help_update: dict[str, Any] = {
            "update_id": 990_001,
            "message": {
                "message_id": 9000,
                "date": 1_900_000_000,
                "chat": {"id": ann.id, "type": "private", "first_name": "Ann"},
                "from": sender,
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        store = Store.from_url(f"sqlite+aiosqlite:///{db}")
        async with store.transaction() as session:
            await session.execute(
                sa.text(
                    "INSERT INTO polled_updates (update_id, body, received_at) "
                    "VALUES (:id, :body, '2026-12-07 10:00:00.000000')"
                ),
                {"id": 990_001, "body": json.dumps(help_update)},
            )
        await store.dispose()

        async with polling_bot(server, library, db):
            reply = await chat.next_message(timeout=15)
            assert "/stop: end coaching" in reply.text, "the help Ann asked for"
        transcript = await chat.transcript()
        assert len([e for e in transcript[seen:] if isinstance(e, BotMessage)]) == 1
        assert await kept(db) == [], "handled at the start, then forgotten"


async def test_a_polled_batch_is_kept_before_it_is_returned(tmp_path: Path) -> None:
    """Kept before PTB sees it, hence before the next getUpdates can confirm it."""
    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path / 'kept.db'}")
    await upgrade(store.engine)
    async with SandboxServer(token=TOKEN) as server, SandboxDriver(server.url) as driver:
        ann = await driver.create_user("Ann")
        await driver.chat(ann.id).send("/help")
        bot = TolerantBot(TOKEN, base_url=server.bot_api_base)
        await bot.initialize()
        inbox = PolledInbox(store)
        bot.keep_polled_in(inbox)
        try:
            updates = await bot.get_updates(timeout=0)
            assert len(updates) == 1
            (left,) = await inbox.left_over()
            assert left["update_id"] == updates[0].update_id
            assert left["message"]["text"] == "/help"
            await inbox.forget(updates[0].update_id)
            assert await inbox.left_over() == []
        finally:
            await bot.shutdown()
            await store.dispose()
