"""A coach group through the real stack: invite link, redemption, alerts by share level."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from bot.storage import CoachLink, get_athlete_by_telegram_id, links_for_athlete
from sandbox.driver import BotMessage

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

TREND = "check-in adherence, the current phase and the pain trend"


async def test_coach_group_gets_red_flag_alert_and_invites_are_one_time(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/coach")
    menu = await ann.expect("What may they see?")
    assert TREND in menu.labels
    await ann.press(TREND)
    invite = await ann.expect("one-time link")
    match = re.search(r"https://t\.me/remodel_bot\?startgroup=([A-Za-z0-9_-]+)", invite.text)
    assert match is not None
    token = match.group(1)

    coach_user = await harness.sandbox.create_user("Cory")
    group_id = await harness.sandbox.create_group("Ann's team", [coach_user.id, ann.user_id])
    group = harness.sandbox.chat(coach_user.id, chat_id=group_id)
    await harness.sandbox.add_bot_to_group(group_id, coach_user.id, start_payload=token)
    welcome = await group.expect("invited this group")
    assert "Ann" in welcome.text
    assert TREND in welcome.text
    await ann.expect("Your coach group is connected")

    # The invite works once.
    other = await harness.sandbox.create_group("Another group", [coach_user.id])
    other_chat = harness.sandbox.chat(coach_user.id, chat_id=other)
    await harness.sandbox.add_bot_to_group(other, coach_user.id, start_payload=token)
    await other_chat.expect("already been used")

    # A red flag: the athlete gets the escalation, the group an alert without details.
    harness.clock.set(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.press("Yes")
    await ann.expect("Please contact your clinician")
    alert = await group.expect("warning sign")
    assert "Ann" in alert.text
    assert "night" not in alert.text
    # Group chatter gets no answer; athlete buttons never appear there.
    await group.send("how is she doing?")
    await group.expect_no_message(0.3)
    assert all(not m.buttons for m in await harness.drain(group, 0.2))


# --- scheduled news, share levels, stopping, removal, migration ---------------------------

ADHERENCE = "whether check-ins are answered"
FULL = "everything in the daily check-ins"
MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
STATUS = datetime(2026, 3, 2, 21, 30, tzinfo=UTC)  # coach_status_time, London (GMT)


async def _links(harness: Harness, user_id: int) -> list[CoachLink]:
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user_id)
        assert athlete is not None
        assert athlete.id is not None
        return list(await links_for_athlete(session, athlete.id))


@pytest.mark.parametrize(
    ("scope", "shown", "hidden"),
    [
        (ADHERENCE, ["answered that day: 1 of 2"], ["Phase", "pain", "sleep"]),
        (
            TREND,
            [
                "answered that day: 1 of 2",
                "Phase: Protect",
                "(0 to 10): Thu 26 – · Fri 27 – · Sat 28 – · Sun 01 – · Mon 02 1",
            ],
            ["sleep"],
        ),
        (FULL, ["Phase: Protect", "pain on getting up 1/10", "sleep quality 7/10"], []),
    ],
)
async def test_daily_status_once_a_day_by_share_level(
    harness: Harness, scope: str, shown: list[str], hidden: list[str]
) -> None:
    ann = await harness.onboard("Ann")
    group, _ = await harness.link_coach_group(ann, scope)
    await harness.answer_morning(ann, MORNING)
    harness.clock.set(STATUS)
    report = await harness.tick()
    assert report.coach_posts == 1
    await harness.drain(ann)
    status = await group.expect("Ann, Mon 02 Mar")
    for text in shown:
        assert text in status.text
    for text in hidden:
        assert text not in status.text
    # Once per local day: another tick, or a restart, sends nothing more.
    harness.clock.advance(timedelta(minutes=5))
    assert (await harness.tick()).coach_posts == 0
    await harness.restart()
    assert (await harness.tick()).coach_posts == 0
    await group.expect_no_message(0.3)
    # The next evening brings the next one (after an alert: the evening went unanswered).
    harness.clock.set(STATUS + timedelta(days=1))
    assert (await harness.tick()).coach_posts >= 1
    news = [m.text for m in await harness.drain(group, 0.5)]
    assert any("Ann, Tue 03 Mar" in text for text in news)


async def test_a_silent_athlete_gives_the_group_one_post_a_day_and_never_symptoms(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    group, _ = await harness.link_coach_group(ann, ADHERENCE)
    harness.clock.set(MORNING)
    await harness.tick()
    await harness.drain(ann)
    # Ann never answers: the evening check-in supersedes the morning one. The missed
    # morning waits for the daily status instead of making a post of its own.
    harness.clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    await harness.tick()
    await ann.expect("How did today go?")
    harness.clock.set(STATUS)
    assert (await harness.tick()).coach_posts == 1
    (status,) = await harness.drain(group, 0.5)
    assert "Ann, Mon 02 Mar" in status.text
    assert "answered that day: 0 of 2" in status.text
    assert "Not answered: Mon morning." in status.text
    # A red flag the next morning: the athlete is escalated, the adherence group hears
    # nothing of it; the evening missed yesterday is in that day's one status.
    harness.clock.set(MORNING + timedelta(days=1))
    await harness.tick()
    await harness.drain(ann)
    await ann.press("Yes")  # night pain
    await ann.expect("Please contact your clinician")
    harness.clock.set(STATUS + timedelta(days=1))
    assert (await harness.tick()).coach_posts == 1
    (status,) = await harness.drain(group, 0.5)
    assert "Ann, Tue 03 Mar" in status.text
    assert "Not answered: Mon evening." in status.text
    assert "warning" not in status.text
    assert "hold" not in status.text


async def test_weekly_digest_on_sunday(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    group, _ = await harness.link_coach_group(ann, TREND)
    await harness.answer_morning(ann, MORNING)
    harness.clock.set(datetime(2026, 3, 8, 21, 30, tzinfo=UTC))  # Sunday
    await harness.tick()
    messages = await harness.drain(group, 0.5)
    digest = next(m for m in messages if "the week up to Sun 08 Mar" in m.text)
    assert "Phase: Protect" in digest.text
    assert "Warning signs: 0" in digest.text


async def test_stop_sharing_revokes_links_and_the_bot_leaves(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    group, _ = await harness.link_coach_group(ann, TREND)
    await ann.send("/coach")
    menu = await ann.expect("What may they see?")
    assert "Stop sharing with my coach groups" in menu.labels
    await ann.press("Stop sharing with my coach groups")
    await group.expect("stopped sharing")
    await ann.expect("Sharing stopped")
    (link,) = await _links(harness, ann.user_id)
    assert link.revoked_at is not None
    assert link.next_status_at is None
    harness.clock.set(STATUS)
    assert (await harness.tick()).coach_posts == 0
    await group.expect_no_message(0.3)
    await harness.drain(ann)
    # Nothing left to stop.
    await ann.send("/coach")
    menu = await ann.expect("What may they see?")
    assert "Stop sharing with my coach groups" not in menu.labels


async def test_the_group_can_answer_nothing_for_the_athlete(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    group, group_id = await harness.link_coach_group(ann, ADHERENCE)
    ann_in_group = harness.sandbox.chat(ann.user_id, chat_id=group_id)
    await harness.answer_morning(ann, MORNING)
    for chat in (group, ann_in_group):
        for command in ("/checkin", "/coach", "/settings", "/learn", "/report"):
            await chat.send(command)
        await chat.send("7")
    await asyncio.sleep(1.0)  # time for any (wrong) answer to arrive
    assert [m for m in await harness.drain(group, 0.3)] == []
    await ann.expect_no_message(0.2)
    # The group's messages never carry buttons, so there is nothing a coach could press.
    assert all(not m.buttons for m in await group.transcript() if isinstance(m, BotMessage))


async def test_bot_removed_from_the_group_deactivates_the_link(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    group, group_id = await harness.link_coach_group(ann, TREND)
    await harness.sandbox.remove_bot_from_group(group_id, group.user_id)
    await ann.expect("removed from one of your coach groups")
    (link,) = await _links(harness, ann.user_id)
    assert link.revoked_at is not None
    harness.clock.set(STATUS)
    assert (await harness.tick()).coach_posts == 0


async def test_group_upgraded_to_supergroup_follows_the_new_id(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    group, group_id = await harness.link_coach_group(ann, TREND)
    new_id = await harness.sandbox.migrate_group(group_id)
    await asyncio.sleep(0.5)  # the service message reaches the bot
    (link,) = await _links(harness, ann.user_id)
    assert link.group_chat_id == new_id
    supergroup = harness.sandbox.chat(group.user_id, chat_id=new_id)
    harness.clock.set(STATUS)
    # The status only: the morning check-in was never sent (the clock jumped past its grace
    # window), so the coach is not told it was missed (issue 13).
    assert (await harness.tick()).coach_posts == 1
    news = [m.text for m in await harness.drain(supergroup, 0.5)]
    assert any("Ann, Mon 02 Mar" in text for text in news)
    await group.expect_no_message(0.2)
