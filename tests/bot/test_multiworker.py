"""Three ``remodel run --webhook`` processes on one PostgreSQL database, one SIGKILLed.

The same script runs twice, at the same time, each on its own sandbox and database: once
with one worker, once with three workers behind a round-robin forwarder (the load balancer).
A handful of athletes onboard, ask for /today, do a check-in and ask for /help, pressing
every answer button twice in quick succession (a double tap). Mid-check-in, one of the three
workers is SIGKILLed while it handles an update, and started again.

Then, for every athlete: the chat transcripts of the two runs are identical (nothing lost,
nothing duplicated: every question asked once, every reply once), the database state is equal
(profile, phase, check-in rows and answers, events), and the sandbox's flood control (in
Telegram mode) never had to answer 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.cli import installed_content_dir
from bot.dialogue.driver import all_questionnaires
from bot.handlers.clearance import clearance_questionnaire
from bot.rendering.texts import Texts
from bot.storage import Store
from flows.library import load_library
from sandbox.driver import BotMessage, ChatDriver, SandboxDriver
from sandbox.server import SandboxServer
from tests.bot.multiworker_rig import Forwarder, Worker, scratch_database

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import _common as play  # noqa: E402  (bench/_common.py: how an athlete answers)

pytestmark = pytest.mark.postgres
TOKEN = "7212345678:" + "AAFq3xTt0kLmnOpQrStUvWxYz" + "0123456789ab"  # made up
ATHLETES = 3
QUIET = 0.3  # a chat is done answering when the bot is quiet this long


def questionnaires() -> Any:
    library = load_library(installed_content_dir())
    texts = Texts.from_entries({**library.coach.messages, **library.bot.messages})
    return all_questionnaires(library, {"clearance": clearance_questionnaire(texts)})


async def drain(chat: ChatDriver, timeout: float = 90) -> list[BotMessage]:  # noqa: ASYNC109
    first = await chat.next_message(timeout)
    return list(await play.drain(chat, first, quiet=QUIET))


async def on_screen(store: Store, forms: Any, telegram_id: int) -> tuple[Any, int, str] | None:
    """The open question, the message that shows it and the dialogue's nonce, once that
    message is delivered (``None`` when no questionnaire is open)."""
    from bot.dialogue import driver as dialogue_driver
    from bot.storage import get_athlete_by_telegram_id, get_dialogue

    for _ in range(600):
        async with store.transaction() as session:
            athlete = await get_athlete_by_telegram_id(session, telegram_id)
            dialogue = None if athlete is None else await get_dialogue(session, athlete.id or 0)
        position = None if dialogue is None else dialogue_driver.position(forms, dialogue)
        if dialogue is None or position is None:
            return None
        if dialogue.keyboard_message_id is not None:
            return position, dialogue.keyboard_message_id, f"{dialogue.nonce}:{position.index}"
        await asyncio.sleep(0.05)  # asked, not yet on screen
    raise AssertionError("the question never reached the screen")


async def until_open(store: Store, forms: Any, telegram_id: int) -> None:
    """Wait until a questionnaire is open for the athlete. A command's reply can queue behind
    earlier messages (paced at 1/s per chat), so a quiet chat does not mean it was handled."""
    for _ in range(600):
        if await on_position(store, forms, telegram_id) is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no questionnaire opened")


async def answer_with_double_taps(chat: ChatDriver, store: Store, forms: Any) -> None:
    """Answer the open questionnaire to its end, reading the question on screen from the
    database; every button is pressed twice at once (a double tap)."""
    await until_open(store, forms, chat.user_id)
    for _ in range(60):
        shown = await on_screen(store, forms, chat.user_id)
        if shown is None:
            return
        position, message_id, _ = shown
        where = await on_position(store, forms, chat.user_id)
        message = await chat.message(message_id)
        assert isinstance(message, BotMessage)
        tokens = [
            parsed[1]
            for row in message.buttons
            for button in row
            if (parsed := play.answer_tokens(button.callback_data or "")) is not None
        ]
        question = position.question
        action = (
            play.choose(question, tokens)
            if tokens
            else play.Action(text=play.typed_answer(question))
        )
        if action.token is not None:
            await asyncio.gather(
                play.perform(chat, message, action), play.perform(chat, message, action)
            )
        else:
            await play.perform(chat, message, action)
        for _ in range(600):  # until the answer is recorded (the position moved on)
            now = await on_position(store, forms, chat.user_id)
            if now != where:
                break
            await asyncio.sleep(0.02)
    raise AssertionError("the questionnaire did not end")


async def on_position(
    store: Store, forms: Any, telegram_id: int, *, delivered: bool = False
) -> tuple[str, int] | None:
    """(nonce, index) of the open question (``None``: none open). With ``delivered``, an
    open question not on screen yet counts as ``("", -1)``."""
    from bot.dialogue import driver as dialogue_driver
    from bot.storage import get_athlete_by_telegram_id, get_dialogue

    async with store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, telegram_id)
        dialogue = None if athlete is None else await get_dialogue(session, athlete.id or 0)
    position = None if dialogue is None else dialogue_driver.position(forms, dialogue)
    if dialogue is None or position is None:
        return None
    if delivered and dialogue.keyboard_message_id is None:
        return ("", -1)
    return (dialogue.nonce, position.index)


async def athlete_script(
    driver: SandboxDriver, store: Store, forms: Any, name: str, mid_checkin: Any
) -> ChatDriver:
    chat = driver.chat((await driver.create_user(name)).id)
    await chat.send("/start")
    await drain(chat)  # the welcome and the first question
    await answer_with_double_taps(chat, store, forms)
    await drain(chat)
    await chat.send("/today")
    await drain(chat)
    await chat.send("/checkin")
    await drain(chat)  # the first question
    await mid_checkin()
    await answer_with_double_taps(chat, store, forms)
    await drain(chat)
    await chat.send("/help")
    await drain(chat)
    return chat


async def snapshot(store: Store) -> dict[int, Any]:
    """What an athlete's state is, by Telegram user id, without ids and timestamps."""
    queries = {
        "athlete": "SELECT telegram_user_id, onboarded, first_name, active, paused, time_zone, "
        "morning_time, evening_time, injury_site, injury_grade, sport, phase, "
        "CAST(rehab_state AS text) FROM athletes",
        "checkins": "SELECT a.telegram_user_id, c.slot, c.status, c.answers FROM checkins c "
        "JOIN athletes a ON a.id = c.athlete_id ORDER BY c.slot",
        "events": "SELECT a.telegram_user_id, e.kind FROM events e "
        "JOIN athletes a ON a.id = e.athlete_id ORDER BY e.id",
    }
    state: dict[int, Any] = {}
    async with store.transaction() as session:
        for key, sql in queries.items():
            for row in (await session.execute(sa.text(sql))).all():
                state.setdefault(row[0], {}).setdefault(key, []).append(tuple(row[1:]))
    return state


