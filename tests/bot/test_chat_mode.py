"""``remodel chat``: the real bot on an in-process sandbox, scripted through piped stdin.

The script onboards (``#a`` presses a button, other lines are typed answers), then jumps two
days without answering: the check-ins of the skipped days must arrive in order, with their
reminders, and be recorded as missed.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.chat_mode import ChatOptions, TimeTraveller, host_zone, run_chat_mode
from bot.clock import ManualClock
from bot.config import ConfigError, Settings
from flows.library import Library

ROOT = Path(__file__).resolve().parents[2]

#: /start, consent, site, grade, days, weight bearing, sport, km, zone (London), times, RED-S.
ONBOARDING = [
    "/start",
    "#a",  # consent: Yes
    "#a",  # the first site button
    "#a",  # grade: I don't know
    "21 days",
    "#a",  # weight bearing: the first button
    "#a",  # sport: Running
    "40",  # a bare number is the answer to the number question
    "#a",  # time zone: London
    "07:00",
    "20:00",
    "#b",  # RED-S questions: No
]


async def chat(library: Library, db: Path, lines: list[str], *, start: str | None = None) -> str:
    options = ChatOptions.from_args(
        db=db, zone="Europe/Paris", start=start, name="Alex", reply_timeout=1.0
    )
    stdin = io.StringIO("".join(f"{line}\n" for line in lines))
    stdout = io.StringIO()
    code = await run_chat_mode(Settings(), options, library=library, stdin=stdin, stdout=stdout)
    assert code == 0
    return stdout.getvalue()


_ONBOARDED: dict[str, Path] = {}


async def onboarded(library: Library, db: Path, tmp_factory: pytest.TempPathFactory) -> Path:
    """``db``: a copy of a try-out database right after onboarding (made once per module)."""
    if "db" not in _ONBOARDED:
        master = tmp_factory.mktemp("onboarded") / "master.db"
        out = await chat(library, master, [*ONBOARDING, ":quit"], start="2025-03-03 09:00")
        assert "All set" in out
        _ONBOARDED["db"] = master
    shutil.copy(_ONBOARDED["db"], db)
    return db


def checkins(db: Path) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT local_date, slot, status FROM checkins ORDER BY due_at")
            ).all()
    finally:
        engine.dispose()
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


async def test_weeks_of_rehab_in_minutes(
    library: Library, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = await onboarded(library, tmp_path / "try.db", tmp_path_factory)
    out = await chat(library, db, [":now", ":days 2", ":now", ":quit"])
    assert "resuming the try-out" in out
    # After onboarding the clock shows the athlete's own zone (London was picked).
    assert "(simulated time: Mon 03 Mar 2025, 08:00 (Europe/London))" in out
    jump = out[out.index("(time travel: to Wed 05 Mar 2025, 08:00 (Europe/London))") :]
    marks = [
        "(... Mon 03 Mar 2025, 20:00 (Europe/London))",
        "(... Mon 03 Mar 2025, 21:30 (Europe/London))",
        "(... Tue 04 Mar 2025, 07:00 (Europe/London))",
        "(... Tue 04 Mar 2025, 20:00 (Europe/London))",
        "(... Wed 05 Mar 2025, 07:00 (Europe/London))",
        "(simulated time: Wed 05 Mar 2025, 08:00 (Europe/London))",
    ]
    positions = [jump.index(mark) for mark in marks]
    assert positions == sorted(positions), "check-ins arrive in order"
    # Each check-in appears between its own time mark and the next one.
    assert "session" in jump[positions[0] : positions[1]]
    assert "reminder" in jump[positions[1] : positions[2]]
    assert checkins(db) == [
        ("2025-03-03", "evening", "missed"),
        ("2025-03-04", "morning", "missed"),
        ("2025-03-04", "evening", "missed"),
        ("2025-03-05", "morning", "sent"),
    ]


async def test_resume_keeps_the_athlete_and_the_clock(
    library: Library, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = await onboarded(library, tmp_path / "resume.db", tmp_path_factory)
    out = await chat(library, db, [":now", ":at 20:00", ":quit"])
    assert "resuming the try-out" in out
    assert "(simulated time: Mon 03 Mar 2025, 08:00 (Europe/London))" in out
    assert "(simulated time: Mon 03 Mar 2025, 20:00 (Europe/London))" in out
    assert "session" in out, "the evening check-in reaches the resumed chat"
    assert checkins(db) == [("2025-03-03", "evening", "sent")]


async def test_a_resumed_chat_takes_typed_answers_where_it_stopped(
    library: Library, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = await onboarded(library, tmp_path / "typed.db", tmp_path_factory)
    # Alex starts the evening check-in and types one answer, then leaves.
    first = await chat(library, db, [":at 20:00", "#a", "2", ":quit"])
    assert "Did that pain build up" in first
    # Back the next session, Alex types the answer to the question on screen. The sandbox of
    # this session is new: its chat must number messages above those the bot stored, or the
    # bot takes "no" for a redelivery of the earlier typed answer ("Already recorded").
    second = await chat(library, db, ["no", ":quit"])
    assert "Already recorded" not in second
    assert "Was any of it sharp" in second


async def test_meta_commands_answer_in_the_terminal(library: Library, tmp_path: Path) -> None:
    out = await chat(
        library,
        tmp_path / "meta.db",
        [":help", ":warp 9", ":days 0", ":now"],
        start="2024-05-14 07:30",
    )
    assert ":tomorrow [HH:MM]" in out
    assert "unknown command :warp" in out
    assert "from 1 to 366" in out
    assert "(simulated time: Tue 14 May 2024, 07:30 (Europe/Paris))" in out


async def test_time_traveller_without_a_scheduler() -> None:
    clock = ManualClock(datetime(2024, 5, 14, 5, 30, tzinfo=UTC))
    ticks: list[datetime] = []
    lines: list[str] = []

    async def tick() -> None:
        ticks.append(clock.now())

    async def zone() -> ZoneInfo:
        return ZoneInfo("Europe/Paris")

    traveller = TimeTraveller(clock, tick=tick, next_due=None, zone=zone, write=lines.append)
    answer = await traveller.handle(":at 09:00")
    assert answer == "(simulated time: Tue 14 May 2024, 09:00 (Europe/Paris))"
    assert ticks[-1] == clock.now() == datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
    assert ticks == sorted(ticks)
    assert lines[0] == "(time travel: to Tue 14 May 2024, 09:00 (Europe/Paris))"


def test_options_refuse_bad_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="IANA"):
        ChatOptions.from_args(db=tmp_path / "x.db", zone="Mars/Olympus")
    with pytest.raises(ConfigError, match="YYYY-MM-DD HH:MM"):
        ChatOptions.from_args(db=tmp_path / "x.db", start="yesterday")
    with pytest.raises(ConfigError, match="is a folder"):
        ChatOptions.from_args(db=tmp_path)
    options = ChatOptions.from_args(
        db=tmp_path / "x.db", zone="Asia/Tokyo", start="2024-01-01 09:00"
    )
    assert options.start == datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    assert isinstance(host_zone(), ZoneInfo)


def test_remodel_chat_with_piped_stdin(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMODEL_")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "chat",
            "--zone",
            "Europe/Paris",
            "--start",
            "2025-03-03 09:00",
        ],
        input="/start\n:now\n:quit\n",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "bot: Hi Alex" in result.stdout
    assert "(simulated time: Mon 03 Mar 2025, 09:00 (Europe/Paris))" in result.stdout
    assert (tmp_path / "remodel-chat.db").is_file()
    assert "Traceback" not in result.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--zone", "Mars/Olympus"],
        input="",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "--zone" in bad.stderr
    assert "Traceback" not in bad.stderr
