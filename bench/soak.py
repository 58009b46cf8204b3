"""Soak: N athletes × D simulated days, once fault-free and once with faults and kills.

    python bench/soak.py --athletes 200 --days 28 [--kills 3] [--database-url URL] [--seed 1]

Each run starts an in-process sandbox (Telegram) whose clock is the soak's ``ManualClock``,
and the bot as a **child process** (``bench/_soak_bot.py``: ``remodel run``'s code path,
polling), so that it can be killed with SIGKILL and restarted on the same database. The
athletes are scripted and deterministic: each is onboarded the same way, then answers every
question it is shown with a value that is a pure function of (athlete, day, question) —
never of timing (``answer_for``). A question is recognised by its text (the questionnaires'
own wording), answered with its button, or typed where it has none.

The clock moves in 30-minute steps over the whole period; after each step the driver runs
one tick in the bot (one stdin round trip: ``tick ISO``) and, when anything was sent, waits
until the step has **settled** (``settled``): no update waiting in the sandbox, no Bot API
request being served (the sandbox's ``in_flight`` gauge, so a hung send that the bot timed
out on still holds the step until it is delivered late), none queued or processed in the bot
(its ``idle`` command), every athlete has read its chat and answered, over ``--quiet``
seconds of unchanged counters. (Until 2026-12-07 a busy step ended after fixed quiet periods
of 2 s, 10 s in the faulty run, which cost most of the faulty run's wall time and only
guessed at the same.) The athletes read their chats straight from the in-process sandbox's
store, woken by its change events, instead of 200 control-API long polls; what they send
goes through the control API as before. The faulty run adds sandbox
faults after onboarding (``--error-rate`` 5xx, ``--hang-rate`` hangs of ``--hang-seconds``,
``--flood-rate`` 429s) and ``--kills`` SIGKILLs of the bot at random moments while athletes
are answering (then a restart and a tick, as the repeating job would do).

Then the two databases are compared row by row (athletes, check-ins, events, open
dialogues) and the sandbox transcripts are searched for messages sent twice. Printed: lost,
duplicated and differing check-ins, state differences, messages sent twice, each listed
with what differs; ``defects`` counts every difference (nothing is explained away by the
script: the analysis lives in bench/README.md). Runs on SQLite by default; with
``--database-url postgresql+asyncpg://...`` on PostgreSQL in private schemas, dropped
afterwards. Loopback only; bounded by the simulated period.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import html
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import _common  # noqa: F401 - puts the project root on sys.path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "424242:SOAK-token-not-secret"
#: Monday 2 March 2026, 06:00 UTC (before the first morning check-in in London).
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/London")
STEP = timedelta(minutes=30)
FIRST_USER = 100_000_001
#: seconds between two probes of the settle check
PROBE = 0.05

#: Red-flag and symptom questions: "no", except rarely (a deterministic few say yes).
SYMPTOMS = {
    "night_pain",
    "pain_building",
    "pain_sharp",
    "limp",
    "swelling",
    "groin_pain",
    "new_site_pain",
    "cannot_bear_weight",
    "reds_signs",
}
PAIN_SCALES = {"next_morning_pain", "pain_rest", "pain_during", "pain_after", "pain_walking"}
HINTS = (
    "Tap a number or type one from",
    "Tap a button or type your answer.",
    "Type your answer.",
    "Tap each that applies, then Done.",
)


@dataclass(frozen=True)
class Answer:
    """Press the button with ``token``, or type ``text``."""

    token: str | None = None
    text: str | None = None


def _h(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def answer_for(athlete: int, day: int, question: Any) -> Answer:
    """The athlete's answer: a pure function of (athlete, day, question)."""
    qid = question.id
    h = _h(athlete, day, qid)
    kind = str(question.type.value if hasattr(question.type, "value") else question.type)
    if kind == "yes_no":
        if qid in SYMPTOMS:
            return Answer(token="y" if h % 100 == 0 else "n")
        return Answer(token="y" if h % 10 else "n")
    if kind == "scale":
        if qid in PAIN_SCALES:
            return Answer(token=str(h % 3))
        return Answer(token=str(h % 11))
    if kind == "choice":
        return Answer(token=str(h % max(1, len(question.options))))
    if kind == "multi":  # the safety screen: "none", rarely one sign typed in words
        options = question.options
        return Answer(text=options[h % len(options)].label if h % 100 == 0 else "none")
    if kind == "number":
        low = question.min if question.min is not None else 0
        high = question.max if question.max is not None else low + 10
        if qid == "sleep_hours":
            return Answer(text=("5", "6.5", "7", "7.5", "8", "9")[h % 6])
        span = max(1, int(high - low))
        return Answer(text=str(int(low) + h % (span + 1)))
    if kind == "time_of_day":
        return Answer(text="08:00")
    return Answer(text=f"day {day} fine")


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


