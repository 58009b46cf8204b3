"""The coach side through the real stack: the group's own commands (/status, /today,
/progress, /help) answered with what the share level allows, detail at the share-everything
level (which warning sign, the athlete's note), the weekly digest's chart by share level,
and a coach of several athletes who sees each in their own group."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from media_checks import assert_chart_png

from bot.charts.model import (
    AthleteRecord,
    DayPoint,
    Marker,
    MarkerKind,
    PainLimits,
    PhaseSpan,
    SlotMark,
    SlotStatus,
)
from bot.handlers.coach_charts import shared_record
from bot.storage import ShareLevel
from sandbox.driver import BotMessage

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

ADHERENCE = "whether check-ins are answered"
TREND = "check-in adherence, the current phase and the pain trend"
FULL = "everything in the daily check-ins"
MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
SUNDAY_STATUS = datetime(2026, 3, 8, 21, 30, tzinfo=UTC)
#: The evening in protect: session, pain during, building, sharp, after, walking, five signs,
#: then the free-text note (typed).
EVENING_BUTTONS = ["Done", "2", "No", "No", "1", "1", "No", "No", "No", "No", "No"]


async def _photo(harness: Harness, message: BotMessage) -> bytes:
    assert message.photo is not None, "expected a photo"
    return await harness.sandbox.file_bytes(message.photo["file_id"])


@pytest.mark.parametrize(
    ("scope", "status_shows", "status_hides", "chart"),
    [
        (ADHERENCE, ["answered that day: 1 of 1"], ["Phase", "pain", "sleep"], "Check-ins"),
        (TREND, ["Phase: Protect", "Mon 02 1"], ["sleep"], "Pain"),
        (FULL, ["Phase: Protect", "sleep quality 7/10"], [], "Pain"),
    ],
)
async def test_group_commands_answer_by_share_level(
    harness: Harness, scope: str, status_shows: list[str], status_hides: list[str], chart: str
) -> None:
    ann = await harness.onboard("Ann")
    group = (await harness.link_coach_group(ann, scope, "Ann's team"))[0]
    await harness.answer_morning(ann, MORNING)

    for command in ("/status", "/today"):
        await group.send(command)
        status = await group.expect("Ann, Mon 02 Mar")
        for text in status_shows:
            assert text in status.text
        for text in status_hides:
            assert text not in status.text

    await group.send("/progress")
    picture = await group.expect(f"Ann: {chart}, last two weeks")
    assert not picture.buttons
    assert_chart_png(await _photo(harness, picture))

    await group.send("/help@remodel_bot")
    help_text = await group.expect("/status")
    assert "/progress" in help_text.text
    assert "Only Ann can answer" in help_text.text
    # Nothing the group got carries buttons.
    assert all(not m.buttons for m in await group.transcript() if isinstance(m, BotMessage))
    await harness.drain(ann)
    await ann.expect_no_message(0.2)


async def test_share_everything_shows_which_warning_sign_and_the_note(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    group = (await harness.link_coach_group(ann, FULL, "Ann's team"))[0]
    # The evening: the session went fine; Ann types a note at the end.
    harness.clock.set(EVENING)
    await harness.tick()
    await ann.expect("How did today go?")
    await ann.expect("Did you do today's session?")
    for label in EVENING_BUTTONS:
        await ann.press(label)
        await ann.next_message()
    await ann.send("shin felt tight on the stairs")
    await ann.expect("Evening summary")
    await harness.drain(ann)
    await group.send("/status")
    status = await group.expect("Ann, Mon 02 Mar")
    assert "pain during the session 2/10" in status.text
    assert "Note from Ann: “shin felt tight on the stairs”" in status.text

    # The next morning: night pain. The group hears which warning sign it was.
    harness.clock.set(datetime(2026, 3, 3, 7, 30, tzinfo=UTC))
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.press("Yes")
    await ann.expect("Please contact your clinician")
    alert = await group.expect("warning sign today")
    assert "Pain at night or pain that wakes you" in alert.text
    await group.send("/status")
    status = await group.expect("Ann, Tue 03 Mar")
    assert "Warning signs that day: Pain at night or pain that wakes you." in status.text
    assert "none yet" not in status.text


async def test_trend_group_hears_of_a_warning_sign_without_detail(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    group = (await harness.link_coach_group(ann, TREND, "Ann's team"))[0]
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.press("Yes")
    await ann.expect("Please contact your clinician")
    alert = await group.expect("warning sign today")
    assert "night" not in alert.text
    await group.send("/status")
    status = await group.expect("Ann, Mon 02 Mar")
    assert "Warning signs" not in status.text
    assert "night" not in status.text


@pytest.mark.parametrize(("scope", "chart"), [(ADHERENCE, "Check-ins"), (TREND, "Pain")])
async def test_weekly_digest_carries_the_chart_its_share_level_allows(
    harness: Harness, scope: str, chart: str
) -> None:
    ann = await harness.onboard("Ann")
    group = (await harness.link_coach_group(ann, scope, "Ann's team"))[0]
    await harness.answer_morning(ann, MORNING)
    harness.clock.set(SUNDAY_STATUS)
    await harness.tick()
    messages = await harness.drain(group, 1.0)
    digest = next(i for i, m in enumerate(messages) if "the week up to Sun 08 Mar" in m.text)
    pictures = [m for m in messages if m.photo is not None]
    assert [m.text for m in pictures] == [f"Ann: {chart}, last two weeks"]
    assert messages.index(pictures[0]) == digest + 1  # right after the digest's text
    assert_chart_png(await _photo(harness, pictures[0]))


async def test_a_coach_of_two_athletes_sees_each_in_their_own_group(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    bea = await harness.onboard("Bea")
    ann_group = (await harness.link_coach_group(ann, FULL, "Ann's team"))[0]
    bea_group = (await harness.link_coach_group(bea, ADHERENCE, "Bea's team"))[0]
    await harness.answer_morning(ann, MORNING)
    for group, mine, other in ((ann_group, "Ann", "Bea"), (bea_group, "Bea", "Ann")):
        await group.send("/status")
        status = await group.expect(f"{mine}, Mon 02 Mar")
        assert other not in status.text
        await harness.drain(group, 0.3)
    # Bea's group shares adherence only: no pain of Ann's, nor of Bea's, shows there.
    await bea_group.send("/progress")
    picture = await bea_group.expect("Bea: Check-ins")
    assert "Ann" not in picture.text


async def test_a_group_nobody_shares_with_is_told_so(harness: Harness) -> None:
    coach = await harness.sandbox.create_user("Cory")
    group_id = await harness.sandbox.create_group("Empty", [coach.id])
    group = harness.sandbox.chat(coach.id, chat_id=group_id)
    await harness.sandbox.add_bot_to_group(group_id, coach.id)
    await harness.drain(group, 0.5)
    await group.send("/status")
    await group.expect("No athlete shares")


def test_a_group_record_holds_only_what_its_share_level_allows() -> None:
    day = datetime(2026, 3, 2, tzinfo=UTC).date()
    record = AthleteRecord(
        first_name="Ann",
        today=day,
        start=day,
        limits=PainLimits(2, 2, 0, 2, 7),
        days=(DayPoint(day, pain_rest=1, sleep_hours=7.0, fear=4, note="tired"),),
        slots=(SlotMark(day, "morning", SlotStatus.ANSWERED),),
        markers=(Marker(day, MarkerKind.RED_FLAG, ("night_pain",)),),
        spans=(PhaseSpan("protect", day),),
    )
    adherence = shared_record(record, ShareLevel.ADHERENCE)
    assert (adherence.days, adherence.markers, adherence.spans) == ((), (), ())
    assert adherence.slots == record.slots
    trend = shared_record(record, ShareLevel.TREND)
    assert trend.days == (DayPoint(day, pain_rest=1),)
    assert trend.markers == record.markers
    assert shared_record(record, ShareLevel.FULL) == record
