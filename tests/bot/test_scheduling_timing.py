"""DST-safe due instants (pure functions: no clock, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ScheduleSettings
from bot.scheduling import load_zone, local_date_of, next_due, next_weekly_due, rebase
from bot.storage import Athlete, Slot

LONDON = load_zone("Europe/London")
NEW_YORK = load_zone("America/New_York")
SYDNEY = load_zone("Australia/Sydney")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("zone", "at", "after", "expected", "expected_local"),
    [
        # Spring forward: the wall time does not exist -> moved forward by the gap.
        (LONDON, time(1, 30), utc(2025, 3, 30, 0, 0), utc(2025, 3, 30, 1, 30), time(2, 30)),
        (NEW_YORK, time(2, 30), utc(2025, 3, 9, 0, 0), utc(2025, 3, 9, 7, 30), time(3, 30)),
        (SYDNEY, time(2, 30), utc(2025, 10, 4, 12, 0), utc(2025, 10, 4, 16, 30), time(3, 30)),
        # Fall back: the wall time happens twice -> the first occurrence.
        (LONDON, time(1, 30), utc(2025, 10, 26, 0, 0), utc(2025, 10, 26, 0, 30), time(1, 30)),
        (NEW_YORK, time(1, 30), utc(2025, 11, 2, 0, 0), utc(2025, 11, 2, 5, 30), time(1, 30)),
        (SYDNEY, time(2, 30), utc(2025, 4, 5, 12, 0), utc(2025, 4, 5, 15, 30), time(2, 30)),
        # Ordinary days either side of a change keep the wall time.
        (LONDON, time(7, 0), utc(2025, 3, 29, 0, 0), utc(2025, 3, 29, 7, 0), time(7, 0)),
        (LONDON, time(7, 0), utc(2025, 3, 30, 0, 0), utc(2025, 3, 30, 6, 0), time(7, 0)),
        (SYDNEY, time(7, 0), utc(2025, 4, 5, 0, 0), utc(2025, 4, 5, 21, 0), time(7, 0)),  # AEST
    ],
)
def test_next_due_around_dst(
    zone: object, at: time, after: datetime, expected: datetime, expected_local: time
) -> None:
    result = next_due(at, zone, after)  # type: ignore[arg-type]
    assert result == expected
    assert result.tzinfo == UTC
    assert result.astimezone(zone).time() == expected_local  # type: ignore[arg-type]


def test_the_second_occurrence_of_an_ambiguous_time_is_not_a_new_due() -> None:
    first = next_due(time(1, 30), LONDON, utc(2025, 10, 26, 0, 0))
    following = next_due(time(1, 30), LONDON, first)
    assert following == utc(2025, 10, 27, 1, 30)  # next day, not 01:30 GMT the same night


@pytest.mark.parametrize("zone", [LONDON, NEW_YORK, SYDNEY])
def test_a_year_of_mornings_is_one_per_local_day(zone: object) -> None:
    instant = utc(2025, 1, 1, 0, 0)
    days = []
    for _ in range(365):
        instant = next_due(time(7, 0), zone, instant)  # type: ignore[arg-type]
        local = instant.astimezone(zone)  # type: ignore[arg-type]
        assert local.time() == time(7, 0)
        days.append(local.date())
    assert days == [days[0] + timedelta(days=i) for i in range(365)]


def test_next_due_is_strictly_after() -> None:
    due = utc(2025, 6, 2, 6, 0)  # 07:00 BST
    assert next_due(time(7, 0), LONDON, due - timedelta(microseconds=1)) == due
    assert next_due(time(7, 0), LONDON, due) == due + timedelta(days=1)


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        next_due(time(7, 0), LONDON, datetime(2025, 1, 1))  # noqa: DTZ001


ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
    "UTC",
]


@given(
    zone_name=st.sampled_from(ZONES),
    at=st.times(),
    after=st.datetimes(
        # hypothesis wants naive bounds; the generated values are aware (timezones=UTC).
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001
        max_value=datetime(2035, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_next_due_properties(zone_name: str, at: time, after: datetime) -> None:
    zone = load_zone(zone_name)
    result = next_due(at, zone, after)
    assert result > after
    assert result - after <= timedelta(hours=26)
    # Nothing earlier qualifies: one microsecond before, the next due is this very instant.
    assert next_due(at, zone, result - timedelta(microseconds=1)) == result
    local = result.astimezone(zone)
    if local.replace(tzinfo=None).time() != at.replace(tzinfo=None):
        # Only a nonexistent wall time may move, and only forward by at most the gap (<= 2 h).
        wall = datetime.combine(local.date(), at.replace(tzinfo=None))
        assert timedelta(0) < local.replace(tzinfo=None) - wall <= timedelta(hours=2)


def test_weekly_due_lands_on_the_weekday() -> None:
    monday = utc(2025, 6, 2, 9, 0)
    due = next_weekly_due(time(12, 0), 6, LONDON, monday)
    assert due == utc(2025, 6, 8, 11, 0)
    assert next_weekly_due(time(12, 0), 6, LONDON, due) == utc(2025, 6, 15, 11, 0)


def test_local_date_of() -> None:
    assert local_date_of(utc(2025, 6, 1, 15, 0), SYDNEY) == date(2025, 6, 2)
    assert local_date_of(utc(2025, 6, 1, 3, 0), NEW_YORK) == date(2025, 5, 31)


def test_unknown_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        load_zone("Mars/Olympus")


def _athlete(zone: str) -> Athlete:
    now = utc(2025, 6, 2, 5, 0)
    return Athlete(
        telegram_user_id=1,
        chat_id=1,
        time_zone=zone,
        onboarded=True,
        morning_time=time(7, 0),
        evening_time=time(20, 0),
        created_at=now,
        updated_at=now,
    )


def test_rebase_when_the_athlete_changes_zone() -> None:
    schedule = ScheduleSettings()
    now = utc(2025, 6, 2, 5, 0)  # 06:00 in London, 01:00 in New York
    athlete = _athlete("Europe/London")
    rebase(athlete, now, schedule)
    assert athlete.next_morning_due_at == utc(2025, 6, 2, 6, 0)
    assert athlete.next_evening_due_at == utc(2025, 6, 2, 19, 0)
    assert athlete.next_due_at == athlete.next_morning_due_at

    athlete.time_zone = "America/New_York"
    rebase(athlete, now, schedule)
    assert athlete.next_morning_due_at == utc(2025, 6, 2, 11, 0)
    assert athlete.next_evening_due_at == utc(2025, 6, 3, 0, 0)
    assert athlete.next_weekly_due_at == utc(2025, 6, 8, 16, 0)  # Sunday 12:00 EDT
    assert athlete.next_due_of(Slot.MORNING) == athlete.next_due_at


def test_rebase_of_an_ineligible_athlete_leaves_next_due_empty() -> None:
    athlete = _athlete("UTC")
    athlete.paused = True
    rebase(athlete, utc(2025, 6, 2, 5, 0), ScheduleSettings())
    assert athlete.next_morning_due_at is not None
    assert athlete.next_due_at is None