class Questions:
    """Recognises a question by its text in a bot message (longest match wins)."""

    def __init__(self) -> None:
        from bot.cli import installed_content_dir
        from flows.library import load_library

        library = load_library(installed_content_dir())
        self.by_text: list[tuple[str, Any]] = []
        for questionnaire in library.questionnaires.questionnaires.values():
            for question in questionnaire.questions:
                self.by_text.append((_plain(question.text), question))
        self.by_text.sort(key=lambda item: len(item[0]), reverse=True)

    def match(self, text: str) -> Any | None:
        if not any(hint in text for hint in HINTS):
            return None  # an answered question (edited) or another message
        for plain, question in self.by_text:
            if plain and plain in text:
                return question
        return None


class BotProcess:
    """The bot in a child process (bench/_soak_bot.py), killable with SIGKILL."""

    def __init__(self, base_url: str, database_url: str, schema: str | None) -> None:
        self.args = [
            sys.executable,
            str(ROOT / "bench" / "_soak_bot.py"),
            *("--base-url", base_url, "--token", TOKEN, "--database-url", database_url),
            *(("--schema", schema) if schema else ()),
        ]
        self.process: asyncio.subprocess.Process | None = None
        self.lock = asyncio.Lock()
        self.starts = 0

    async def start(self, now: datetime) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.args,
            "--now",
            now.isoformat(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
            # Its own process group, so a kill takes the whole bot down, render workers
            # included: a surviving grandchild would hold the stdout pipe open, and on
            # Python 3.11 wait() then never returns.
            start_new_session=True,
        )
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 120)
        if line.strip() != b"ready":
            raise RuntimeError(f"the bot did not start: {line!r}")
        self.starts += 1

    async def command(self, line: str) -> str | None:
        """One request/answer; None when the process died meanwhile (a kill)."""
        async with self.lock:
            process = self.process
            if process is None or process.stdin is None or process.stdout is None:
                return None
            try:
                process.stdin.write(line.encode() + b"\n")
                await process.stdin.drain()
                answer = await process.stdout.readline()
            except (BrokenPipeError, ConnectionResetError):
                return None
            return answer.decode().strip() or None

    async def kill(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()

    async def stop(self) -> None:
        process = self.process
        if process is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.command("quit"), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(process.wait(), 30)
        await self.kill()


@dataclass
class World:
    """What the athletes share: the simulated day, and what the settle check reads."""

    day: int = 0
    done: bool = False
    answers_given: int = 0
    #: athletes between reading new messages and their answer being accepted
    acting: int = 0
    #: the last message id each athlete has read, by user id
    seen: dict[int, int] = field(default_factory=dict)


async def athlete_loop(
    index: int, sandbox: Any, store: Any, user_id: int, world: World, questions: Questions
) -> None:
    """Answer every question shown, until the run ends (deterministic answers).

    The athlete reads its chat straight from the in-process sandbox's store (waking on the
    chat's change event) instead of long-polling the control API: 200 idle long polls
    re-issued every 2 s cost the driver's core more than the answers did. Its presses and
    messages still go through the control API, so the bot sees real updates."""
    from sandbox.driver import BotMessage, ChatDriver, SandboxError

    driver = ChatDriver(sandbox, user_id, user_id)
    chat = store.chats[user_id]
    seen = world.seen[user_id] = 0
    while not world.done:
        waiter = chat.changed  # taken before looking, so a change meanwhile still wakes us
        last = next(reversed(chat.messages), 0)
        if last <= seen:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), 5.0)
            continue
        world.acting += 1
        try:
            # A snapshot of the new messages, as a transcript poll would have returned them.
            entries = [
                store.transcript_entry(m)
                for mid in range(seen + 1, last + 1)
                if (m := chat.messages.get(mid)) is not None and not m.deleted
            ]
            seen = last
            for entry in entries:
                if entry["side"] != "bot":
                    continue
                message = BotMessage.from_entry(entry)
                question = questions.match(message.text)
                if question is None:
                    continue
                answer = answer_for(index, world.day, question)
                try:
                    if answer.token is not None:
                        data = next(
                            (
                                b.callback_data
                                for row in message.buttons
                                for b in row
                                if b.callback_data
                                and b.callback_data.split(":")[-1] == answer.token
                            ),
                            None,
                        )
                        if data is None:
                            continue  # no such button on this message: nothing to press
                        await driver.press_data(message.message_id, data)
                    else:
                        assert answer.text is not None
                        await driver.send(answer.text)
                    world.answers_given += 1
                except SandboxError:
                    continue  # e.g. the keyboard was removed meanwhile: a person cannot press
        finally:
            world.seen[user_id] = seen
            world.acting -= 1


