"""Benchmark: several ``remodel run --webhook`` workers on one PostgreSQL database.

    .venv/bin/python bench/multiworker.py [--athletes 200] [--days 7] [--light 20]
        [--light-workers 3] [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

For 1, 2 and 3 workers (each a real ``remodel run`` process, on a database of its own created
for the run and dropped after), behind a round-robin forwarder, against the sandbox (its own
process, webhook delivery like Telegram's: up to 40 in flight, each sender in order):

1. one athlete onboards through the real conversation; it is cloned to ``--athletes``;
2. for each of ``--days`` simulated days, every athlete gets that day's evening check-in
   (a ``scheduled`` row per athlete, dated that day; the elected ticker sends them), answers
   it with every button pressed twice at once (a double tap), then asks ``/today``;
3. in the 3-worker run, one worker is SIGKILLed on day 3 while the athletes are answering
   (``--kill-after`` seconds into the day) and started again at once; the updates it held are
   delivered again by the sandbox, as Telegram does, and the forwarder hands them to a live
   worker.

Printed per run: answers/s (answers over the time the athletes spent answering) and p50/p99
press-to-reply latency, and the checks: every check-in answered (none lost), one row per
athlete and day (none duplicated), zero 429s; then each multi-worker run compared with the
one-worker run of the same script: athletes whose stored state differs (rehab state, and
every check-in's status and answers), and chats whose bot messages differ (every message the
bot sent, deleted ones included, in order: a message sent twice or lost shows here). Beside
them, the bare PTB echo bot under the same number of presses
(bench/bot_checkin_throughput.py's). The sandbox's flood control is off and the pacer's
limits are lifted for these runs: the figures are processing capacity, not Telegram's limits.

Then the light load: ``--light`` athletes answering at human pace (one to three seconds
between presses) on 3 workers (``--light-workers 1,2,3`` runs it on each count) with the
sandbox's flood control as Telegram's and the default pacer: p50/p99 press-to-reply (the
goal is p99 <= 50 ms on loopback) and the 429s,
then the workers' own view from their ``/metrics`` (summed): how long updates took to handle
and how long calls waited for the send budget (the rest of press-to-reply is transport).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import _common  # noqa: F401 - puts the project root on sys.path
from _common import (
    LeanChat,
    autopilot,
    cpu_note,
    percentile,
    quiet_logs,
    sandbox_process,
)
from bot_checkin_throughput import Result, clone_athletes, run_echo

from tests.bot.multiworker_rig import Forwarder, Worker, scratch_database
from tests.bot.ports import free_port

REPLY_TIMEOUT = 120.0
DAY0 = date(2030, 1, 1)  # the simulated days' local dates (rows are dated, not timed)


def worker_config(directory: Path, *, lifted: bool, slow_update_ms: int = 1000) -> Path:
    path = directory / f"config-{'lifted' if lifted else 'default'}-{slow_update_ms}.toml"
    sending = (
        "[sending]\nglobal_per_second = 100000\nper_chat_per_second = 100000\n"
        "per_chat_burst = 1000\nconcurrency = 256\n"
        if lifted
        else ""
    )
    path.write_text(
        f"{sending}[schedule]\ntick_seconds = 1\nbatch_size = 1000\ngrace_minutes = 600\n"
        f"[logging]\nslow_update_ms = {slow_update_ms}\n"
    )
    return path


@contextlib.asynccontextmanager
async def deployment(
    base_url: str,
    workers: int,
    *,
    flood: str,
    lifted: bool,
    directory: Path,
    trace: Path | None = None,
    proxy: str = "",
) -> Any:
    """The sandbox, a scratch database and ``workers`` workers behind the forwarder; yields
    (sandbox, forwarder, workers, database URL). With ``proxy`` the load balancer runs in a
    process of its own, as in a deployment: ``python`` (``_forwarder_host.py``) or ``caddy``
    (the proxy of the deployment kit, deploy/Caddyfile's round robin, over plain HTTP); then
    ``None`` stands for the forwarder (the kill of the throughput runs needs the in-process
    one's ``busy_with``)."""
    with sandbox_process(flood=flood, trace=trace) as sandbox:
        async with contextlib.AsyncExitStack() as stack:
            database_url = await stack.enter_async_context(scratch_database(base_url, "bench"))
            forwarder: Forwarder | None = None
            if proxy:
                port = free_port()
                public_url = f"http://127.0.0.1:{port}/telegram"
            else:
                forwarder = await stack.enter_async_context(Forwarder())
                public_url = forwarder.url
            # Traced, the workers log where each update of 20 ms or more spent its time.
            config = worker_config(
                directory, lifted=lifted, slow_update_ms=20 if trace is not None else 1000
            )
            pool = [
                Worker(
                    i,
                    bot_api_base=sandbox.bot_api_base,
                    token=sandbox.token,
                    database_url=database_url,
                    public_url=public_url,
                    config=config,
                )
                for i in range(workers)
            ]
            try:
                await asyncio.gather(*(w.start() for w in pool))
                await asyncio.gather(*(w.wait_healthy(180) for w in pool))
                if forwarder is not None:
                    for w in pool:
                        forwarder.add(w.port)
                else:
                    child = caddy_child if proxy == "caddy" else forwarder_child
                    await stack.enter_async_context(child(port, [w.port for w in pool], trace))
                yield sandbox, forwarder, pool, database_url
            finally:
                await asyncio.gather(*(w.stop() for w in pool))


@contextlib.asynccontextmanager
async def forwarder_child(port: int, targets: list[int], trace: Path | None) -> Any:
    """``bench/_forwarder_host.py`` on ``port`` in front of ``targets``, until the block ends."""
    args = [str(Path(__file__).with_name("_forwarder_host.py")), "--port", str(port)]
    for target in targets:
        args += ["--target", str(target)]
    if trace is not None:
        args += ["--trace", f"{trace}.forwarder"]
    child = await asyncio.create_subprocess_exec(
        sys.executable, *args, stdout=asyncio.subprocess.PIPE
    )
    async with stopped_at_exit(child):
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 60)
        if not line.startswith(b"forwarder listening"):
            raise RuntimeError("the forwarder did not start")
        yield


@contextlib.asynccontextmanager
async def stopped_at_exit(child: asyncio.subprocess.Process) -> Any:
    """Terminate ``child`` (and wait for it) when the block ends, however it ends."""
    try:
        yield
    finally:
        if child.returncode is None:
            child.terminate()
        await child.wait()


async def questionnaires_for() -> Any:
    from bot.cli import installed_content_dir
    from bot.dialogue.driver import all_questionnaires
    from bot.handlers.clearance import clearance_questionnaire
    from bot.rendering.texts import Texts
    from flows.library import load_library

    library = load_library(installed_content_dir())
    texts = Texts.from_entries({**library.coach.messages, **library.bot.messages})
    return all_questionnaires(library, {"clearance": clearance_questionnaire(texts)})


async def schedule_day(store: Any, day: int) -> None:
    """Every athlete's evening check-in of simulated ``day``, due now (the ticker sends)."""
    import sqlalchemy as sa

    from bot.storage import Athlete, Checkin, CheckinStatus, Slot

    now = datetime.now(UTC)
    async with store.transaction() as session:
        ids = (await session.execute(sa.select(Athlete.id))).scalars().all()  # type: ignore[call-overload]
        table = Checkin.__table__  # type: ignore[attr-defined]
        await session.execute(
            sa.insert(table),
            [
                {
                    "athlete_id": athlete_id,
                    "local_date": DAY0 + timedelta(days=day),
                    "slot": Slot.EVENING,
                    "status": CheckinStatus.SCHEDULED,
                    "due_at": now,
                    "answers": {},
                }
                for athlete_id in ids
            ],
        )


async def checks(store: Any, days: int, athletes: int) -> dict[str, int]:
    import sqlalchemy as sa

    async with store.transaction() as session:
        rows = (
            await session.execute(
                sa.text(
                    "SELECT status, count(*) FROM checkins WHERE local_date >= :d GROUP BY status"
                ),
                {"d": DAY0},
            )
        ).all()
        per_day = (
            await session.execute(
                sa.text(
                    "SELECT max(n) FROM (SELECT count(*) AS n FROM checkins "
                    "GROUP BY athlete_id, local_date, slot) t"
                )
            )
        ).scalar_one()
    counts = {str(status): int(n) for status, n in rows}
    return {
        "expected": days * athletes,
        "answered": counts.get("answered", 0),
        "not answered": sum(n for s, n in counts.items() if s != "answered"),
        "max rows per athlete-day": int(per_day or 0),
    }


async def stored_state(store: Any) -> dict[int, Any]:
    """Per Telegram user id: the athlete's rehab state and its check-ins (date, slot, status,
    answers) of the simulated days: what a lost or doubly applied answer would change."""
    import sqlalchemy as sa

    async with store.transaction() as session:
        athletes = (
            await session.execute(sa.text("SELECT id, telegram_user_id, rehab_state FROM athletes"))
        ).all()
        rows = (
            await session.execute(
                sa.text(
                    "SELECT athlete_id, local_date, slot, status, answers FROM checkins "
                    "WHERE local_date >= :d ORDER BY local_date, slot"
                ),
                {"d": DAY0},
            )
        ).all()
    checkins: dict[int, list[tuple[str, str, str, str]]] = {}
    for athlete_id, local_date, slot, status, answers in rows:
        entry = (str(local_date), str(slot), str(status), json.dumps(answers, sort_keys=True))
        checkins.setdefault(int(athlete_id), []).append(entry)
    return {
        int(telegram_id): (json.dumps(state, sort_keys=True), checkins.get(int(athlete_id), []))
        for athlete_id, telegram_id, state in athletes
    }


async def bot_messages(sandbox_url: str, user_ids: list[int]) -> dict[int, list[str]]:
    """Every message the bot sent to each chat, deleted ones included, in order."""
    from sandbox.driver import SandboxDriver

    async with SandboxDriver(sandbox_url) as driver:
        return {
            uid: [
                entry.get("text") or ""
                for entry in await driver.request(
                    "GET",
                    f"chats/{uid}/messages",
                    params={"after_message_id": 0, "wait": 0, "include_deleted": 1},
                )
                if entry["side"] == "bot"
            ]
            for uid in user_ids
        }


def compare(
    base: tuple[dict[int, Any], dict[int, list[str]]],
    other: tuple[dict[int, Any], dict[int, list[str]]],
) -> str:
    """How a run differs from the one-worker run: athletes and chats that differ, and the
    first chat's difference (the messages only one of the two runs has)."""
    (state_a, chats_a), (state_b, chats_b) = base, other
    states = sum(1 for u in state_a.keys() | state_b.keys() if state_a.get(u) != state_b.get(u))
    # As multisets: which of two replies in flight at once lands first (the check-in's last
    # message and the /today sent right after its first) is timing, not a defect; a
    # message sent twice, lost or different is not.
    chats = sorted(
        u
        for u in chats_a.keys() | chats_b.keys()
        if Counter(chats_a.get(u, [])) != Counter(chats_b.get(u, []))
    )
    extra = sum(max(0, len(chats_b.get(u, [])) - len(chats_a.get(u, []))) for u in chats)
    missing = sum(max(0, len(chats_a.get(u, [])) - len(chats_b.get(u, []))) for u in chats)
    lines = [
        f"vs 1 worker: {states} athletes with a different stored state, {len(chats)} chats "
        f"with different bot messages ({extra} more, {missing} fewer messages)"
    ]
    if chats:
        a, b = Counter(chats_a.get(chats[0], [])), Counter(chats_b.get(chats[0], []))
        lines += [f"     only in 1 worker: {t[:70]!r}" for t in (a - b).elements()]
        lines += [f"     only in this run: {t[:70]!r}" for t in (b - a).elements()]
    return "\n".join(lines)


#: Benign answers by button token, in order of preference (no / 0 / "None of these" / skip /
#: the first).
PREFERRED = ("n", "0", "none", "skip")


def benign(message: Any) -> str | None:
    """The callback data of a benign answer on ``message`` (``None``: no answer buttons)."""
    from _common import answer_tokens

    offered = {
        parsed[1]: button.callback_data
        for row in message.buttons
        for button in row
        if (parsed := answer_tokens(button.callback_data or "")) is not None
    }
    for token in PREFERRED:
        if token in offered:
            return str(offered[token])
    return str(next(iter(offered.values()))) if offered else None


#: The evening check-in's outcome starts with this line (benign answers raise no red flag).
OUTCOME = "Evening summary"


def asks(message: Any) -> bool:
    """Whether ``message`` is a question: answer buttons, or a question to type into."""
    return benign(message) is not None or "Type your answer" in message.text


async def answer_checkin(
    chat: LeanChat, result: Result, *, think: tuple[float, float] | None
) -> int:
    """Answer the check-in on screen with double taps, whatever its questions, until its
    outcome arrives; returns the bot messages seen. A question without answer buttons gets
    a typed "1". Messages that are not questions (the intro, the rest of yesterday's
    /today) are read past, however slow they come: the athlete stops only at the outcome,
    never because a reply was late (which once made slow runs look like lost check-ins)."""
    message = await chat.next_message(REPLY_TIMEOUT)
    seen = 1
    while not asks(message):
        message = await chat.next_message(REPLY_TIMEOUT)
        seen += 1
    for _ in range(30):
        data = benign(message)
        if think is not None:
            await asyncio.sleep(random.uniform(*think))
        started = time.perf_counter()
        wall = time.time()
        if data is None:
            await chat.send("1")
        else:
            await chat.press_data(message.message_id, data)
            # The double tap: the same button again at once, before any reply (one
            # connection per simulated user, so one request after the other). When the bot
            # was quicker and the keyboard is already gone, the sandbox refuses the press, as
            # Telegram's client would have nothing to tap: a single tap then.
            try:
                await chat.press_data(message.message_id, data)
            except RuntimeError as refused:
                if "has no button" not in str(refused):
                    raise
        reply = await chat.next_message(REPLY_TIMEOUT)
        result.latencies.append(time.perf_counter() - started)
        result.presses.append((chat.user_id, wall, result.latencies[-1]))
        result.answers += 1
        seen += 1
        # What follows the answer: the next question, or the outcome.
        while not asks(reply):
            if reply.text.startswith(OUTCOME):
                return seen
            reply = await chat.next_message(REPLY_TIMEOUT)
            seen += 1
        message = reply
    raise AssertionError(f"chat {chat.user_id}: no outcome after 30 answers")


async def run(
    base_url: str,
    workers: int,
    athletes: int,
    days: int,
    directory: Path,
    *,
    kill_on_day: int | None = None,
    kill_after: float = 5.0,
    light: bool = False,
    trace: Path | None = None,
    proxy: str = "python",
) -> tuple[Result, dict[str, int], Any, int]:
    from bot.storage import Store, get_athlete_by_telegram_id
    from sandbox.driver import SandboxDriver

    result = Result(f"{workers} worker{'s' if workers > 1 else ''}")
    flood = "telegram" if light else "off"
    async with deployment(
        base_url,
        workers,
        flood=flood,
        lifted=not light,
        directory=directory,
        trace=trace,
        proxy=proxy if light and proxy != "inline" else "",
    ) as (sandbox, forwarder, pool, database_url):
        store = Store.from_url(database_url)
        forms = await questionnaires_for()
        try:
            async with SandboxDriver(sandbox.url) as driver:
                template = await driver.create_user("Template")
                chat = driver.chat(template.id)
                await chat.send("/start")
                await autopilot(chat, store, forms, template.id, await chat.next_message(60))
                async with store.transaction() as session:
                    row = await get_athlete_by_telegram_id(session, template.id)
                    assert row is not None
                    assert row.id is not None
                    template_id = row.id
                ids = [(await driver.create_user(f"A{i}")).id for i in range(athletes)]
                await clone_athletes(store, template_id, ids)
                chats = {uid: LeanChat(sandbox.url, uid) for uid in ids}
                await asyncio.gather(*(c.send("/start") for c in chats.values()))
                await asyncio.gather(*(c.next_message(REPLY_TIMEOUT) for c in chats.values()))
            # The template is an athlete too: it answers each day like the others.
            template_chat = LeanChat(sandbox.url, template.id)
            template_chat.seen = chat._seen  # only what comes from now on
            chats[template.id] = template_chat
            with contextlib.suppress(AssertionError):
                while True:
                    await template_chat.next_message(0.5)
            messages = 0
            answering = 0.0
            think = (1.0, 3.0) if light else None
            killed = 0

            async def kill_and_restart() -> None:
                # Mid-day: the victim holds updates in flight (the sandbox delivers them again
                # once its request fails, and the forwarder passes them to a live worker).
                nonlocal killed
                await asyncio.sleep(kill_after)
                victim = pool[-1]
                killed = len(forwarder.busy_with(len(pool) - 1))
                victim.kill()
                assert victim.process is not None
                await victim.process.wait()
                await victim.start(migrate=False)
                await victim.wait_healthy(180)

            for day in range(days):
                await schedule_day(store, day)
                started = time.perf_counter()
                chaos = asyncio.create_task(kill_and_restart()) if kill_on_day == day else None

                async def one(chat: LeanChat) -> int:
                    seen = await answer_checkin(chat, result, think=think)
                    await chat.send("/today")
                    await chat.next_message(REPLY_TIMEOUT)
                    return seen + 1

                outcomes = await asyncio.gather(
                    *(one(c) for c in chats.values()), return_exceptions=True
                )
                answering += time.perf_counter() - started
                for outcome in outcomes:
                    if isinstance(outcome, BaseException):
                        result.errors += 1
                        print(f"  day {day}: {type(outcome).__name__}: {outcome}")
                    else:
                        messages += outcome
                if chaos is not None:
                    await chaos
                    print(f"  day {day}: worker {len(pool)} SIGKILLed, {killed} updates in flight")
            result.seconds = answering
            # Let the last replies (the /today's later parts) arrive before reading the chats.
            for lean in chats.values():
                with contextlib.suppress(AssertionError):
                    while True:
                        await lean.next_message(1.0)
                await lean.close()
            found = await checks(store, days, athletes + 1)
            snapshot = (await stored_state(store), await bot_messages(sandbox.url, list(chats)))
            async with SandboxDriver(sandbox.url) as driver:
                stats = await driver.stats()
            result.breakdown = await where_time_went(pool)
            if trace is not None:
                keep_slow_updates(pool, Path(f"{trace}.workers"))
        finally:
            await store.dispose()
    return result, found, snapshot, int(stats["answered_429"])


def _bucket_summary(buckets: Counter[float], marks: tuple[float, ...]) -> str:
    """``n``, then the share of observations above each of ``marks`` (seconds), and the
    bucket bound under which 99% fall, from a histogram's cumulative ``le`` counts."""
    total = buckets[float("inf")]
    if not total:
        return "none"
    shares = ", ".join(f">{m * 1000:g} ms {100 * (1 - buckets[m] / total):.1f}%" for m in marks)
    p99 = min(le for le, n in buckets.items() if n >= 0.99 * total)
    return f"{int(total)}: {shares}; p99 <= {p99 * 1000:g} ms"


async def where_time_went(pool: list[Worker]) -> str:
    """The workers' own view of the run (their /metrics, summed): how long updates took to
    handle, and how long calls waited for the send budget; press-to-reply minus these is
    transport (the sandbox, the forwarder, the client)."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    sums: dict[str, Counter[float]] = {}
    async with httpx.AsyncClient(trust_env=False) as http:
        for worker in pool:
            text = (await http.get(f"http://127.0.0.1:{worker.ops_port}/metrics")).text
            for family in text_string_to_metric_families(text):
                if family.name not in (
                    "remodel_update_seconds",
                    "remodel_pacing_wait_seconds",
                    "remodel_gc_pause_seconds",
                ):
                    continue
                for sample in family.samples:
                    if sample.name.endswith("_bucket"):
                        key = family.name + "".join(
                            f" {k}={v}" for k, v in sample.labels.items() if k != "le"
                        )
                        sums.setdefault(key, Counter())[float(sample.labels["le"])] += sample.value
    marks = (0.005, 0.025, 0.05)
    return "\n".join(f"   {key}: {_bucket_summary(b, marks)}" for key, b in sorted(sums.items()))


@contextlib.asynccontextmanager
async def caddy_child(port: int, targets: list[int], trace: Path | None) -> Any:
    """Caddy on ``port``, round robin over ``targets`` as deploy/Caddyfile (without TLS and
    health checks), until the block ends. It writes no trace (its hops are not printed)."""
    del trace
    upstreams = " ".join(f"127.0.0.1:{t}" for t in targets)
    config = Path(tempfile.mkdtemp(prefix="remodel-caddy-")) / "Caddyfile"
    config.write_text(
        "{\n\tadmin off\n\tauto_https off\n}\n"
        f"http://127.0.0.1:{port} {{\n\treverse_proxy {upstreams} {{\n"
        "\t\tlb_policy round_robin\n\t\tlb_try_duration 10s\n\t}\n}\n"
    )
    child = await asyncio.create_subprocess_exec(
        "caddy",
        "run",
        "--config",
        str(config),
        "--adapter",
        "caddyfile",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    async with stopped_at_exit(child):
        for _ in range(300):  # listening within 30 s
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            break
        else:
            raise RuntimeError("caddy did not start")
        yield


def fresh_trace() -> Path:
    """Where the light run's trace goes: kept after the run (the temporary directory is
    not), for a closer look; the sandbox's lines there, the forwarder's beside it."""
    trace = Path(tempfile.gettempdir()) / "remodel-multiworker-trace.jsonl"
    trace.unlink(missing_ok=True)
    Path(f"{trace}.forwarder").unlink(missing_ok=True)
    return trace


def keep_slow_updates(pool: list[Worker], path: Path) -> None:
    """The workers' "slow update" log lines (bot/update_timing.py), as JSON lines by update
    id and worker, for :func:`slowest_presses`."""
    with path.open("w", encoding="utf-8") as out:
        for worker in pool:
            for line in worker.log.read_text(errors="replace").splitlines():
                _, found, rest = line.partition("slow update ")
                if found and rest.split(" ", 1)[0].isdigit():
                    update_id = int(rest.split(" ", 1)[0])
                    marks = rest.split(": ", 1)[1]
                    fields = {"kind": "slow", "update_id": update_id, "worker": worker.index}
                    out.write(json.dumps({**fields, "marks": marks}) + "\n")


def slowest_presses(presses: list[tuple[int, float, float]], trace: Path, count: int) -> str:
    """The timelines of the ``count`` slowest presses: what the sandbox served in that chat
    (and the forwarder did with its updates) from the press to the reply the athlete saw,
    in milliseconds from the press, with the worker's own marks of each update that took
    20 ms or more (its "slow update" log line, bot/update_timing.py). Requests still open at
    the press (the athlete's long poll) show where they ended."""
    lines = [
        json.loads(line)
        for path in (trace, Path(f"{trace}.forwarder"), Path(f"{trace}.workers"))
        if path.exists()
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    forwards: dict[int, list[dict[str, Any]]] = {}
    slow: dict[int, list[dict[str, Any]]] = {}
    for line in lines:
        if line["kind"] == "forward":
            forwards.setdefault(line["update_id"], []).append(line)
        elif line["kind"] == "slow":
            slow.setdefault(line["update_id"], []).append(line)
    out = []
    for user, start, latency in sorted(presses, key=lambda p: -p[2])[:count]:
        end = start + latency
        out.append(f"   press in chat {user}: {latency * 1000:.1f} ms")
        events = sorted(
            (
                line
                for line in lines
                if line.get("chat") == user
                and "start" in line
                and line["end"] >= start
                and line["start"] <= end
            ),
            key=lambda line: line["start"],
        )
        for line in events:
            what = line["what"] if line["kind"] == "request" else f"webhook {line['what']}"
            span = f"{(line['start'] - start) * 1000:+8.1f} .. {(line['end'] - start) * 1000:+8.1f}"
            out.append(f"     {span} ms  {what} ({line['status']})")
            for hop in forwards.get(line.get("update_id", -1), ()):
                if hop["end"] >= line["start"] and hop["start"] <= line["end"]:
                    span = (
                        f"{(hop['start'] - start) * 1000:+8.1f} .. "
                        f"{(hop['end'] - start) * 1000:+8.1f}"
                    )
                    out.append(f"     {span} ms    forwarded to worker {hop['worker']}")
            for handled in slow.get(line.get("update_id", -1), ()):
                out.append(f"       worker {handled['worker']}: {handled['marks']}")
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> None:
    quiet_logs()
    size = "light load only" if args.light_only else f"{args.athletes} athletes x {args.days} days"
    print(f"bench/multiworker: {size}, PostgreSQL, {cpu_note()}")
    with tempfile.TemporaryDirectory(prefix="remodel-mw-") as tmp:
        directory = Path(tmp)
        baseline = None
        counts = [int(n) for n in args.workers.split(",")]
        for workers in () if args.light_only else counts:
            kill_on_day = min(3, args.days - 1) if workers == 3 else None
            result, found, snapshot, flooded = await run(
                args.database_url,
                workers,
                args.athletes,
                args.days,
                directory,
                kill_on_day=kill_on_day,
                kill_after=args.kill_after,
            )
            print(result.line())
            print(f"   checks: {found}, 429s {flooded}")
            if baseline is None:
                baseline = snapshot
            else:
                print(f"   {compare(baseline, snapshot)}")
        if not args.light_only and not args.no_echo:
            echo = await run_echo(args.athletes, args.days * 7, args.athletes)
            print(echo.line())
        if not args.light:  # --light 0: the throughput runs only
            return
        for workers in [int(n) for n in args.light_workers.split(",")]:
            trace = fresh_trace() if args.trace else None
            light, found, _, flooded = await run(
                args.database_url,
                workers,
                args.light,
                2,
                directory,
                light=True,
                trace=trace,
                proxy=args.proxy,
            )
            p50 = percentile(light.latencies, 0.5) * 1000
            p99 = percentile(light.latencies, 0.99) * 1000
            verdict = "OK" if p99 <= 50 else "ABOVE GOAL"
            print(
                f"light load: {args.light} athletes at human pace, {light.name} behind "
                f"{args.proxy}, flood control as Telegram's: {light.answers} answers, "
                f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (goal p99 <= 50 ms: {verdict}); "
                f"checks {found}, 429s {flooded}"
            )
            print(f"   as the workers saw it (their /metrics, summed):\n{light.breakdown}")
            if trace is not None:
                print(f"   the {args.trace} slowest presses, as the sandbox served them ({trace}):")
                print(slowest_presses(light.presses, trace, args.trace))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=200)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--light", type=int, default=20)
    parser.add_argument(
        "--workers", default="1,2,3", help="the worker counts to run, the first is the baseline"
    )
    parser.add_argument("--no-echo", action="store_true", help="skip the echo bot's run")
    parser.add_argument(
        "--kill-after",
        type=float,
        default=5.0,
        help="seconds into the kill day (day 3, or the last) when the 3-worker run's SIGKILL comes",
    )
    parser.add_argument(
        "--light-only", action="store_true", help="only the light-load latency run (minutes)"
    )
    parser.add_argument(
        "--light-workers",
        default="3",
        help="the worker counts of the light-load run, e.g. 1,2,3 (default 3)",
    )
    parser.add_argument(
        "--proxy",
        choices=("python", "caddy", "inline"),
        default="python",
        help="the light run's load balancer: bench/_forwarder_host.py, Caddy (installed "
        "apart: apt-get install caddy), the proxy of the deployment kit, or the forwarder "
        "inside the bench's own process (as the throughput runs)",
    )
    parser.add_argument(
        "--trace",
        type=int,
        default=0,
        metavar="N",
        help="trace the light run in the sandbox and print the N slowest presses' timelines",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "REMODEL_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
