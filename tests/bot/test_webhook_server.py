"""``remodel run --webhook``: updates acknowledged once handled; secret and poison updates."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.run_mode import RunOptions, serve
from flows.library import Library
from sandbox.driver import BotMessage, SandboxDriver
from sandbox.server import SandboxServer
from tests.bot.multiworker_rig import scratch_database
from tests.bot.ports import free_port

TOKEN = "7212345678:" + "AAFq3xTt0kLmnOpQrStUvWxYz" + "0123456789ab"  # made up
SECRET = "shared-secret_for-the-test"


@contextlib.asynccontextmanager
async def webhook_bot(
    server: SandboxServer, library: Library, db: Path | str
) -> AsyncIterator[str]:
    """A ``remodel run --webhook`` bot on ``db`` (an SQLite file, or a database URL); its
    webhook URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    database = f"sqlite+aiosqlite:///{db}" if isinstance(db, Path) else db
    settings = Settings.model_validate(
        {
            "telegram": {"token": TOKEN, "base_url": server.bot_api_base},
            "database": {"url": database},
        }
    )
    options = RunOptions(
        webhook=True, listen="127.0.0.1", port=port, public_url=url, secret_token=SECRET
    )
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(settings, options, library=library, stop=stop, started=started)
    )
    try:
        await asyncio.wait_for(started.wait(), 30)
        yield url
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_an_update_is_acknowledged_only_after_it_was_handled(
    library: Library, tmp_path: Path
) -> None:
    async with (
        SandboxServer(token=TOKEN) as server,
        webhook_bot(server, library, tmp_path / "hook.db"),
        SandboxDriver(server.url) as driver,
    ):
        assert server.store.webhook.max_connections == 40
        ann = await driver.create_user("Ann")
        chat = driver.chat(ann.id)
        await chat.send("/start")
        for _ in range(300):
            if (await driver.request("GET", "webhook"))["pending_update_count"] == 0:
                break
            await asyncio.sleep(0.02)
        # Acknowledged means handled: the reply is already there, nothing left to wait for.
        transcript = await chat.transcript()
        assert any("Ann" in getattr(entry, "text", "") for entry in transcript[1:])


async def test_wrong_secret_is_refused_and_a_poison_update_is_skipped(
    library: Library, tmp_path: Path
) -> None:
    async with (
        SandboxServer(token=TOKEN) as server,
        webhook_bot(server, library, tmp_path / "hook.db") as url,
        httpx.AsyncClient(trust_env=False) as http,
    ):
        body = json.dumps({"update_id": 1, "message": {"bogus": True}})
        headers = {"Content-Type": "application/json"}
        refused = await http.post(url, content=body, headers=headers)
        assert refused.status_code == 403
        wrong = {**headers, "X-Telegram-Bot-Api-Secret-Token": "not-it"}
        assert (await http.post(url, content=body, headers=wrong)).status_code == 403
        right = {**headers, "X-Telegram-Bot-Api-Secret-Token": SECRET}
        poison = await http.post(url, content=b"{not json", headers=right)
        assert poison.status_code == 200, "acknowledged: Telegram would resend it forever"
        unparseable = await http.post(url, content=body, headers=right)
        assert unparseable.status_code == 200


def help_command(update_id: int, user_id: int, name: str) -> bytes:
    """An update carrying ``/help`` from ``user_id``, as Telegram would POST it."""
    sender = {"id": user_id, "is_bot": False, "first_name": name}
    message = {
        "message_id": 9000,
        "date": 1_900_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": name},
        "from": sender,
        "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def settled(driver: SandboxDriver) -> None:
    for _ in range(300):
        if (await driver.request("GET", "webhook"))["pending_update_count"] == 0:
            return
        await asyncio.sleep(0.02)


HEADERS = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}


async def started(driver: SandboxDriver) -> tuple[Any, Any, int]:
    """Ann, who sent /start and got its replies: her user, her chat, its length so far."""
    ann = await driver.create_user("Ann")
    chat = driver.chat(ann.id)
    await chat.send("/start")
    await settled(driver)
    return ann, chat, len(await chat.transcript())


async def bot_replies_after(chat: Any, count: int) -> list[str]:
    transcript = await chat.transcript()
    return [e.text for e in transcript[count:] if isinstance(e, BotMessage)]


async def test_a_copy_delivered_while_the_original_is_handled_gets_no_second_reply(
    library: Library, tmp_path: Path
) -> None:
    """Telegram gave up waiting for the first delivery and sent the update again while the
    bot was still handling it, then once more later: one reply, every copy acknowledged."""
    async with (
        SandboxServer(token=TOKEN) as server,
        webhook_bot(server, library, tmp_path / "hook.db") as url,
        SandboxDriver(server.url) as driver,
        httpx.AsyncClient(trust_env=False) as http,
    ):
        ann, chat, seen = await started(driver)
        update = help_command(700_001, ann.id, "Ann")
        answers = await asyncio.gather(
            *(http.post(url, content=update, headers=HEADERS) for _ in range(2))
        )
        answers.append(await http.post(url, content=update, headers=HEADERS))
        assert [a.status_code for a in answers] == [200, 200, 200]
        replies = await bot_replies_after(chat, seen)
        assert len(replies) == 1, replies
        # A new update (another id) is handled as usual.
        later = await http.post(url, content=help_command(700_002, ann.id, "Ann"), headers=HEADERS)
        assert later.status_code == 200
        assert len(await bot_replies_after(chat, seen)) == 2


@pytest.mark.postgres
async def test_a_copy_handed_to_another_worker_gets_no_second_reply(
    library: Library, postgres_url: str
) -> None:
    """Two workers on one PostgreSQL database, the same update delivered to both at once
    (the copy Telegram sends when the first delivery seems lost goes to whichever worker the
    load balancer picks): one is handled, the other acknowledged without a reply."""
    async with (
        scratch_database(postgres_url, "ledger") as database,
        SandboxServer(token=TOKEN) as server,
        webhook_bot(server, library, database) as first,
        webhook_bot(server, library, database) as second,
        SandboxDriver(server.url) as driver,
        httpx.AsyncClient(trust_env=False) as http,
    ):
        ann, chat, seen = await started(driver)
        for update_id in (800_001, 800_002, 800_003):
            update = help_command(update_id, ann.id, "Ann")
            answers = await asyncio.gather(
                http.post(first, content=update, headers=HEADERS),
                http.post(second, content=update, headers=HEADERS),
            )
            assert [a.status_code for a in answers] == [200, 200]
        replies = await bot_replies_after(chat, seen)
        assert len(replies) == 3, replies
