"""Long polling and webhook delivery: offsets, conflicts, secret tokens, redelivery."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sandbox_ptb_bot import build_app
from telegram import Bot, Update
from telegram.error import Conflict

from sandbox.driver import SandboxDriver
from sandbox.server import SandboxServer


@pytest.fixture
async def bot(sandbox_server: SandboxServer) -> AsyncIterator[Bot]:
    async with Bot(sandbox_server.token, base_url=sandbox_server.bot_api_base) as ptb_bot:
        yield ptb_bot


async def test_offset_acknowledges_earlier_updates(bot: Bot, driver: SandboxDriver) -> None:
    ann = await driver.create_user("Ann")
    chat = driver.chat(ann.id)
    for text in ("one", "two", "three"):
        await chat.send(text)
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["one", "two", "three"]
    again = await bot.get_updates(offset=updates[1].update_id)
    assert [u.message.text for u in again if u.message] == ["two", "three"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()


async def test_long_poll_returns_when_an_update_arrives(bot: Bot, driver: SandboxDriver) -> None:
    ann = await driver.create_user("Ann")
    poll = asyncio.create_task(bot.get_updates(timeout=10, read_timeout=15))
    await asyncio.sleep(0.1)
    await driver.chat(ann.id).send("hello")
    updates = await poll
    assert updates[0].message is not None
    assert updates[0].message.text == "hello"


async def test_allowed_updates_filters_new_updates(bot: Bot, driver: SandboxDriver) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    ann = await driver.create_user("Ann")
    await driver.chat(ann.id).send("ignored")
    assert await bot.get_updates() == ()
    await bot.get_updates(allowed_updates=[])
    await driver.chat(ann.id).send("seen")
    assert len(await bot.get_updates()) == 1


async def test_second_poller_conflicts(sandbox_server: SandboxServer, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5, read_timeout=10))
    await asyncio.sleep(0.1)
    async with Bot(sandbox_server.token, base_url=sandbox_server.bot_api_base) as other:
        second = asyncio.create_task(other.get_updates(timeout=1, read_timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        assert await second == ()


async def test_get_updates_conflicts_with_a_webhook(bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _until(predicate: Any, what: str) -> None:
    for _ in range(200):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_webhook_mode_with_redelivery_after_a_wrong_secret(
    sandbox_server: SandboxServer, driver: SandboxDriver, bot: Bot
) -> None:
    await driver.request("PUT", "webhook", json={"first_retry_delay": 0.05, "max_retry_delay": 0.2})
    ann = await driver.create_user("Ann")
    chat = driver.chat(ann.id)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook"
    app = build_app(sandbox_server)
    async with app:
        assert app.updater is not None
        # PTB's own webhook server checks the secret and answers 403 to a wrong one.
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=url,
            secret_token="right-secret",
            allowed_updates=Update.ALL_TYPES,
        )
        await app.start()
        try:
            await chat.send("/start")
            await chat.expect("Welcome")

            await bot.set_webhook(url, secret_token="wrong-secret")
            await chat.send("lost?")

            async def refused() -> bool:
                info = await bot.get_webhook_info()
                return info.last_error_message == "Wrong response from the webhook: 403 Forbidden"

            await _until(refused, "the 403 to be recorded")
            assert (await bot.get_webhook_info()).pending_update_count == 1
            await chat.expect_no_message(within=0.2)

            await bot.set_webhook(url, secret_token="right-secret")
            await chat.expect("echo: lost?")
            assert (await bot.get_webhook_info()).pending_update_count == 0
        finally:
            await app.updater.stop()
            await app.stop()


async def test_webhook_request_carries_the_secret_header(
    sandbox_server: SandboxServer, driver: SandboxDriver, bot: Bot
) -> None:
    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets
    from tornado.web import Application, RequestHandler

    received: list[tuple[str | None, bytes]] = []
    statuses = [500, 200]

    class Hook(RequestHandler):
        def post(self) -> None:
            received.append(
                (self.request.headers.get("X-Telegram-Bot-Api-Secret-Token"), self.request.body)
            )
            self.set_status(statuses.pop(0) if statuses else 200)

    sockets = bind_sockets(0, "127.0.0.1")
    server = HTTPServer(Application([(r"/hook", Hook)]))
    server.add_sockets(sockets)
    try:
        await driver.request("PUT", "webhook", json={"first_retry_delay": 0.05})
        await bot.set_webhook(
            f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook", secret_token="s3"
        )
        ann = await driver.create_user("Ann")
        await driver.chat(ann.id).send("hi")

        async def delivered() -> bool:
            return len(received) >= 2

        await _until(delivered, "a redelivery after the 500")
        assert received[0] == received[1]
        assert received[0][0] == "s3"
        async with httpx.AsyncClient() as client:
            stats = (await client.get(f"{sandbox_server.url}/sandbox/stats")).json()["result"]
        assert stats["updates_delivered"] == 1
    finally:
        server.stop()
        await bot.delete_webhook()


async def test_webhook_delivers_senders_in_parallel_and_each_sender_in_order(
    driver: SandboxDriver, bot: Bot
) -> None:
    """Like Telegram (``max_connections``): different users' updates are in flight at once,
    one user's never overtake each other, even across a failed delivery."""
    import json

    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets
    from tornado.web import Application, RequestHandler

    in_flight: list[int] = []
    most_at_once = 0
    seen: list[tuple[int, str]] = []
    release = asyncio.Event()
    failed_once: set[str] = set()

    class Hook(RequestHandler):
        async def post(self) -> None:
            nonlocal most_at_once
            message = json.loads(self.request.body)["message"]
            sender, text = message["from"]["id"], message["text"]
            assert sender not in in_flight, "one sender's updates never overlap"
            in_flight.append(sender)
            most_at_once = max(most_at_once, len(in_flight))
            try:
                await release.wait()
                if text == "a2" and text not in failed_once:
                    failed_once.add(text)  # a failed delivery must not let a3 overtake a2
                    self.set_status(500)
                    return
                seen.append((sender, text))
            finally:
                in_flight.remove(sender)

    sockets = bind_sockets(0, "127.0.0.1")
    server = HTTPServer(Application([(r"/hook", Hook)]))
    server.add_sockets(sockets)
    try:
        await driver.request("PUT", "webhook", json={"first_retry_delay": 0.05})
        await bot.set_webhook(f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook")
        ann, ben = await driver.create_user("Ann"), await driver.create_user("Ben")
        for text in ("a1", "a2", "a3"):
            await driver.chat(ann.id).send(text)
        await driver.chat(ben.id).send("b1")

        async def both_in_flight() -> bool:
            return len(in_flight) == 2

        await _until(both_in_flight, "Ann's and Ben's first updates in flight together")
        release.set()

        async def all_seen() -> bool:
            return len(seen) == 4

        await _until(all_seen, "every update delivered")
        assert [t for s, t in seen if s == ann.id] == ["a1", "a2", "a3"]
        assert most_at_once == 2
    finally:
        server.stop()
        await bot.delete_webhook()