async def onboard(sandbox: Any, user_id: int) -> None:
    """The same onboarding for everyone (conversation_fixtures.onboard's answers)."""
    from sandbox.driver import ChatDriver

    chat = ChatDriver(sandbox, user_id, user_id)
    timeout = 60.0
    await chat.send("/start")
    await chat.expect("Remodel", timeout)
    await chat.expect("Is that OK with you?", timeout)
    await chat.press("Yes")
    await chat.expect("Where is your bone stress injury?", timeout)
    await chat.press("Inner edge of the shin (back/inside of tibia)")
    await chat.expect("grade", timeout)
    await chat.press("MRI grade 2")
    await chat.expect("How many days ago", timeout)
    await chat.send("10")
    await chat.expect("weight on the leg", timeout)
    await chat.press("Full weight as comfort allows")
    await chat.expect("Which sport", timeout)
    await chat.press("Running")
    await chat.expect("kilometres", timeout)
    await chat.send("40")
    await chat.expect("time zone", timeout)
    await chat.press("London")
    await chat.expect("morning check-in", timeout)
    await chat.send("7:30")
    await chat.expect("evening check-in", timeout)
    await chat.send("20:00")
    await chat.expect("May I ask three short", timeout)
    await chat.press("No")
    await chat.expect("All set", timeout)


@dataclass
class RunResult:
    """One run's database contents and transcript figures."""

    label: str
    athletes: dict[int, dict[str, Any]]
    checkins: dict[tuple[int, str, str], dict[str, Any]]
    checkin_keys: Counter[tuple[int, str, str]]
    events: Counter[tuple[int, str]]
    dialogues: dict[int, tuple[str, str | None]]
    sent_twice: Counter[str]
    bot_messages: int
    answers_given: int
    kills: int
    wall: float
    stats: dict[str, Any]
    transcripts: dict[int, list[str]] = field(default_factory=dict)
    kill_log: list[str] = field(default_factory=list)
    #: where the wall time went: onboarding, ticks, settling (seconds), busy/unsettled steps
    timing: dict[str, float] = field(default_factory=dict)


def _timing(timing: dict[str, float]) -> str:
    return ", ".join(
        f"{name} {value:.0f}" if name.endswith("steps") else f"{name} {value:.0f} s"
        for name, value in sorted(timing.items())
    )


