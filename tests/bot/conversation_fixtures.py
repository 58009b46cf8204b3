"""The conversation-test harness: the real PTB Application, polling an in-process sandbox
over HTTP, on a real SQLite file, with a ManualClock. Only Telegram's servers (the sandbox)
and the wall clock (ManualClock) are stand-ins.

Use it from a test module through ``pytest_plugins`` (the ``harness`` fixture)::

    pytest_plugins = ["conversation_fixtures"]

    async def test_something(harness: Harness) -> None:
        ann = await harness.athlete("Ann")
        await ann.send("/start")
        await ann.expect("Remodel")

    (``Harness`` for annotations: ``if TYPE_CHECKING: from conversation_fixtures import
    Harness``.)

``Harness.restart()`` stops the Application and builds a new one on the same database
(a process restart); ``Harness.tick()`` runs one ticker tick now.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.app import build_application, on_shutdown, on_startup, services_of
from bot.clock import ManualClock
from bot.config import (
    DatabaseSettings,
    RenderSettings,
    SendingSettings,
    Settings,
    TelegramSettings,
)
from bot.context import Services
from bot.receiving import ALLOWED_UPDATES
from bot.scheduling import TickReport
from bot.storage import Store, get_athlete_by_telegram_id, save_athlete, upgrade
from flows.library import Library, load_library
from flows.phases import Phase
from flows.state import RehabState
from sandbox.driver import BotMessage, ChatDriver, SandboxDriver, UserMessage
from sandbox.server import SandboxServer

CONTENT = Path(__file__).resolve().parents[2] / "content"
#: Monday 2 March 2026, 06:00 UTC: before a morning check-in in Europe and the Americas.
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@cache
def library() -> Library:
    return load_library(CONTENT, "en")


#: A calm morning check-in by buttons: no night pain, pain 1 on getting up (so the rest pain
#: is asked), 0 at rest, sleep quality 7 (a good night: no hours question), worry 2.
STABLE_MORNING = ("No", "1", "0", "7", "2")


@dataclass
class Harness:
    server: SandboxServer
    sandbox: SandboxDriver
    clock: ManualClock
    store: Store
    settings: Settings
    app: Application[Any, Any, Any, Any, Any, Any] | None = None
    apps_built: int = 0
    chats: list[ChatDriver] = field(default_factory=list)

    @property
    def services(self) -> Services:
        assert self.app is not None
        return services_of(self.app)

    async def start(self) -> None:
        """Build the Application (on the same database) and start polling the sandbox."""
        app = build_application(
            self.settings,
            clock=self.clock,
            store=self.store,
            library=library(),
            base_url=self.server.bot_api_base,
            base_file_url=self.server.bot_file_base,
            token=self.server.token,
            run_ticker=False,  # tests tick by hand after moving the clock
        )
        await app.initialize()
        await on_startup(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES
        )
        await app.start()
        self.app = app
        self.apps_built += 1

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is None:
            return
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await on_shutdown(app)

    async def restart(self) -> None:
        """A process restart: a new Application on the same database; no memory survives."""
        await self.stop()
        await self.start()

    async def tick(self) -> TickReport:
        ticker = self.services.ticker
        assert ticker is not None
        return await ticker.tick()

    async def onboard(self, name: str = "Ann", **answers: str) -> ChatDriver:
        """A new athlete who completes onboarding; see :func:`onboard`."""
        return await onboard(self, name, **answers)

    async def deliver_again(self, chat: ChatDriver, text: str) -> None:
        """Deliver the user's last message (``text``) to the bot again, as Telegram does
        after a crash before the update was acknowledged (or a polled update replayed)."""
        original = [m for m in await chat.transcript() if isinstance(m, UserMessage)][-1]
        assert original.text == text
        await self.deliver_text(chat, text, original.message_id)

    async def deliver_text(self, chat: ChatDriver, text: str, message_id: int) -> None:
        """Deliver plain ``text`` from the user as message ``message_id``, straight to the
        bot: a text typed at that moment whose update arrives only now."""
        assert self.app is not None
        user = {"id": chat.user_id, "first_name": "Again"}
        again = {
            "update_id": 9200 + message_id,
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {**user, "type": "private"},
                "from": {**user, "is_bot": False},
                "text": text,
            },
        }
        await self.app.process_update(Update.de_json(again, self.app.bot))

    @staticmethod
    async def drain(chat: ChatDriver, within: float = 0.3) -> list[BotMessage]:
        """Consume the bot's messages until it is quiet for ``within`` seconds."""
        return await drain(chat, within)

    async def athlete(self, name: str) -> ChatDriver:
        user = await self.sandbox.create_user(name)
        chat = self.sandbox.chat(user.id)
        self.chats.append(chat)
        return chat

    async def answer_morning(
        self, chat: ChatDriver, at: datetime, buttons: tuple[str, ...] = STABLE_MORNING
    ) -> None:
        """Move the clock to ``at``, tick, and answer the morning check-in it sends by
        pressing ``buttons`` in turn; the plan that follows is consumed."""
        self.clock.set(at)
        await self.tick()
        await chat.expect("Good morning")
        await chat.expect("wake you")
        for number, label in enumerate(buttons):
            await chat.press(label)
            if number < len(buttons) - 1:
                await chat.next_message()
        await self.drain(chat)

    async def put_in_phase(self, chat: ChatDriver, phase: Phase, since: date) -> None:
        """Put the athlete of ``chat`` in ``phase`` (stage 1) since ``since``, as if they
        had got there: the cadence and the questions follow the phase."""
        async with self.store.transaction() as session:
            athlete = await get_athlete_by_telegram_id(session, chat.user_id)
            assert athlete is not None
            state = RehabState(phase, 1, since, since)
            athlete.rehab_state = state.to_dict()
            athlete.phase = state.phase.value
            await save_athlete(session, athlete, self.clock.now())

    async def link_coach_group(
        self, athlete: ChatDriver, scope: str, title: str = "Team"
    ) -> tuple[ChatDriver, int]:
        """The athlete invites a coach group sharing ``scope`` (a share-level button) and a
        coach, Cory, adds the bot with the one-time link: the coach's view of the group and
        its chat id."""
        await athlete.send("/coach")
        await athlete.expect("What may they see?")
        await athlete.press(scope)
        invite = await athlete.expect("one-time link")
        match = re.search(r"startgroup=([A-Za-z0-9_-]+)", invite.text)
        assert match is not None
        coach = await self.sandbox.create_user("Cory")
        group_id = await self.sandbox.create_group(title, [coach.id, athlete.user_id])
        group = self.sandbox.chat(coach.id, chat_id=group_id)
        await self.sandbox.add_bot_to_group(group_id, coach.id, start_payload=match.group(1))
        await group.expect("invited this group")
        await athlete.expect("Your coach group is connected")
        return group, group_id


