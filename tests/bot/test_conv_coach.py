"""A coach group through the real stack: invite link, redemption, alerts by share level."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

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
