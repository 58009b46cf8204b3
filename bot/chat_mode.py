"""``remodel chat``: the real bot, in this terminal, with a clock you can move.

The same composition root and handlers as ``remodel run``, wired to:

* an in-process :class:`sandbox.SandboxServer` (a local Telegram; no token, no network)
  reached over real HTTP on 127.0.0.1, through the same run path (:func:`bot.run_mode.running`);
* an embedded SQLite file (``--db``, default ``./remodel-chat.db``), migrated at start, so a
  try-out can be resumed (the clock resumes at the last recorded instant);
* a :class:`bot.clock.ManualClock`, moved by ``:`` commands typed in the chat
  (:mod:`bot.time_travel`): each jump ticks the scheduler through every due instant on the
  way, so the check-ins of the skipped days arrive in order, and those left unanswered are
  recorded as missed by the scheduler's own rules;
* the sandbox's terminal client (:func:`sandbox.terminal.run_chat`), which keys the
  buttons (``#a``, ``#3``) and works with piped stdin, so a test can script a session.

The sandbox is a development tool: only this module (the try-out mode) imports it, never the
production path of ``remodel run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import col

from bot.clock import ManualClock
from bot.config import ConfigError, DatabaseSettings, Settings, TelegramSettings
from bot.dialogue import driver
from bot.run_mode import RunOptions, build_app, running
from bot.storage import (
    Athlete,
    Checkin,
    Event,
    Store,
    get_athlete_by_telegram_id,
    get_dialogue,
    upgrade,
)
from bot.time_travel import HELP, Kind, TimeTravelError, describe, parse, target_of, walk

if TYPE_CHECKING:
    from flows.library import Library
    from sandbox.driver import SandboxDriver

__all__ = ["ChatOptions", "TimeTraveller", "host_zone", "resume_instant", "run_chat_mode"]

log = logging.getLogger("remodel.chat")

SETTLE_SECONDS = 0.3
"""How long a jump pauses after a tick that sent something, so the terminal shows it first."""

SETTLE_TIMEOUT = 15.0
"""The longest a scripted line waits for the bot to finish with the previous one."""


def host_zone() -> ZoneInfo:
    """The host's IANA zone (``TZ``, else ``/etc/localtime``), or UTC when unknown."""
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError):
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name:
            with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                return ZoneInfo(name)
    return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """``remodel chat`` options, validated."""

    db: Path = Path("remodel-chat.db")
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    start: datetime | None = None
    fresh: bool = False
    name: str = "Alex"
    reply_timeout: float = 3.0

    @classmethod
    def from_args(
        cls,
        *,
        db: Path,
        zone: str | None = None,
        start: str | None = None,
        fresh: bool = False,
        name: str = "Alex",
        reply_timeout: float = 3.0,
    ) -> ChatOptions:
        """Validate the command-line values (``ConfigError`` names the option and the fix)."""
        if zone:
            try:
                tz = ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ConfigError(
                    f"--zone {zone!r} is not an IANA time zone; use a name like Europe/Paris"
                ) from None
        else:
            tz = host_zone()
        when: datetime | None = None
        if start:
            try:
                naive = datetime.fromisoformat(start.strip().replace(" ", "T", 1))
            except ValueError:
                raise ConfigError(
                    f"--start {start!r} is not a date and time; write YYYY-MM-DD HH:MM"
                ) from None
            when = naive if naive.tzinfo is not None else naive.replace(tzinfo=tz)
            when = when.astimezone(UTC)
        if not name.strip():
            raise ConfigError("--name must not be empty")
        if db.exists() and db.is_dir():
            raise ConfigError(f"--db {db} is a folder; give a file path")
        return cls(
            db=db, zone=tz, start=when, fresh=fresh, name=name.strip(), reply_timeout=reply_timeout
        )

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.db}"