async def _harness(tmp_path: Path) -> AsyncIterator[Harness]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'remodel.db'}"
    await upgrade(url)
    store = Store.from_url(url)
    clock = ManualClock(START)
    settings = Settings(
        telegram=TelegramSettings(),
        database=DatabaseSettings(url=url),
        # Private chats may burst; tests should not wait on the 1 msg/s pacing.
        sending=SendingSettings(
            per_chat_per_second=200.0, per_chat_burst=50, global_per_second=1000
        ),
        # Charts render in a thread here: a worker process per test would cost seconds
        # (tests/bot/test_record_render.py runs the process pool itself).
        render=RenderSettings(kind="thread", workers=2),
    )
    server = SandboxServer(clock=clock.now)
    await server.start()
    sandbox = SandboxDriver(server.url)
    harness = Harness(server=server, sandbox=sandbox, clock=clock, store=store, settings=settings)
    try:
        await harness.start()
        yield harness
    finally:
        await harness.stop()
        await sandbox.aclose()
        await server.stop()
        await store.dispose()


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    """A running bot on a fresh database and a fresh sandbox."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    async for harness in _harness(tmp_path):
        yield harness


SHIN = "Inner edge of the shin (back/inside of tibia)"


async def onboard(
    bot: Harness,
    name: str = "Ann",
    *,
    site: str = SHIN,
    grade: str = "MRI grade 2",
    days_ago: str = "10",
    zone: str = "London",
    city: str | None = None,
    morning: str = "7:30",
    evening: str = "20:00",
    finish: bool = True,
) -> ChatDriver:
    """A new athlete who completes onboarding (buttons where there are buttons).

    ``zone`` is a button label; with ``city`` the athlete picks "Other" and types it. With
    ``finish=False`` the athlete stops at the last question (the energy screen's offer)."""
    chat = await bot.athlete(name)
    await chat.send("/start")
    await chat.expect("Remodel")
    await chat.expect("Is that OK with you?")
    await chat.press("Yes")
    await chat.expect("Where is your bone stress injury?")
    await chat.press(site)
    await chat.expect("grade")
    await chat.press(grade)
    await chat.expect("How many days ago")
    await chat.send(days_ago)
    await chat.expect("weight on the leg")
    await chat.press("Full weight as comfort allows")
    await chat.expect("Which sport")
    await chat.press("Running")
    await chat.expect("kilometres")
    await chat.send("40")
    await chat.expect("time zone")
    if city is not None:
        await chat.press("Other")
        await chat.expect("Type your city")
        await chat.send(city)
    else:
        await chat.press(zone)
    await chat.expect("morning check-in")
    await chat.send(morning)
    await chat.expect("evening check-in")
    await chat.send(evening)
    await chat.expect("May I ask three short")
    if not finish:
        return chat
    await chat.press("No")
    await chat.expect("All set")
    return chat


async def drain(chat: ChatDriver, within: float = 0.3) -> list[BotMessage]:
    """Consume whatever the bot sends until it is quiet for ``within`` seconds."""
    messages: list[BotMessage] = []
    while True:
        try:
            messages.append(await chat.next_message(timeout=within))
        except AssertionError:
            return messages


async def tick(chat: ChatDriver, label: str) -> BotMessage:
    """Tick ``label`` at the multi-select question on screen: press it, and wait until the
    keyboard, redrawn in place (no new message), shows it ticked (``✓ label``). The
    question's message as it shows then."""
    shown = [m for m in await chat.transcript() if isinstance(m, BotMessage)]
    message_id = next(m.message_id for m in reversed(shown) if label in m.labels)
    await chat.press(label)
    for _ in range(250):
        message = await chat.message(message_id)
        if isinstance(message, BotMessage) and f"✓ {label}" in message.labels:
            return message
        await asyncio.sleep(0.02)
    raise AssertionError(f"{label!r} was not ticked on message {message_id}")


async def toast_of(chat: ChatDriver, query_id: str) -> str | None:
    """The text the bot answered a press with (its toast; ``None``: a silent answer), once
    the bot has answered it."""
    for _ in range(250):
        answer = await chat.callback_answer(query_id)
        if answer.get("answered"):
            text = answer.get("text")
            return str(text) if text else None
        await asyncio.sleep(0.02)
    raise AssertionError(f"press {query_id} was never answered")


__all__ = [
    "SHIN",
    "STABLE_MORNING",
    "START",
    "BotMessage",
    "ChatDriver",
    "Harness",
    "drain",
    "harness",
    "library",
    "onboard",
    "tick",
    "toast_of",
]
