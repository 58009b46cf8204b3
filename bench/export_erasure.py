"""Export and erasure of one athlete with a long history: how long, how big, and how much
the event loop stalls meanwhile.

One athlete with ``--days`` days (default 180) of history is written straight into a fresh
database (two answered check-ins a day with a full set of answers and a decision, three
events a day, one lesson a day, a coach group with a daily status, a consent log and a
clinician link), next to ``--others`` athletes with the same history (default 20), so the
queries run against other people's rows too. Then, five times each:

* **collect**: ``bot.storage.export.collect_athlete_data`` (one transaction);
* **zip**: ``bot.rendering.archive.build_export_zip`` in a worker thread, as ``/export`` runs
  it, while a probe on the event loop records how late a 5 ms sleep wakes (the loop's
  responsiveness for other athletes during the build);
* **erase**: ``bot.storage.erasure.erase_athlete`` (one transaction), on a fresh copy.

Prints medians. Talks to nothing but the database (SQLite file by default;
``--database-url postgresql+asyncpg://...`` uses a private schema, dropped afterwards).

    .venv/bin/python bench/export_erasure.py [--days 180] [--others 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.handlers.export import explainer  # noqa: E402
from bot.rendering.archive import build_export_zip  # noqa: E402
from bot.storage import (  # noqa: E402
    Checkin,
    CheckinStatus,
    ClinicianLink,
    CoachLink,
    CoachPost,
    CoachPostKind,
    CoachPostStatus,
    ConsentKind,
    ConsentRecord,
    EducationLog,
    Event,
    ShareLevel,
    Slot,
    Store,
    create_engine,
    get_or_create_athlete,
    upgrade,
)
from bot.storage.erasure import erase_athlete  # noqa: E402
from bot.storage.export import collect_athlete_data  # noqa: E402
from flows.library import load_library  # noqa: E402

START = datetime(2025, 1, 1, 7, 0, tzinfo=UTC)
MORNING = {
    "night_pain": False,
    "next_morning_pain": 1,
    "pain_rest": 0,
    "limp": False,
    "sleep_hours": 7.5,
    "sleep_quality": 7,
}
EVENING = {
    "session": "done",
    "pain_walking": 1,
    "pain_during": 2,
    "pain_after": 1,
    "fear": 3,
    "note": "felt fine, a bit stiff after the hills",
}
DECISION = {"action": "repeat", "reasons": ["pain_building"], "red_flags": []}


async def populate(store: Store, user_id: int, days: int) -> int:
    async with store.transaction() as session:
        athlete, _ = await get_or_create_athlete(
            session, telegram_user_id=user_id, chat_id=user_id, now=START, first_name="Bench"
        )
        assert athlete.id is not None
        athlete.onboarded = True
        athlete.consent_at = START
        athlete.rehab_state = {"phase": "walk_run", "stage": 3}
        session.add(athlete)
        link = CoachLink(
            token=uuid.uuid4().hex,
            athlete_id=athlete.id,
            group_chat_id=-user_id,
            share_level=ShareLevel.TREND,
            created_at=START,
            used_at=START,
        )
        session.add(link)
        session.add(
            ClinicianLink(
                athlete_id=athlete.id,
                token_hash=uuid.uuid4().hex,
                created_at=START,
                expires_at=START + timedelta(days=7),
                used_at=START,
                clinician_user_id=user_id + 1,
                clinician_chat_id=user_id + 1,
                clinician_name="Dr Bench",
            )
        )
        session.add(
            ConsentRecord(athlete_id=athlete.id, at=START, kind=ConsentKind.GIVEN, scope="data_use")
        )
        await session.flush()
        for day in range(days):
            local = date(2025, 1, 1) + timedelta(days=day)
            at = START + timedelta(days=day)
            for slot, answers in ((Slot.MORNING, MORNING), (Slot.EVENING, EVENING)):
                session.add(
                    Checkin(
                        athlete_id=athlete.id,
                        local_date=local,
                        slot=slot,
                        status=CheckinStatus.ANSWERED,
                        due_at=at,
                        sent_at=at,
                        answered_at=at + timedelta(minutes=3),
                        answers=dict(answers),
                        decision=dict(DECISION),
                    )
                )
            for kind in ("stage_changed", "checkin_missed", "settings_changed"):
                session.add(
                    Event(athlete_id=athlete.id, at=at, kind=kind, payload={"stage": day % 5})
                )
            session.add(EducationLog(athlete_id=athlete.id, snippet_id=f"s{day}", sent_on=local))
            session.add(
                CoachPost(
                    link_id=link.id or 0,
                    kind=CoachPostKind.STATUS,
                    local_date=local,
                    status=CoachPostStatus.SENT,
                    due_at=datetime.combine(local, dtime(21, 30), UTC),
                    sent_at=datetime.combine(local, dtime(21, 30), UTC),
                )
            )
        return athlete.id


async def probe(stop: asyncio.Event, lags: list[float]) -> None:
    """How late a 5 ms sleep wakes, over and over, until ``stop``."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(0.005)
        lags.append((loop.time() - before - 0.005) * 1000)


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="remodel-bench-export-"))
    schema = None
    try:
        if args.database_url:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            admin = create_engine(args.database_url)
            async with admin.begin() as conn:
                await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            await admin.dispose()
            engine = create_engine(
                args.database_url, connect_args={"server_settings": {"search_path": schema}}
            )
        else:
            engine = create_engine(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
        await upgrade(engine)
        store = Store(engine)
        started = time.perf_counter()
        for other in range(args.others):
            await populate(store, 200_000_000 + other * 10, args.days)
        target = await populate(store, 100_000_001, args.days)
        print(
            f"populated {args.others + 1} athletes x {args.days} days "
            f"in {time.perf_counter() - started:.1f} s ({engine.dialect.name})"
        )
        explain = explainer(load_library(ROOT / "content", "en"))
        collect_ms, zip_ms, lag_max, lag_p99 = [], [], [], []
        size = rows = 0
        for _ in range(5):
            t0 = time.perf_counter()
            async with store.transaction() as session:
                data = await collect_athlete_data(session, target)
            collect_ms.append((time.perf_counter() - t0) * 1000)
            rows = sum(len(r) for r in data.rows.values())
            stop, lags = asyncio.Event(), []
            watcher = asyncio.create_task(probe(stop, lags))
            await asyncio.sleep(0.05)
            lags.clear()
            t0 = time.perf_counter()
            payload = await asyncio.to_thread(
                build_export_zip, data, exported_at=datetime.now(UTC), explain=explain
            )
            zip_ms.append((time.perf_counter() - t0) * 1000)
            stop.set()
            await watcher
            size = len(payload)
            lags.sort()
            lag_max.append(lags[-1] if lags else 0.0)
            lag_p99.append(lags[int(len(lags) * 0.99)] if lags else 0.0)
        print(f"export: {rows} rows, ZIP {size / 1024:.0f} KiB")
        print(f"  collect (one transaction): median {statistics.median(collect_ms):.0f} ms")
        print(f"  build ZIP (worker thread): median {statistics.median(zip_ms):.0f} ms")
        print(
            "  event loop during the build: 5 ms sleep woke late by "
            f"p99 {statistics.median(lag_p99):.1f} ms, max {statistics.median(lag_max):.1f} ms"
        )
        await engine.dispose()
        erase_ms = []
        for _ in range(5 if not args.database_url else 1):
            if args.database_url:
                engine = create_engine(
                    args.database_url, connect_args={"server_settings": {"search_path": schema}}
                )
            else:
                copy = folder / f"copy-{len(erase_ms)}.db"
                shutil.copy(folder / "bench.db", copy)
                engine = create_engine(f"sqlite+aiosqlite:///{copy}")
            store = Store(engine)
            t0 = time.perf_counter()
            async with store.transaction() as session:
                counts = await erase_athlete(session, target)
            erase_ms.append((time.perf_counter() - t0) * 1000)
            await engine.dispose()
        print(
            f"erase: {sum(counts.values())} rows in {len(counts)} tables, "
            f"median {statistics.median(erase_ms):.0f} ms (one transaction)"
        )
    finally:
        if schema is not None:
            admin = create_engine(args.database_url)
            async with admin.begin() as conn:
                await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            await admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