def remove_database(db: Path) -> None:
    """Delete an SQLite file and its WAL companions."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{db}{suffix}").unlink()


async def resume_instant(store: Store) -> datetime | None:
    """The last instant the try-out database recorded (to resume the clock), if any."""
    queries: list[sa.Select[tuple[datetime | None]]] = [
        sa.select(sa.func.max(col(Athlete.updated_at))),
        sa.select(sa.func.max(col(Event.at))),
        sa.select(sa.func.max(col(Checkin.sent_at))),
        sa.select(sa.func.max(col(Checkin.answered_at))),
    ]
    found: list[datetime] = []
    async with store.transaction() as session:
        for query in queries:
            value = (await session.execute(query)).scalar_one_or_none()
            if isinstance(value, datetime):
                found.append(value if value.tzinfo else value.replace(tzinfo=UTC))
    return max(found) if found else None


async def next_scheduled(store: Store, after: datetime) -> datetime | None:
    """The earliest instant after ``after`` at which the ticker has something to do: a
    check-in falls due or a reminder is due."""
    queries = [
        sa.select(sa.func.min(col(Athlete.next_due_at))).where(col(Athlete.next_due_at) > after),
        sa.select(sa.func.min(col(Checkin.remind_at))).where(col(Checkin.remind_at) > after),
    ]
    found: list[datetime] = []
    async with store.transaction() as session:
        for query in queries:
            value = (await session.execute(query)).scalar_one_or_none()
            if isinstance(value, datetime):
                found.append(value if value.tzinfo else value.replace(tzinfo=UTC))
    return min(found) if found else None


async def known_user(store: Store) -> int | None:
    """The Telegram id of the athlete an earlier try-out in this database talked to (the
    most recently updated one, should there be several), or None for a new database."""
    async with store.transaction() as session:
        found = (
            await session.execute(
                sa.select(col(Athlete.telegram_user_id))
                .order_by(col(Athlete.updated_at).desc(), col(Athlete.id).desc())
                .limit(1)
            )
        ).scalar_one_or_none()
    return None if found is None else int(found)


async def last_message_id(store: Store, telegram_user_id: int) -> int:
    """The highest message id of the athlete's chat that the database refers to (0: none).

    The try-out's sandbox is new each session and would number the chat's messages from 1
    again, while the bot compares new ids with those it stored (a typed answer with an id at
    or below the last one filed is a redelivery, never the next answer): the recreated chat
    must continue above every id stored."""
    async with store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, telegram_user_id)
        if athlete is None or athlete.id is None:
            return 0
        found = (
            await session.execute(
                sa.select(sa.func.max(col(Checkin.message_id))).where(
                    col(Checkin.athlete_id) == athlete.id
                )
            )
        ).scalar_one_or_none()
        ids = [int(found or 0), athlete.last_typed_message_id or 0]
        dialogue = await get_dialogue(session, athlete.id)
        if dialogue is not None:
            ids.append(dialogue.keyboard_message_id or 0)
            ids += driver.shown_of(dialogue)
    return max(ids)


class TimeTraveller:
    """Handles the ``:`` lines of the terminal chat by moving a :class:`ManualClock`."""

    def __init__(
        self,
        clock: ManualClock,
        *,
        tick: Callable[[], Awaitable[object]],
        next_due: Callable[[datetime], Awaitable[datetime | None]] | None,
        zone: Callable[[], Awaitable[ZoneInfo]],
        write: Callable[[str], None],
        settle: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.clock = clock
        self._tick = tick
        self._next_due = next_due
        self._zone = zone
        self._write = write
        self._settle = settle
        self._lock = asyncio.Lock()

    async def handle(self, line: str) -> str | None:
        """One ``:`` line: the answer to print (or None)."""
        try:
            command = parse(line)
        except TimeTravelError as exc:
            return f"(time travel: {exc})"
        zone = await self._zone()
        if command.kind is Kind.HELP:
            return HELP
        if command.kind is Kind.NOW:
            return f"(simulated time: {describe(self.clock.now(), zone)})"
        async with self._lock:
            target = target_of(command, self.clock.now(), zone)
            self._write(f"(time travel: to {describe(target, zone)})")

            async def tick() -> None:
                now = self.clock.now()
                if now < target:
                    self._write(f"(... {describe(now, zone)})")
                await self._tick()

            await walk(
                target,
                now=self.clock.now,
                set_time=self.clock.set,
                tick=tick,
                next_due=self._next_due,
                settle=self._settle,
            )
        return f"(simulated time: {describe(self.clock.now(), zone)})"


def _idle_check(server: Any, app: Any) -> Callable[[], Awaitable[None]]:
    """The terminal's ``idle`` hook: returns once the bot has been idle for a few checks in
    a row (no update waiting in the sandbox, none queued in PTB, none being processed), or
    after ``SETTLE_TIMEOUT``. The bot paces its sends, so it can be silent for a second in
    the middle of an answer; a script must not type on before it is done."""

    def busy() -> bool:
        processor = app.update_processor
        return bool(
            server.store.updates
            or not app.update_queue.empty()
            or processor.current_concurrent_updates > 0
        )

    async def idle() -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        calm = 0
        while calm < 4 and loop.time() < deadline:
            calm = 0 if busy() else calm + 1
            await asyncio.sleep(0.03)

    return idle


class _Settler:
    """After a tick, waits briefly if the bot sent something, so it is printed in order."""

    def __init__(self, driver: SandboxDriver, chat_id: int) -> None:
        self.driver = driver
        self.chat_id = chat_id
        self.last = 0

    async def latest(self) -> int:
        entries: list[dict[str, Any]] = await self.driver.request(
            "GET", f"chats/{self.chat_id}/messages", params={"after_message_id": self.last}
        )
        return max((int(e["message_id"]) for e in entries), default=self.last)

    async def __call__(self) -> None:
        latest = await self.latest()
        if latest > self.last:
            self.last = latest
            await asyncio.sleep(SETTLE_SECONDS)


async def run_chat_mode(
    settings: Settings,
    options: ChatOptions,
    *,
    library: Library,
    stdin: TextIO,
    stdout: TextIO,
) -> int:
    """``remodel chat``: run the bot on a local sandbox and chat with it; the exit code."""
    if options.fresh:
        remove_database(options.db)
    store = Store.from_url(options.database_url)
    try:
        await upgrade(store.engine)
        start = options.start or await resume_instant(store) or datetime.now(UTC)
        clock = ManualClock(start)
        return await _chat(settings, options, library, store, clock, stdin, stdout)
    finally:
        await store.dispose()


async def _chat(
    settings: Settings,
    options: ChatOptions,
    library: Library,
    store: Store,
    clock: ManualClock,
    stdin: TextIO,
    stdout: TextIO,
) -> int:
    from sandbox.driver import SandboxDriver
    from sandbox.server import SandboxServer
    from sandbox.terminal import run_chat

    def write(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    async with SandboxServer(clock=clock.now) as server:
        chat_settings = settings.model_copy(
            update={
                "telegram": TelegramSettings(token=server.token, base_url=server.bot_api_base),
                "database": DatabaseSettings(url=options.database_url),
                # Piped or quick typing meets the chat's 1 msg/s pace: no slow-update
                # warnings between the bot's messages on screen.
                "logging": settings.logging.model_copy(update={"slow_update_ms": 0}),
            }
        )
        app = build_app(
            chat_settings,
            library=library,
            store=store,
            clock=clock,
            base_file_url=server.bot_file_base,
            run_ticker=False,
        )
        ticker = app.bot_data.services.ticker
        if ticker is None:
            raise RuntimeError("build_application did not wire a ticker")
        chat_store = store
        async with (
            running(app, RunOptions(poll_timeout=1.0)),
            SandboxDriver(server.url) as driver,
        ):
            known = await known_user(chat_store)
            resumed = known is not None
            # A resumed try-out: the same user, who talked to the bot in an earlier
            # session, so the fresh sandbox lets the bot write first (Telegram would).
            user = await driver.create_user(
                options.name,
                started=resumed,
                user_id=known,
                messages_after=await last_message_id(chat_store, known) if known else 0,
            )

            async def zone() -> ZoneInfo:
                # The athlete's own zone once onboarding has set it, else --zone.
                async with chat_store.transaction() as session:
                    row = (
                        await session.execute(
                            sa.select(col(Athlete.time_zone), col(Athlete.onboarded)).where(
                                col(Athlete.telegram_user_id) == user.id
                            )
                        )
                    ).one_or_none()
                if row is not None and row[1]:
                    with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                        return ZoneInfo(row[0])
                return options.zone

            async def next_due(after: datetime) -> datetime | None:
                return await next_scheduled(chat_store, after)

            async def tick() -> None:
                # A tick already running (none is scheduled here, but be safe) skips ours.
                for _ in range(100):
                    if not (await ticker.tick()).skipped:
                        return
                    await asyncio.sleep(0.05)

            settle = _Settler(driver, user.id)
            traveller = TimeTraveller(
                clock,
                tick=tick,
                next_due=next_due,
                zone=zone,
                write=write,
                settle=settle,
            )
            write(
                f"Remodel, local try-out: you are {options.name}, chatting with "
                f"@{app.bot.username} on a local sandbox (database {options.db})."
            )
            if resumed:
                # The sandbox is new: the earlier messages, and their buttons, are not there.
                write(
                    "(resuming the try-out stored in this database; earlier messages are not "
                    "shown: /start shows where we were; --fresh starts over)"
                )
            write(f"(simulated time: {describe(clock.now(), await zone())})")
            write(
                "Type to chat (a number is an answer), #a or #3 to press the button shown "
                "as [#a] or [#3], :help for time travel, :quit to leave. Try /start."
            )
            await run_chat(
                driver,
                user.id,
                stdin=stdin,
                stdout=stdout,
                on_meta=traveller.handle,
                reply_timeout=options.reply_timeout,
                idle=_idle_check(server, app),
            )
    write("(bye: your progress is kept in " + str(options.db) + ")")
    return 0