@contextlib.asynccontextmanager
async def deployment(
    base_url: str, workers: int
) -> AsyncIterator[tuple[SandboxServer, Forwarder, list[Worker], str]]:
    async with (
        scratch_database(base_url, "mw") as database_url,
        SandboxServer(token=TOKEN, flood="telegram") as server,
        Forwarder() as forwarder,
    ):
        server.webhook.first_retry_delay = 0.05
        server.webhook.max_retry_delay = 0.5
        pool = [
            Worker(
                i,
                bot_api_base=server.bot_api_base,
                token=TOKEN,
                database_url=database_url,
                public_url=forwarder.url,
            )
            for i in range(workers)
        ]
        try:
            # All at once on the empty database: the migration race is part of the test.
            await asyncio.gather(*(w.start() for w in pool))
            await asyncio.gather(*(w.wait_healthy() for w in pool))
            for w in pool:
                forwarder.add(w.port)
            yield server, forwarder, pool, database_url
        except BaseException:
            await asyncio.gather(*(w.stop() for w in pool))
            raise
        codes = await asyncio.gather(*(w.stop() for w in pool))
        for w, code in zip(pool, codes, strict=True):
            assert code == 0, f"worker {w.index} did not stop cleanly (SIGTERM): {w.tail()}"


async def play_run(base_url: str, workers: int, kill: bool) -> dict[str, Any]:
    forms = questionnaires()
    async with deployment(base_url, workers) as (server, forwarder, pool, database_url):
        store = Store.from_url(database_url)
        victim = pool[-1]
        answers_seen = 0
        killed = asyncio.Event()
        kills: list[asyncio.Task[None]] = []

        async def mid_checkin() -> None:
            nonlocal answers_seen
            answers_seen += 1
            if kill and answers_seen == ATHLETES // 2 and not killed.is_set():
                killed.set()
                kills.append(asyncio.create_task(kill_mid_update()))

        async def kill_mid_update() -> None:
            """Hand the next answer press to the victim and hold every callback answer in the
            sandbox for a while: the press then sits in its reply, unacknowledged, after the
            answer was recorded and the next question shown. SIGKILL the victim there (with
            nothing else in flight)."""
            handed: list[int] = []

            def first_press_to_victim(update: dict[str, Any]) -> int | None:
                press = update.get("callback_query") or {}
                if handed or play.answer_tokens(press.get("data", "")) is None:
                    return None
                handed.append(update["update_id"])
                return victim.index

            forwarder.route = first_press_to_victim
            async with SandboxDriver(server.url) as control:
                await control.set_faults(
                    hang_rate=1.0, hang_seconds=2.0, methods=["answerCallbackQuery"]
                )
                try:
                    for _ in range(3000):
                        if await stuck_in_its_reply(forwarder.busy_with(victim.index)):
                            break
                        await asyncio.sleep(0.02)
                    else:
                        raise AssertionError("the victim never sat in a reply")
                    victim.kill()
                finally:
                    forwarder.route = None
                    await control.set_faults(hang_rate=0.0, hang_seconds=0.0, methods=[])

        async def stuck_in_its_reply(busy: list[tuple[float, dict[str, Any]]]) -> bool:
            if len(busy) != 1 or busy[0][0] < 0.2 or "callback_query" not in busy[0][1]:
                return False
            press = busy[0][1]["callback_query"]
            pressed = play.answer_tokens(press.get("data", ""))
            if pressed is None:
                return False
            shown = await on_position(store, forms, press["from"]["id"], delivered=True)
            # Moved past the pressed question, and the next one is on screen (or it ended).
            return shown is None or shown[1] > pressed[0]

        try:
            async with SandboxDriver(server.url) as driver:
                chats = await asyncio.gather(
                    *(
                        athlete_script(driver, store, forms, f"Athlete{i}", mid_checkin)
                        for i in range(ATHLETES)
                    )
                )
                if kill:
                    await asyncio.gather(*kills)
                    assert victim.process is not None
                    await asyncio.wait_for(victim.process.wait(), 30)
                    assert victim.process.returncode == -9, "SIGKILLed"
                    await victim.start(migrate=False)
                    health = await victim.wait_healthy()
                    assert health["database"] == "ok"
                # Late messages (paced at 1/s per chat) land before the transcripts are read.
                for chat in chats:
                    with contextlib.suppress(AssertionError):
                        while True:
                            await chat.next_message(3.0)
                transcripts = {
                    c.user_id: [m.text for m in await c.transcript() if isinstance(m, BotMessage)]
                    for c in chats
                }
                stats = await driver.stats()
            state = await snapshot(store)
        finally:
            await store.dispose()
        return {
            "transcripts": transcripts,
            "state": state,
            "stats": stats,
            "forwarded": list(forwarder.forwarded),
            "failed": forwarder.failed,
        }


async def test_three_workers_one_killed_equal_one_worker(postgres_url: str) -> None:
    one, three = await asyncio.gather(
        play_run(postgres_url, 1, kill=False), play_run(postgres_url, 3, kill=True)
    )
    assert three["failed"] >= 1, "a delivery died with its worker (and was delivered again)"
    assert all(n > 0 for n in three["forwarded"]), "every worker took updates"
    for user_id, transcript in one["transcripts"].items():
        assert three["transcripts"][user_id] == transcript, f"athlete {user_id}"
        assert len(transcript) > 12, "onboarding, a check-in and two commands"
    assert three["state"] == one["state"]
    for state in one["state"].values():
        assert state["athlete"][0][0] is True, "onboarded"
        assert [c[1] for c in state["checkins"]] == ["answered"], "one check-in, answered"
    assert one["stats"]["answered_429"] == 0
    assert three["stats"]["answered_429"] == 0
