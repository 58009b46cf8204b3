"""The plan message with variety: two rotated options a day (short, valid HTML), the week's
target in kilometres, the clean-week acknowledgement, the streak line."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from bot.rendering.plans import render_plan
from bot.rendering.streak import render_streak
from bot.rendering.texts import Texts
from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.injury import Grade, Site
from flows.library import Library, load_library
from flows.phases import Phase
from flows.plan import plan_for_day
from flows.profile import AthleteProfile, WeightBearing
from flows.state import RehabState

CONTENT = Path(__file__).resolve().parents[2] / "content"
DAY = date(2026, 3, 2)


@cache
def library() -> Library:
    return load_library(CONTENT, "en")


def texts() -> Texts:
    lib = library()
    return Texts.from_entries({**lib.coach.messages, **lib.bot.messages})


def profile(**kw: object) -> AthleteProfile:
    return AthleteProfile(
        site=Site.METATARSAL_SHAFT,
        grade=Grade.MRI2,
        diagnosis_date=DAY - timedelta(days=100),
        weight_bearing=WeightBearing.FULL,
        **kw,  # type: ignore[arg-type]
    )


def state(phase: Phase, stage: int = 1) -> RehabState:
    start = DAY - timedelta(days=20)
    return RehabState(phase=phase, stage=stage, phase_entered=start, stage_entered=start)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag


def test_cross_training_is_two_varied_options_and_short() -> None:
    for i in range(10):
        plan = plan_for_day(
            library(), profile(), state(Phase.RUN_BUILD, 2), DAY + timedelta(days=i), []
        )
        text = render_plan(plan, texts())
        block = text.split("Cross-training you can do today")[1].split("\n\n")[0]
        items = [line for line in block.split("\n") if line.startswith("•")]
        assert len(items) == 2
        for option in plan.cross_training_today:
            assert f"<b>{option.name}</b>, {option.minutes} min: {option.variation}" in block
        # Two options with their site cautions, not a wall of every option's how-to.
        assert len(block) < 900
        parser = _Tags()
        parser.feed(text)
        assert parser.open == []
        assert len(text) <= 4096


def test_return_to_sport_target_in_kilometres() -> None:
    rts = state(Phase.RETURN_TO_SPORT, 1)
    text = render_plan(plan_for_day(library(), profile(weekly_volume_km=40), rts, DAY, []), texts())
    assert "This week: about <b>20 km</b>, 50% of your usual 40 km." in text
    plain = render_plan(plan_for_day(library(), profile(), rts, DAY, []), texts())
    assert "This week: about" not in plain


def test_a_clean_week_is_acknowledged_specifically() -> None:
    quiet = DailyCheckIn(pain_rest=0, pain_walking=0, next_morning_pain=0, night_pain=False)
    ran = replace(quiet, session=SessionResult.DONE, pain_during=1, pain_after=0)
    days = [DayRecord(DAY - timedelta(days=i), ran if i % 2 else quiet) for i in range(6, -1, -1)]
    plan = plan_for_day(library(), profile(), state(Phase.WALK_RUN, 3), DAY, days)
    text = render_plan(plan, texts())
    assert "A clean week." in text
    assert "Seven days of check-ins in a row and 3 sessions done." in text
    assert "The bone never went above 1/10" in text
    later = plan_for_day(library(), profile(), state(Phase.WALK_RUN, 3), DAY, days[:-1])
    assert "clean week" not in render_plan(later, texts())


def test_a_pain_free_week_says_so_plainly() -> None:
    quiet = DailyCheckIn(pain_rest=0, pain_walking=0, next_morning_pain=0, night_pain=False)
    days = [DayRecord(DAY - timedelta(days=i), quiet) for i in range(13, -1, -1)]
    plan = plan_for_day(library(), profile(), state(Phase.PROTECT), DAY, days)
    text = render_plan(plan, texts())
    assert "Seven days of check-ins in a row. No pain at the bone all week" in text
    assert "That makes 2 clean weeks in a row." in text
    assert "0/10" not in text


def test_streak_line() -> None:
    assert "12 days in a row" in render_streak(texts(), 12)
    assert "1 day in a row" in render_streak(texts(), 1)
    assert "starts with your next check-in" in render_streak(texts(), 0)
