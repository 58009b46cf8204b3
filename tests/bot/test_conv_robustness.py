"""Failure paths through the real stack: restart mid-check-in, a blocked user, double
presses, foreign and forged presses, huge messages, unknown commands, a crash in the middle
of a dialogue, flood control, updates of one athlete in order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from telegram import Update

from bot.handlers import checkin as checkin_handlers
from bot.storage import CheckinStatus, get_athlete_by_telegram_id, get_dialogue, list_checkins

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


async def _state(harness: Harness, user_id: int):  # type: ignore[no-untyped-def]
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user_id)
        assert athlete is not None
        assert athlete.id is not None
        return (
            athlete,
            list(await list_checkins(session, athlete.id)),
            await get_dialogue(session, athlete.id),
        )


async def _morning_started(harness: Harness, name: str = "Ann"):  # type: ignore[no-untyped-def]
    chat = await harness.onboard(name)
    harness.clock.set(MORNING)
    await harness.tick()
    await chat.expect("Good morning")
    question = await chat.expect("wake you")
    return chat, question


async def test_restart_mid_check_in_loses_nothing_and_sends_nothing_twice(harness: Harness) -> None:
    ann, _ = await _morning_started(harness)
    await ann.press("No")
    await ann.expect("on getting up")
    await ann.send("3")
    on_screen = await ann.expect("Sitting or lying still")
    await harness.restart()
    assert harness.apps_built == 2
    report = await harness.tick()  # the new process's first tick: nothing is due again
    assert report.sent == 0
    assert report.created == 0
    await ann.expect_no_message(0.3)
    await ann.press("1")  # the keyboard sent by the previous process still works
    await ann.expect("How well")
    await ann.send("5")
    await ann.expect("hours")  # after a poor night
    await ann.send("8")
    await ann.expect("worried")
    await ann.send("3")
    await ann.expect("same step")
    await ann.expect("Today:")
    _, rows, dialogue = await _state(harness, ann.user_id)
    assert dialogue is None
    assert rows[0].answers == {
        "night_pain": False,
        "next_morning_pain": 3,
        "pain_rest": 1,
        "sleep_hours": 8.0,
        "sleep_quality": 5,
        "fear": 3,
    }
    # Every message sent once (the answered questions are deleted once the check-in is
    # finished: it collapses into its recap; deleted ones count too).
    entries = await ann.driver.request(
        "GET",
        f"chats/{ann.chat_id}/messages",
        params={"after_message_id": 0, "wait": 0, "include_deleted": 1},
    )
    texts = [e["text"] or "" for e in entries if e["side"] == "bot"]
    for fragment in (
        "Good morning",
        "wake you",
        "Right now, on getting up",
        "Sitting or lying",
        "hours did you sleep",
        "How well",
        "same step",
        "Today:",
    ):
        assert sum(fragment in t for t in texts) == 1, fragment
    assert any(t.startswith("Morning check-in ✓") for t in texts)  # "worried", edited
    assert on_screen.message_id in [e["message_id"] for e in entries]


async def test_blocked_user_is_deactivated_and_comes_back_with_start(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    bob = await harness.onboard("Bob")
    await harness.sandbox.block(ann.user_id)
    harness.clock.set(MORNING)
    report = await harness.tick()
    assert report.blocked == 1
    assert report.sent == 1
    await bob.expect("Good morning")
    athlete, rows, _ = await _state(harness, ann.user_id)
    assert not athlete.active
    assert athlete.next_due_at is None
    assert rows[0].status is CheckinStatus.MISSED
    # Scheduling stopped for Ann: no rows at her evening time.
    harness.clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    report = await harness.tick()
    assert report.created == 1  # Bob's evening only
    _, rows, _ = await _state(harness, ann.user_id)
    assert len(rows) == 1
    await harness.sandbox.unblock(ann.user_id)
    await ann.send("/start")
    await ann.expect("check-ins are on again")
    athlete, _, _ = await _state(harness, ann.user_id)
    assert athlete.active
    assert athlete.next_due_at is not None
    harness.clock.set(datetime(2026, 3, 3, 7, 30, tzinfo=UTC))
    await harness.tick()
    await ann.expect("Good morning")


async def test_double_press_is_idempotent(harness: Harness) -> None:
    ann, question = await _morning_started(harness)
    data = question.buttons[0][1].callback_data  # "No"
    assert data is not None
    first = await ann.press_data(question.message_id, data)
    second = await ann.press_data(question.message_id, data)
    await ann.expect("on getting up")
    await ann.expect_no_message(0.4)  # one next question, not two
    answer = await ann.callback_answer(second)
    assert answer["answered"]
    assert answer.get("text") == "Already recorded."
    assert (await ann.callback_answer(first))["answered"]
    _, _, dialogue = await _state(harness, ann.user_id)
    assert dialogue is not None
    assert dialogue.question_id == "next_morning_pain"
    assert dialogue.answers["night_pain"] is False


async def test_a_press_delivered_again_after_a_crash_asks_the_lost_question(
    harness: Harness,
) -> None:
    """A worker recorded the answer and died before the next question went out (webhook
    mode acknowledges only handled updates, so Telegram delivers the press again): the
    repeated press says "already recorded" and puts the missing question on screen."""
    import sqlalchemy as sa

    from bot.storage import Dialogue

    ann, question = await _morning_started(harness)
    data = question.buttons[0][1].callback_data  # "No"
    assert data is not None
    await ann.press_data(question.message_id, data)
    await ann.expect("on getting up")
    # The crash: the next question's message never made it to the dialogue row.
    async with harness.store.transaction() as session:
        await session.execute(sa.update(Dialogue).values(keyboard_message_id=None))
    # Telegram delivers the same press again (the sandbox's client would refuse a press on
    # the edited message, so the update goes straight to the application).
    app = harness.app
    assert app is not None
    ann_user = {"id": ann.user_id, "is_bot": False, "first_name": "Ann"}
    chat = {"id": ann.user_id, "type": "private", "first_name": "Ann"}
    raw = _callback_update(9100, ann_user, chat, question.message_id, data)
    await app.process_update(Update.de_json(raw, app.bot))
    asked = await ann.expect("on getting up")
    assert asked.buttons, "the question again, with its buttons"
    _, _, dialogue = await _state(harness, ann.user_id)
    assert dialogue is not None
    assert dialogue.keyboard_message_id == asked.message_id
    await ann.expect_no_message(0.4)


def _callback_update(
    update_id: int, user: dict[str, Any], chat: dict[str, Any], message_id: int, data: str
) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"forged-{update_id}",
            "from": user,
            "chat_instance": "x",
            "data": data,
            "message": {"message_id": message_id, "date": 0, "chat": chat, "text": "?"},
        },
    }


async def test_foreign_and_forged_presses_change_nothing(harness: Harness) -> None:
    ann, question = await _morning_started(harness)
    bob = await harness.onboard("Bob")
    ann_data = question.buttons[0][0].callback_data  # "Yes" (a red flag, were it accepted)
    assert ann_data is not None
    app = harness.app
    assert app is not None
    bob_user = {"id": bob.user_id, "is_bot": False, "first_name": "Bob"}
    group = {"id": -100123, "type": "supergroup", "title": "Team"}
    bob_chat = {"id": bob.user_id, "type": "private", "first_name": "Bob"}
    ann_user = {"id": ann.user_id, "is_bot": False, "first_name": "Ann"}
    forged = [
        # A group member presses the athlete's button (as if it were shown in a group).
        _callback_update(9001, bob_user, group, question.message_id, ann_data),
        # Bob replays Ann's callback data in his own chat.
        _callback_update(9002, bob_user, bob_chat, question.message_id, ann_data),
        # Ann's own chat, but tampered data: an option the question does not offer...
        _callback_update(
            9003,
            ann_user,
            {"id": ann.user_id, "type": "private"},
            question.message_id,
            ann_data.rsplit(":", 1)[0] + ":99",
        ),
        # ... a question index from the future, and data that is not ours at all.
        _callback_update(
            9004,
            ann_user,
            {"id": ann.user_id, "type": "private"},
            question.message_id,
            ann_data.replace(":0:", ":5:"),
        ),
        _callback_update(
            9005, ann_user, {"id": ann.user_id, "type": "private"}, question.message_id, "v9:zz:<b>"
        ),
    ]
    for raw in forged:
        await app.process_update(Update.de_json(raw, app.bot))
    athlete, rows, dialogue = await _state(harness, ann.user_id)
    assert athlete.phase == "protect"
    assert dialogue is not None
    assert dialogue.question_id == "night_pain"
    assert dialogue.answers.keys() == {"_ctx"}
    assert rows[0].status is CheckinStatus.SENT
    await ann.expect_no_message(0.3)
    # Bob's replay in his own chat tells him the check-in is closed; nothing else.
    await harness.drain(bob, 0.3)
    _, bob_rows, _ = await _state(harness, bob.user_id)
    assert bob_rows == []


async def test_huge_message_unknown_command_and_free_text_get_pointers(harness: Harness) -> None:
    stranger = await harness.athlete("Sam")
    await stranger.send("hello")
    await stranger.expect("Send /start")
    ann, _ = await _morning_started(harness)
    await ann.send("x" * 4000)
    await ann.expect("longer than any answer")
    await ann.send("/frobnicate")
    await ann.expect("I do not know that command")
    await ann.send("no")
    await ann.expect("on getting up")
    _, _, dialogue = await _state(harness, ann.user_id)
    assert dialogue is not None
    assert dialogue.answers["night_pain"] is False


async def test_free_text_outside_a_dialogue_gets_a_pointer(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("what should I do today?")
    pointer = await ann.expect("I only read answers")
    assert "/checkin" in pointer.text
    assert "/today" in pointer.text


async def test_crash_mid_dialogue_gets_a_friendly_answer_and_loses_nothing(
    harness: Harness,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ann, _ = await _morning_started(harness)
    for answer, prompt in [
        ("no", "on getting up"),
        ("2", "Sitting"),
        ("1", "How well"),
        ("4", "hours"),  # a poor night asks the hours
        ("7", "worried"),
    ]:
        await ann.send(answer)
        await ann.expect(prompt)
    real = checkin_handlers.decide
    calls = 0

    def flaky(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("engine blew up")
        return real(*args, **kwargs)

    monkeypatch.setattr(checkin_handlers, "decide", flaky)
    await ann.send("4")
    sorry = await ann.expect("something went wrong on my side")
    assert "saved" in sorry.text
    _, rows, dialogue = await _state(harness, ann.user_id)
    assert dialogue is not None
    assert dialogue.question_id == "fear"
    assert dialogue.answers["sleep_quality"] == 4
    assert rows[0].status is CheckinStatus.SENT
    await ann.send("4")
    await ann.expect("same step")
    _, rows, _ = await _state(harness, ann.user_id)
    assert rows[0].status is CheckinStatus.ANSWERED
    assert rows[0].answers is not None
    assert rows[0].answers["fear"] == 4


async def test_flood_control_and_server_errors_are_retried(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.sandbox.set_faults(force_429={"count": 1, "retry_after": 1})
    harness.clock.set(MORNING)
    report = await harness.tick()
    assert report.sent == 1
    await ann.expect("Good morning")
    await ann.expect("wake you")
    # One in four requests fails with a 500/502: each is retried with backoff.
    await harness.sandbox.set_faults(error_rate=0.25, methods=["sendMessage"], seed=7)
    for answer in ["no", "1", "0", "8"]:
        await ann.send(answer)
        await ann.next_message(timeout=10)
    await ann.send("2")
    await ann.expect("same step", timeout=10)
    stats = await harness.sandbox.stats()
    await harness.sandbox.set_faults(error_rate=0.0, methods=[])
    assert stats
    _, rows, _ = await _state(harness, ann.user_id)
    assert rows[0].status is CheckinStatus.ANSWERED


async def test_rapid_answers_of_one_athlete_apply_in_order(harness: Harness) -> None:
    ann, _ = await _morning_started(harness)
    for answer in ["no", "4", "0", "5", "6.5", "1"]:
        await ann.send(answer)  # no waiting between messages
    messages = await harness.drain(ann, 1.0)
    assert any("same step" in m.text or "ease off" in m.text for m in messages)
    _, rows, _ = await _state(harness, ann.user_id)
    assert rows[0].answers == {
        "night_pain": False,
        "next_morning_pain": 4,
        "pain_rest": 0,
        "sleep_hours": 6.5,
        "sleep_quality": 5,
        "fear": 1,
    }


async def test_two_athletes_at_once(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    bob = await harness.onboard("Bob")
    harness.clock.set(MORNING)
    assert (await harness.tick()).sent == 2
    for chat in (ann, bob):
        await chat.expect("Good morning")
        await chat.expect("wake you")

    async def run(chat: Any, answers: list[str]) -> None:
        for answer in answers:
            await chat.send(answer)
            await chat.next_message()

    await asyncio.gather(run(ann, ["no", "1", "0", "8"]), run(bob, ["no", "2", "1", "6"]))
    await ann.send("1")
    await bob.send("2")
    await ann.expect("same step")
    await bob.expect("same step")


async def test_media_and_edited_messages(harness: Harness) -> None:
    ann, question = await _morning_started(harness)
    app = harness.app
    assert app is not None
    chat = {"id": ann.user_id, "type": "private", "first_name": "Ann"}
    user = {"id": ann.user_id, "is_bot": False, "first_name": "Ann"}
    sticker = {
        "update_id": 9100,
        "message": {
            "message_id": 9100,
            "date": 0,
            "chat": chat,
            "from": user,
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
        },
    }
    edited = {
        "update_id": 9101,
        "edited_message": {
            "message_id": 9101,
            "date": 0,
            "edit_date": 1,
            "chat": chat,
            "from": user,
            "text": "yes",
        },
    }
    await app.process_update(Update.de_json(sticker, app.bot))
    await ann.expect("I can only read text and buttons")
    await app.process_update(Update.de_json(edited, app.bot))  # not an answer: ignored
    await ann.expect_no_message(0.3)
    _, _, dialogue = await _state(harness, ann.user_id)
    assert dialogue is not None
    assert dialogue.question_id == "night_pain"
    assert dialogue.answers.keys() == {"_ctx"}
    assert question.buttons