async def settled(
    store: Any, bot: BotProcess, world: World, user_ids: list[int], calm: float, limit: float
) -> bool:
    """Wait until nothing can still happen in this step; False after ``limit`` seconds.

    Settled means, at every probe over ``calm`` seconds (and at least three probes):
    no update waiting in the sandbox (fetched ones stay there until getUpdates confirms
    them), no Bot API request being served other than the long poll (**a hung send counts
    until the sandbox serves it**, also after the bot timed out on it or was killed, so a
    late delivery cannot fall after the step), no update queued or being processed in the
    bot (a handler sleeping before a retry counts), no athlete between reading and
    answering, every athlete has read its whole chat, and no request, message or answer
    happened between the first and the last probe. This replaces the former fixed quiet
    periods (2 s after the last message; 10 s with hangs), which only guessed at the same.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit

    def fingerprint() -> tuple[int, ...]:
        requests = sum(n for m, n in store.stats.requests.items() if m != "getUpdates")
        return (requests, store.stats.messages_delivered, world.answers_given)

    async def quiet_now() -> bool:
        if store.updates or world.acting:
            return False
        if any(n for m, n in store.stats.in_flight.items() if m != "getUpdates"):
            return False
        for user_id in user_ids:
            if next(reversed(store.chats[user_id].messages), 0) > world.seen.get(user_id, 0):
                return False
        answer = await bot.command("idle")
        if answer is None:
            return False
        state = json.loads(answer)
        return not state["queued"] and not state["processing"]

    while loop.time() < deadline:
        since, mark, probes = loop.time(), fingerprint(), 0
        while await quiet_now() and fingerprint() == mark:
            probes += 1
            if probes >= 3 and loop.time() - since >= calm:
                return True
            await asyncio.sleep(PROBE)
        await asyncio.sleep(PROBE)
    return False


def _transcripts(store: Any) -> dict[int, list[str]]:
    """Each private chat as short lines (for explaining a difference)."""
    out: dict[int, list[str]] = {}
    for chat in store.chats.values():
        lines = []
        for m in sorted(chat.messages.values(), key=lambda m: m.message_id):
            who = "bot" if m.from_bot else "athlete"
            mark = " (edited)" if getattr(m, "edited", False) else ""
            text = (m.text or "").replace("\n", " ")[:70]
            lines.append(f"{m.message_id:5} {who:7} {text}{mark}")
        out[chat.id] = lines
    return out


def _sent_twice(store: Any) -> Counter[str]:
    """Bot messages identical to the bot's previous one in the chat, with no user message
    between them: what a retried send shows the athlete (by the first words)."""
    twice: Counter[str] = Counter()
    for chat in store.chats.values():
        previous: tuple[Any, ...] | None = None
        for message in sorted(chat.messages.values(), key=lambda m: m.message_id):
            if not message.from_bot:
                previous = None
                continue
            key = (message.text, json.dumps(message.reply_markup, sort_keys=True))
            if key == previous:
                twice[(message.text or "")[:40]] += 1
            previous = key
    return twice


async def dump(database_url: str, schema: str | None) -> dict[str, Any]:
    """Athletes, check-ins, events and open dialogues, keyed by Telegram user id."""
    import sqlalchemy as sa

    from bot.storage import create_engine

    connect_args = {"server_settings": {"search_path": schema}} if schema else {}
    engine = create_engine(database_url, connect_args=connect_args)
    out: dict[str, Any] = {}
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text(
                    "SELECT id, telegram_user_id, phase, rehab_state, paused, active, onboarded,"
                    " morning_time, evening_time, time_zone FROM athletes"
                )
            )
            ids: dict[int, int] = {}
            athletes: dict[int, dict[str, Any]] = {}
            for row in rows.mappings():
                ids[row["id"]] = row["telegram_user_id"]
                state = row["rehab_state"]
                if isinstance(state, str):
                    state = json.loads(state)
                athletes[row["telegram_user_id"]] = {
                    "phase": row["phase"],
                    "rehab_state": json.dumps(state, sort_keys=True, default=str),
                    "paused": bool(row["paused"]),
                    "active": bool(row["active"]),
                    "onboarded": bool(row["onboarded"]),
                    "morning_time": str(row["morning_time"]),
                    "evening_time": str(row["evening_time"]),
                    "time_zone": row["time_zone"],
                }
            out["athletes"] = athletes
            rows = await conn.execute(
                sa.text("SELECT athlete_id, local_date, slot, status, answers FROM checkins")
            )
            checkins: dict[tuple[int, str, str], dict[str, Any]] = {}
            keys: Counter[tuple[int, str, str]] = Counter()
            for row in rows.mappings():
                answers = row["answers"]
                if isinstance(answers, str):
                    answers = json.loads(answers)
                key = (ids[row["athlete_id"]], str(row["local_date"]), str(row["slot"]))
                keys[key] += 1
                checkins[key] = {"status": str(row["status"]), "answers": answers or {}}
            out["checkins"], out["checkin_keys"] = checkins, keys
            rows = await conn.execute(sa.text("SELECT athlete_id, kind FROM events"))
            out["events"] = Counter((ids[r[0]], r[1]) for r in rows)
            rows = await conn.execute(
                sa.text("SELECT athlete_id, kind, question_id FROM dialogues")
            )
            out["dialogues"] = {ids[r[0]]: (str(r[1]), r[2]) for r in rows}
    finally:
        await engine.dispose()
    return out


@contextlib.asynccontextmanager
async def database(database_url: str | None, workdir: Path, label: str) -> Any:
    """(url, schema) of a fresh database for one run: an SQLite file or a private schema."""
    if not database_url or database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{workdir / f'{label}.db'}", None
        return
    from bot.storage import create_engine

    schema = f"soak_reliability_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield database_url, schema
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


#: ``checkpoint(label, day, dump)``: called at the end of each simulated day
Checkpoint = Callable[[str, int, dict[str, Any]], Awaitable[None]]


async def run_once(
    args: argparse.Namespace,
    *,
    faulty: bool,
    workdir: Path,
    checkpoint: Checkpoint | None = None,
) -> RunResult:
    from bot.clock import ManualClock
    from sandbox.driver import SandboxDriver
    from sandbox.server import SandboxServer

    label = "faulty" if faulty else "clean"
    started = time.monotonic()
    clock = ManualClock(START)
    rng = random.Random(args.seed)
    questions = Questions()
    world = World()
    async with (
        database(args.database_url, workdir, label) as (url, schema),
        SandboxServer(token=TOKEN, clock=clock.now) as server,
        SandboxDriver(server.url) as sandbox,
    ):
        bot = BotProcess(server.bot_api_base, url, schema)
        await bot.start(clock.now())
        user_ids = [FIRST_USER + i for i in range(args.athletes)]
        for i, user_id in enumerate(user_ids):
            await sandbox.create_user(f"A{i}", user_id=user_id)
        gate = asyncio.Semaphore(20)

        async def onboard_one(user_id: int) -> None:
            async with gate:
                await onboard(sandbox, user_id)

        await asyncio.gather(*(onboard_one(u) for u in user_ids))
        loops = [
            asyncio.create_task(athlete_loop(i, sandbox, server.store, u, world, questions))
            for i, u in enumerate(user_ids)
        ]
        if faulty:
            await sandbox.request(
                "PUT",
                "faults",
                json={
                    "error_rate": args.error_rate,
                    "hang_rate": args.hang_rate,
                    "hang_seconds": args.hang_seconds,
                    "flood_rate": args.flood_rate,
                    "seed": args.seed,
                },
            )
        steps = int(timedelta(days=args.days) / STEP)
        # Kills: at random steps when check-ins go out (07:30 and 20:00 local), a random
        # moment while the athletes answer.
        active_steps = [
            s
            for s in range(1, steps + 1)
            if (START + s * STEP).astimezone(ZONE).strftime("%H:%M") in ("07:30", "20:00")
        ]
        kill_count = min(args.kills, len(active_steps)) if faulty else 0
        kill_steps = set(rng.sample(active_steps, kill_count))
        kills = 0
        kill_log: list[str] = []
        timing: defaultdict[str, float] = defaultdict(float)
        onboarded = time.monotonic()
        timing["onboarding"] = onboarded - started

        async def settle() -> None:
            waited = time.monotonic()
            if not await settled(
                server.store, bot, world, user_ids, args.quiet, args.settle_timeout
            ):
                timing["unsettled steps"] += 1
                print(
                    f"... {label} run: {clock.now().isoformat()} did not settle within "
                    f"{args.settle_timeout:g} s; going on",
                    file=sys.stderr,
                    flush=True,
                )
            timing["settling"] += time.monotonic() - waited

        async def tick() -> dict[str, Any]:
            ticked = time.monotonic()
            answer = await bot.command(f"tick {clock.now().isoformat()}")
            report: dict[str, Any] = json.loads(answer) if answer else {}
            # A tick that sends check-ins does the sending itself: counted apart.
            kind = "sending ticks" if report.get("sent") else "other ticks"
            timing[kind] += time.monotonic() - ticked
            return report

        for step in range(1, steps + 1):
            clock.set(START + step * STEP)
            world.day = (clock.now().astimezone(ZONE).date() - START.astimezone(ZONE).date()).days
            report = await tick()
            busy = any(report.get(k) for k in ("sent", "reminded", "missed", "coach_posts"))
            if step in kill_steps:
                await asyncio.sleep(rng.uniform(0.3, 3.0))
                await bot.kill()
                kills += 1
                last = {u: max(server.store.chats[u].messages, default=0) for u in user_ids}
                kill_log.append(f"kill at {clock.now().isoformat()}: last message ids {last}")
                await asyncio.sleep(0.5)
                await bot.start(clock.now())
                await tick()  # the repeating job's first tick after a start
                busy = True
            if busy:
                timing["busy steps"] += 1
                await settle()
            if step % int(timedelta(days=1) / STEP) == 0:
                if checkpoint is not None:
                    # The last busy step has settled: the database is the day's final state.
                    await checkpoint(
                        label, step // int(timedelta(days=1) / STEP), await dump(url, schema)
                    )
                print(
                    f"... {label} run: day {step * STEP / timedelta(days=1):.0f} of {args.days}, "
                    f"{world.answers_given} answers, {time.monotonic() - started:.0f} s "
                    f"({_timing(timing)})",
                    file=sys.stderr,
                    flush=True,
                )
        await settle()
        world.done = True
        for user_id in user_ids:
            server.store.chats[user_id].notify()  # wake the athletes so that they see done
        await asyncio.gather(*loops, return_exceptions=True)
        stats = await sandbox.request("GET", "stats")
        await bot.stop()
        data = await dump(url, schema)
        bot_messages = sum(
            1 for chat in server.store.chats.values() for m in chat.messages.values() if m.from_bot
        )
        return replace(
            _partial(label, data),
            sent_twice=_sent_twice(server.store),
            bot_messages=bot_messages,
            answers_given=world.answers_given,
            kills=kills,
            wall=time.monotonic() - started,
            stats=stats,
            transcripts=_transcripts(server.store),
            kill_log=kill_log,
            timing=dict(timing),
        )


@dataclass
class Comparison:
    """Differences between the fault-free and the faulty run."""

    lost: list[tuple[int, str, str]]
    extra: list[tuple[int, str, str]]
    duplicated: list[tuple[int, str, str]]
    differing: list[tuple[tuple[int, str, str], str]]
    state: list[tuple[int, str]]
    events: list[tuple[tuple[int, str], int, int]]
    dialogues: list[tuple[int, Any, Any]]
    sent_twice_clean: int
    sent_twice_faulty: int

    @property
    def defects(self) -> int:
        return (
            len(self.lost)
            + len(self.extra)
            + len(self.duplicated)
            + len(self.differing)
            + len(self.state)
            + len(self.events)
            + len(self.dialogues)
        )


def compare(clean: RunResult, faulty: RunResult) -> Comparison:
    lost = sorted(set(clean.checkins) - set(faulty.checkins))
    extra = sorted(set(faulty.checkins) - set(clean.checkins))
    duplicated = sorted(k for k, n in faulty.checkin_keys.items() if n > 1)
    differing: list[tuple[tuple[int, str, str], str]] = []
    for key in sorted(set(clean.checkins) & set(faulty.checkins)):
        a, b = clean.checkins[key], faulty.checkins[key]
        if a["status"] != b["status"]:
            differing.append((key, f"status {a['status']} -> {b['status']}"))
            continue
        fields = sorted(
            f
            for f in set(a["answers"]) | set(b["answers"])
            if a["answers"].get(f) != b["answers"].get(f)
        )
        if fields:
            detail = ", ".join(
                f"{f} {a['answers'].get(f)!r}->{b['answers'].get(f)!r}" for f in fields
            )
            differing.append((key, detail))
    state: list[tuple[int, str]] = []
    for user in sorted(set(clean.athletes) | set(faulty.athletes)):
        a, b = clean.athletes.get(user, {}), faulty.athletes.get(user, {})
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                state.append((user, f"{name}: {a.get(name)!r} -> {b.get(name)!r}"[:300]))
    events = [
        (key, clean.events.get(key, 0), faulty.events.get(key, 0))
        for key in sorted(set(clean.events) | set(faulty.events))
        if clean.events.get(key, 0) != faulty.events.get(key, 0)
    ]
    dialogues = [
        (user, clean.dialogues.get(user), faulty.dialogues.get(user))
        for user in sorted(set(clean.dialogues) | set(faulty.dialogues))
        if clean.dialogues.get(user) != faulty.dialogues.get(user)
    ]
    return Comparison(
        lost,
        extra,
        duplicated,
        differing,
        state,
        events,
        dialogues,
        sum(clean.sent_twice.values()),
        sum(faulty.sent_twice.values()),
    )


def report(args: argparse.Namespace, clean: RunResult, faulty: RunResult, c: Comparison) -> str:
    backend = "PostgreSQL" if args.database_url and "postgres" in args.database_url else "SQLite"
    lines = [
        f"soak: {args.athletes} athletes x {args.days} days on {backend}, seed {args.seed}",
        f"faulty run: {args.error_rate:.0%} 5xx, {args.hang_rate:.0%} hangs of "
        f"{args.hang_seconds:g} s, {args.flood_rate:.0%} 429, {faulty.kills} kills (SIGKILL)",
    ]
    for run in (clean, faulty):
        statuses = Counter(v["status"] for v in run.checkins.values())
        lines.append(
            f"  {run.label:6}: {len(run.checkins)} check-ins {dict(sorted(statuses.items()))}, "
            f"{run.answers_given} answers given, {run.bot_messages} bot messages, "
            f"5xx {run.stats.get('answered_5xx')}, 429 {run.stats.get('answered_429')}, "
            f"4xx {run.stats.get('answered_4xx')}, wall {run.wall:.0f} s"
        )
        lines.append(f"      time: {_timing(run.timing)}")
        for refusal, n in (run.stats.get("refusals") or {}).items():
            lines.append(f"      4xx: {n} x {refusal}")  # e.g. getUpdates 409 at a restart
    lines += [
        f"lost check-ins:        {len(c.lost)}",
        f"duplicated check-ins:  {len(c.duplicated)}",
        f"extra check-ins:       {len(c.extra)}",
        f"differing check-ins:   {len(c.differing)}",
        f"athlete state diffs:   {len(c.state)}",
        f"event count diffs:     {len(c.events)}",
        f"open dialogue diffs:   {len(c.dialogues)}",
        f"messages sent twice:   {c.sent_twice_faulty} (fault-free run: {c.sent_twice_clean})",
        f"defects (every difference above): {c.defects}",
    ]

    def some(title: str, items: list[Any]) -> None:
        if items:
            lines.append(f"{title}:")
            lines.extend(f"    {item}" for item in items[:15])
            if len(items) > 15:
                lines.append(f"    ... {len(items) - 15} more")

    some("lost", c.lost)
    some("extra", c.extra)
    some("duplicated", c.duplicated)
    some("differing", c.differing)
    some("state", c.state)
    some("events (clean, faulty)", c.events)
    some("open dialogues (clean, faulty)", c.dialogues)
    some("sent twice in the faulty run (first words)", faulty.sent_twice.most_common(10))
    some("kills", faulty.kill_log)
    if c.differing and args.explain:
        for (user, day, slot), _ in c.differing[:3]:
            lines.append(f"faulty transcript of {user} (differing check-in {day} {slot}):")
            lines.extend(f"    {line}" for line in faulty.transcripts.get(user, [])[-150:])
    return "\n".join(lines)


def _partial(label: str, data: dict[str, Any]) -> RunResult:
    """A run's database at a day's end, for :func:`compare` (no transcript figures)."""
    return RunResult(
        label=label,
        athletes=data["athletes"],
        checkins=data["checkins"],
        checkin_keys=data["checkin_keys"],
        events=data["events"],
        dialogues=data["dialogues"],
        sent_twice=Counter(),
        bot_messages=0,
        answers_given=0,
        kills=0,
        wall=0.0,
        stats={},
    )


class DailyComparison:
    """Compares the two runs' databases at the end of every simulated day, as soon as both
    have reached it, and prints the running figures: a run cut short still says how far
    it got and what it found so far. (The clean run's dumps wait in memory for the faulty
    run when they do not run together.)"""

    def __init__(self) -> None:
        self.dumps: dict[str, dict[int, dict[str, Any]]] = {"clean": {}, "faulty": {}}

    async def __call__(self, label: str, day: int, data: dict[str, Any]) -> None:
        self.dumps[label][day] = data
        if not all(day in dumps for dumps in self.dumps.values()):
            return
        c = compare(
            _partial("clean", self.dumps["clean"].pop(day)),
            _partial("faulty", self.dumps["faulty"].pop(day)),
        )
        print(
            f"... compared at the end of day {day}: {len(c.lost)} lost, {len(c.duplicated)} "
            f"duplicated, {len(c.extra)} extra, {len(c.differing)} differing, {len(c.state)} "
            f"state, {len(c.events)} event, {len(c.dialogues)} dialogue differences: "
            f"defects {c.defects}"
            + "".join(f"\n...     {item}" for item in [*c.lost, *c.differing, *c.state][:5]),
            file=sys.stderr,
            flush=True,
        )


async def soak(args: argparse.Namespace) -> tuple[Comparison, str]:
    daily = DailyComparison() if args.daily else None
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        if args.together:
            clean, faulty = await asyncio.gather(
                run_once(args, faulty=False, workdir=Path(tmp), checkpoint=daily),
                run_once(args, faulty=True, workdir=Path(tmp), checkpoint=daily),
            )
        else:
            clean = await run_once(args, faulty=False, workdir=Path(tmp), checkpoint=daily)
            faulty = await run_once(args, faulty=True, workdir=Path(tmp), checkpoint=daily)
    comparison = compare(clean, faulty)
    return comparison, report(args, clean, faulty, comparison)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--athletes", type=int, default=200)
    p.add_argument("--days", type=int, default=28)
    p.add_argument("--kills", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--error-rate", type=float, default=0.05)
    p.add_argument("--hang-rate", type=float, default=0.02)
    p.add_argument("--hang-seconds", type=float, default=6.0)
    p.add_argument("--flood-rate", type=float, default=0.02)
    p.add_argument(
        "--quiet",
        type=float,
        default=0.3,
        help="seconds the settle check must hold before a busy step ends (see settled())",
    )
    p.add_argument(
        "--settle-timeout",
        type=float,
        default=300.0,
        help="give up settling a step after this long (printed, counted as unsettled)",
    )
    p.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL"))
    p.add_argument(
        "--together",
        action="store_true",
        help="run the fault-free and the faulty run at the same time (two bots, two sandboxes):"
        " the faulty run's waits for held sends overlap the other run's work",
    )
    p.add_argument(
        "--daily",
        action="store_true",
        help="compare the databases at the end of every simulated day (progress on stderr)",
    )
    p.add_argument(
        "--explain", action="store_true", help="print the transcripts of the first 3 differences"
    )
    return p


if __name__ == "__main__":
    arguments = parser().parse_args()
    result, text = asyncio.run(soak(arguments))
    print(text)
    sys.exit(1 if result.defects else 0)
