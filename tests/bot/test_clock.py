"""The clock: aware UTC instants only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.clock import Clock, ManualClock, SystemClock, ensure_utc


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo == UTC
    assert isinstance(SystemClock(), Clock)


def test_manual_clock_set_and_advance() -> None:
    clock = ManualClock(datetime(2025, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2025, 1, 1, 7, 0, tzinfo=UTC)
    assert clock.now().tzinfo == UTC
    assert clock.advance(minutes=90) == datetime(2025, 1, 1, 8, 30, tzinfo=UTC)
    assert clock.advance(timedelta(days=1)) == datetime(2025, 1, 2, 8, 30, tzinfo=UTC)
    clock.set(datetime(2024, 12, 31, tzinfo=UTC))
    assert clock.now() == datetime(2024, 12, 31, tzinfo=UTC)
    assert isinstance(clock, Clock)


def test_manual_clock_refuses_naive_and_backwards_steps() -> None:
    with pytest.raises(ValueError, match="naive"):
        ManualClock(datetime(2025, 1, 1))  # noqa: DTZ001
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2025, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="non-negative"):
        clock.advance(timedelta(seconds=-1))


def test_ensure_utc() -> None:
    assert ensure_utc(datetime(2025, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == datetime(
        2025, 1, 1, tzinfo=UTC
    )
