"""Time-travel commands of ``remodel chat``: parsing, local-time targets and the walk."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.time_travel import (
    MAX_STEPS,
    Command,
    Kind,
    TimeTravelError,
    describe,
    parse,
    target_of,
    walk,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (":now", Command(Kind.NOW)),
        (":help", Command(Kind.HELP)),
        (":tomorrow", Command(Kind.TOMORROW)),
        (":tomorrow 7:05", Command(Kind.TOMORROW, at=time(7, 5))),
        (":at 07:30", Command(Kind.AT, at=time(7, 30))),
        (":AT 2130", Command(Kind.AT, at=time(21, 30))),
        (":days 7", Command(Kind.DAYS, count=7)),
        ("  :hours 3 ", Command(Kind.HOURS, count=3)),
    ],
)
def test_parse_accepts(line: str, expected: Command) -> None:
    assert parse(line) == expected


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        (":", "empty"),
        (":yesterday", "unknown command :yesterday"),
        (":at", "e.g. :at 07:30"),
        (":at 25:00", "hours 00-23"),
        (":at noon", "HH:MM"),
        (":days", "e.g. :days 7"),
        (":days 0", "from 1 to 366"),
        (":days x", "whole number"),
        (":now please", "takes no argument"),
        (":tomorrow 7:00 8:00", "at most a time"),
    ],
)
def test_parse_refuses_with_a_fix(line: str, fragment: str) -> None:
    with pytest.raises(TimeTravelError, match=fragment):
        parse(line)


def test_jump_kinds() -> None:
    assert parse(":days 2").is_jump
    assert not parse(":now").is_jump
    assert not parse(":help").is_jump


def at_paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def test_tomorrow_keeps_the_time_of_day() -> None:
    now = at_paris(2024, 5, 14, 9, 12)
    assert target_of(parse(":tomorrow"), now, PARIS) == at_paris(2024, 5, 15, 9, 12)
    assert target_of(parse(":tomorrow 07:30"), now, PARIS) == at_paris(2024, 5, 15, 7, 30)


def test_at_is_today_when_ahead_else_tomorrow() -> None:
    now = at_paris(2024, 5, 14, 9, 0)
    assert target_of(parse(":at 21:00"), now, PARIS) == at_paris(2024, 5, 14, 21, 0)
    assert target_of(parse(":at 07:30"), now, PARIS) == at_paris(2024, 5, 15, 7, 30)
    assert target_of(parse(":at 09:00"), now, PARIS) == at_paris(2024, 5, 15, 9, 0)


def test_days_are_calendar_days_across_dst() -> None:
    now = at_paris(2024, 3, 30, 7, 30)  # Paris springs forward on 31 March
    target = target_of(parse(":days 1"), now, PARIS)
    assert target.astimezone(PARIS).hour == 7
    assert target - now == timedelta(hours=23)
    autumn = at_paris(2024, 10, 26, 7, 30)  # falls back on 27 October
    assert target_of(parse(":days 1"), autumn, PARIS) - autumn == timedelta(hours=25)


def test_nonexistent_wall_time_lands_after_the_gap() -> None:
    now = at_paris(2024, 3, 30, 12, 0)
    target = target_of(parse(":tomorrow 02:30"), now, PARIS)
    assert target > now
    assert target.astimezone(PARIS).hour == 3


def test_hours_are_elapsed_time() -> None:
    now = at_paris(2024, 3, 31, 1, 0)
    assert target_of(parse(":hours 2"), now, PARIS) - now == timedelta(hours=2)


def test_target_refuses_naive_now_and_non_jumps() -> None:
    with pytest.raises(ValueError, match="aware"):
        target_of(parse(":days 1"), datetime(2024, 1, 1), PARIS)  # noqa: DTZ001
    with pytest.raises(ValueError, match="not a jump"):
        target_of(parse(":now"), at_paris(2024, 1, 1, 8), PARIS)


def test_describe_shows_local_time_and_zone() -> None:
    assert describe(at_paris(2024, 5, 14, 7, 30), PARIS) == (
        "Tue 14 May 2024, 07:30 (Europe/Paris)"
    )


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.value = start
        self.seen: list[datetime] = []

    def now(self) -> datetime:
        return self.value

    def set(self, instant: datetime) -> None:
        assert instant >= self.value, "the walk never goes backwards"
        self.value = instant

    async def tick(self) -> None:
        self.seen.append(self.value)


async def test_walk_stops_at_every_due_instant_in_order() -> None:
    start = at_paris(2024, 5, 14, 9, 0)
    dues = [at_paris(2024, 5, d, h) for d in (14, 15, 16) for h in (7, 20)]
    clock = FakeClock(start)

    async def next_due(after: datetime) -> datetime | None:
        return next((d for d in sorted(dues) if d > after), None)

    target = start + timedelta(days=2)
    ticks = await walk(
        target, now=clock.now, set_time=clock.set, tick=clock.tick, next_due=next_due
    )
    expected = [d for d in dues if start < d < target] + [target]
    assert clock.seen == expected
    assert ticks == len(expected)
    assert clock.value == target


async def test_walk_without_next_due_steps_regularly() -> None:
    start = at_paris(2024, 5, 14, 9, 0)
    clock = FakeClock(start)
    settled: list[datetime] = []

    async def settle() -> None:
        settled.append(clock.value)

    await walk(
        start + timedelta(hours=1),
        now=clock.now,
        set_time=clock.set,
        tick=clock.tick,
        settle=settle,
    )
    assert len(clock.seen) == 4
    assert settled == clock.seen


async def test_walk_is_bounded_when_the_scheduler_never_settles() -> None:
    start = at_paris(2024, 5, 14, 9, 0)
    clock = FakeClock(start)

    async def stuck(after: datetime) -> datetime | None:
        return after  # a due instant the scheduler never consumes

    target = start + timedelta(days=366)
    ticks = await walk(target, now=clock.now, set_time=clock.set, tick=clock.tick, next_due=stuck)
    assert ticks <= MAX_STEPS + 1
    assert clock.value == target
