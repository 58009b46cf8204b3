"""The record's pieces without the chat: the phase history rebuilt from events, every chart
drawn (valid, phone-sized, not blank), milestones on the timeline, and rendering in a real
worker process."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import pytest
from conversation_fixtures import library
from media_checks import assert_chart_png

from bot.charts.load import _spans
from bot.charts.model import (
    AthleteRecord,
    ChartView,
    ChartWords,
    DayPoint,
    Marker,
    MarkerKind,
    Milestone,
    PainLimits,
    Period,
    PhaseSpan,
    SlotMark,
    SlotStatus,
)
from bot.charts.pool import RenderPool
from bot.charts.render import render_chart
from bot.charts.words import chart_words
from bot.rendering.texts import Texts
from bot.storage import Event
from flows.phases import Phase
from flows.state import RehabState

TODAY = date(2026, 3, 2)
START = TODAY - timedelta(days=59)


@cache
def words() -> ChartWords:
    lib = library()
    return chart_words(Texts.from_entries({**lib.coach.messages, **lib.bot.messages}))


def _event(day: date, kind: str, **payload: object) -> tuple[date, Event]:
    at = datetime.combine(day, time(8), tzinfo=UTC)
    return day, Event(athlete_id=1, at=at, kind=kind, payload=payload)


def test_phase_history_comes_from_the_events_and_ends_where_the_state_is() -> None:
    moved = START + timedelta(days=20)
    flagged = START + timedelta(days=30)
    released = START + timedelta(days=36)
    events = [
        _event(moved, "phase_changed", **{"from": "protect", "to": "walk_strength"}),
        _event(flagged, "red_flag", flags=["night_pain"], phase="walk_strength"),
        _event(released, "released", to="walk_strength", reason="resume"),
    ]
    state = RehabState(phase=Phase.WALK_STRENGTH, stage=1, phase_entered=moved, stage_entered=moved)
    assert _spans(events, state, START, TODAY) == (
        PhaseSpan("protect", START, moved),
        PhaseSpan("walk_strength", moved, None),
        PhaseSpan("walk_strength", flagged, released, held=True),
    )
    # An athlete still on hold: the held stretch is open.
    assert _spans(events[:2], state, START, TODAY)[-1] == PhaseSpan(
        "walk_strength", flagged, None, held=True
    )


def _record() -> AthleteRecord:
    days = tuple(
        DayPoint(
            START + timedelta(days=n),
            pain_rest=max(0, 3 - n // 10),
            pain_walking=max(0, 4 - n // 10),
            pain_during=n % 3,
            pain_next_morning=max(0, 2 - n // 15),
            sleep_hours=7.0 + (n % 3) / 2,
            sleep_quality=6 + n % 3,
            fear=max(0, 7 - n // 8),
        )
        for n in range(60)
    )
    slots = tuple(
        SlotMark(d.day, slot, SlotStatus.MISSED if n % 11 == 0 else SlotStatus.ANSWERED)
        for n, d in enumerate(days)
        for slot in ("morning", "evening")
    )
    moved = START + timedelta(days=25)
    return AthleteRecord(
        first_name="Ann",
        today=TODAY,
        start=START,
        limits=PainLimits(2, 2, 0, 2, 7),
        days=days,
        slots=slots,
        markers=(
            Marker(START + timedelta(days=30), MarkerKind.RED_FLAG, ("night_pain",)),
            Marker(START + timedelta(days=36), MarkerKind.CLEARANCE, ("resume",)),
        ),
        spans=(
            PhaseSpan("protect", START, moved),
            PhaseSpan("walk_strength", moved, None),
            PhaseSpan("walk_strength", START + timedelta(days=30), moved, held=True),
        ),
        milestones=(Milestone("running again", TODAY + timedelta(days=30), "walk_run"),),
    )


@pytest.mark.parametrize("view", list(ChartView))
@pytest.mark.parametrize("period", [Period.TWO_WEEKS, Period.ALL])
def test_every_chart_is_a_phone_sized_picture(view: ChartView, period: Period) -> None:
    assert_chart_png(render_chart(_record(), view, period, words()))


def test_an_empty_record_draws_and_says_so() -> None:
    empty = AthleteRecord("Ann", TODAY, TODAY, PainLimits(2, 2, 0, 2, 7))
    for view in ChartView:
        assert_chart_png(render_chart(empty, view, Period.TWO_WEEKS, words()))


def test_milestones_change_the_phase_timeline() -> None:
    record = _record()
    with_milestone = render_chart(record, ChartView.PHASES, Period.ALL, words())
    plain = render_chart(replace(record, milestones=()), ChartView.PHASES, Period.ALL, words())
    assert with_milestone != plain


async def test_a_worker_process_draws_the_same_picture() -> None:
    pool = RenderPool(kind="process", workers=1, queue=1)
    try:
        png = await pool.run(render_chart, _record(), ChartView.PAIN, Period.ALL, words())
    finally:
        pool.shutdown()
    assert png == render_chart(_record(), ChartView.PAIN, Period.ALL, words())


async def test_a_fresh_worker_process_imports_the_renderers() -> None:
    """The warm-up a started bot does: a spawned worker imports the chart and PDF renderers
    on their own (once a circular import through the handlers made it fail there only)."""
    pool = RenderPool(kind="process", workers=1, queue=1)
    try:
        await pool.warm_up()
    finally:
        pool.shutdown()
