"""Timelines through the real stack: milestones after onboarding, in /progress and after a
step back; clearances that act the same day; a caution day; a red-flag hold that says how
to get out and is not repeated; a resume clearance restarting at the chosen phase."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.dialogue import engine
from bot.storage import (
    CheckinStatus,
    Slot,
    create_checkin_if_absent,
    get_athlete_by_telegram_id,
    list_checkins,
    list_clearances,
    list_events,
    mark_answered,
    save_athlete,
)
from flows.milestones import milestones
from flows.phases import Phase
from flows.state import HoldReason, RehabState
from sandbox.driver import BotMessage, ChatDriver

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

# London, Monday 2 March 2026 (GMT): onboarding at 06:00, evening check-ins after 14:00.
TODAY = date(2026, 3, 2)
MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
EVENING = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)

#: Typed answers by a piece of each check-in question's text (a quiet, clean day).
CLEAN = {
    "wake you": "no",
    "on getting up": "0",
    "lying still": "0",
    "hours did you sleep": "8 hours",
    "How well did you sleep": "7",
    "How worried": "2",
    "today's session": "done",
    "During the session": "0",
    "build up": "no",
    "sharp": "no",
    "a while after": "0",
    "Walking around today": "0",
    "Any of these today": "none",
    "walk briskly": "yes",
    "heel raises": "30",
    "hop on the injured leg": "yes",
    "Anything else": "skip",
}


def _date_text(value: date) -> str:
    return f"{value:%a} {value.day} {value:%B}"


async def _answer(chat: ChatDriver, first: BotMessage, **changes: str) -> list[BotMessage]:
    """Answer the check-in whose first question is `first` by typing, from CLEAN with
    `changes` (keyed like CLEAN); the bot's messages after the last answer."""
    answers = {**CLEAN, **changes}
    message = first
    while True:
        key = next((k for k in answers if k in message.text), None)
        if key is None or not (message.buttons or "Type your answer" in message.text):
            break
        await chat.send(answers[key])
        message = await chat.next_message()
    rest = [message]
    while True:
        try:
            rest.append(await chat.next_message(timeout=0.5))
        except AssertionError:
            return rest


async def _row(harness: Harness, chat: ChatDriver):  # type: ignore[no-untyped-def]
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, chat.user_id)
        assert athlete is not None
        assert athlete.id is not None
        return athlete


async def _place(harness: Harness, chat: ChatDriver, state: RehabState, **columns: Any) -> None:
    """Put the athlete at `state` (and set athlete columns), as weeks of use would have."""
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, chat.user_id)
        assert athlete is not None
        athlete.rehab_state = state.to_dict()
        athlete.phase = state.phase.value
        for name, value in columns.items():
            setattr(athlete, name, value)
        await save_athlete(session, athlete, harness.clock.now())


async def _seed(harness: Harness, chat: ChatDriver, days: int, answers: dict[str, Any]) -> None:
    """`days` answered morning check-ins before today with `answers`."""
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, chat.user_id)
        assert athlete is not None
        assert athlete.id is not None
        for back in range(days, 0, -1):
            day = TODAY - timedelta(days=back)
            due = datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC)
            row, _ = await create_checkin_if_absent(
                session,
                athlete_id=athlete.id,
                local_date=day,
                slot=Slot.MORNING,
                due_at=due,
                status=CheckinStatus.SENT,
            )
            assert row.id is not None
            await mark_answered(session, row.id, now=due, answers=answers)


def _state(phase: Phase, stage: int, entered_days_ago: int) -> RehabState:
    start = TODAY - timedelta(days=entered_days_ago)
    return RehabState(phase=phase, stage=stage, phase_entered=start, stage_entered=start)


QUIET = {"night_pain": False, "pain_rest": 0, "pain_walking": 0, "next_morning_pain": 0}


async def test_onboarding_answers_when_can_i_run_again(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    transcript = await ann.transcript()
    done = next(m for m in transcript if isinstance(m, BotMessage) and "All set" in m.text)
    assert "When can I run again?" in done.text
    # Inner-edge tibia, MRI grade 2: 21-49 and 47-126 days (content/protocol.yaml).
    assert "run again 3 to 7 weeks after diagnosis" in done.text
    assert "Full training usually returns 7 to 18 weeks after diagnosis" in done.text
    athlete = await _row(harness, ann)
    profile = engine.profile_of(athlete)
    expected = milestones(
        harness.services.library,
        profile,
        RehabState.from_dict(athlete.rehab_state or {}),
        [],
        TODAY,
    )
    assert expected.run_restart.projected is not None
    assert expected.full_return.projected is not None
    assert f"could be around {_date_text(expected.run_restart.projected)}" in done.text
    assert _date_text(expected.full_return.projected) in done.text
    assert "not promises" in done.text


async def test_progress_shows_both_milestones(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/progress")
    progress = await ann.expect("Your progress")
    # The chart's caption carries both milestones: window and projected date.
    athlete = await _row(harness, ann)
    expected = milestones(
        harness.services.library,
        engine.profile_of(athlete),
        RehabState.from_dict(athlete.rehab_state or {}),
        [],
        TODAY,
    )
    assert expected.run_restart.projected is not None
    assert expected.full_return.projected is not None
    run_line = f"Running again: around {_date_text(expected.run_restart.projected)}"
    assert run_line in progress.text
    assert "most athletes: 3 to 7 weeks" in progress.text
    assert f"Full training: around {_date_text(expected.full_return.projected)}" in progress.text
    assert "not promises" in progress.text
    assert len(progress.text) <= 1024


async def test_step_back_moves_the_dates_later_and_says_why(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.drain(ann)
    await _seed(harness, ann, 10, QUIET)
    await _place(harness, ann, _state(Phase.WALK_RUN, 3, 10))
    harness.clock.set(EVENING)
    await ann.send("/checkin")
    await ann.expect("How did today go?")
    first = await ann.next_message()
    replies = await _answer(
        ann, first, **{"During the session": "4", "build up": "yes", "a while after": "2"}
    )
    decision = next(m for m in replies if "ease off one step" in m.text)
    assert "Because of today's step back, your dates moved:" in decision.text
    assert "(was " in decision.text
    athlete = await _row(harness, ann)
    assert athlete.rehab_state is not None
    assert athlete.rehab_state["stage"] == 2


async def test_full_weight_bearing_clearance_releases_protect_the_same_day(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann", days_ago="20")
    await harness.drain(ann)
    await _seed(harness, ann, 8, QUIET)
    await _place(harness, ann, _state(Phase.PROTECT, 1, 20), weight_bearing="partial")
    await ann.send("/clearance")
    await ann.expect("Recording a clearance")
    await ann.expect("What did your clinician clear you for?")
    await ann.press("Walking without aids (full weight)")
    await ann.expect("How many days ago")
    await ann.send("0")
    done = await ann.expect("Recorded")
    assert "you move to Walking and strength today" in done.text
    athlete = await _row(harness, ann)
    assert athlete.weight_bearing == "full"
    assert athlete.phase == Phase.WALK_STRENGTH.value
    await ann.send("/today")
    today = await ann.expect("Today: Walking and strength")
    assert "limit weight" not in today.text


async def test_caution_day_eases_the_session_without_a_hold(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.drain(ann)
    # A usual morning ache of 1 (the baseline), so that today's 1 on getting up is no
    # worse than usual; rest pain is asked when getting up hurts at all.
    await _seed(harness, ann, 6, {**QUIET, "next_morning_pain": 1})
    await _place(harness, ann, _state(Phase.WALK_STRENGTH, 3, 6))
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    first = await ann.next_message()
    replies = await _answer(ann, first, **{"on getting up": "1", "lying still": "1"})
    decision = next(m for m in replies if "at rest" in m.text and "still there tomorrow" in m.text)
    assert "clinician in the next day" not in decision.text
    plan = next(m for m in replies if "Today: Walking and strength" in m.text)
    assert "Eased today" in plan.text
    athlete = await _row(harness, ann)
    assert athlete.phase == Phase.WALK_STRENGTH.value
    async with harness.store.transaction() as session:
        assert athlete.id is not None
        kinds = [e.kind for e in await list_events(session, athlete.id)]
    assert "caution" in kinds
    assert "red_flag" not in kinds


async def test_red_flag_hold_says_how_to_get_out_once(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.drain(ann)
    await _place(harness, ann, _state(Phase.WALK_RUN, 2, 10))
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    first = await ann.next_message()
    replies = await _answer(ann, first, **{"wake you": "yes"})
    escalation = next(m for m in replies if "contact your clinician" in m.text)
    assert "Ask them:" in escalation.text
    assert "/clearance" in escalation.text
    assert "Resuming after a hold" in escalation.text
    # The evening check-in on hold: a short summary, not the same message again.
    harness.clock.set(EVENING)
    await ann.send("/checkin")
    await ann.expect("How did today go?")
    first = await ann.next_message()
    replies = await _answer(ann, first)
    joined = "\n".join(m.text for m in replies)
    assert "Your plan is on hold for now" in joined
    assert "Still on hold" not in joined  # the summary is for the next days, once a day
    assert "Ask them:" not in joined
    assert "contact your clinician" not in joined
    # Next morning: the short summary, with the way out, once.
    harness.clock.set(MORNING + timedelta(days=1))
    await harness.tick()
    await ann.expect("Good morning")
    first = await ann.next_message()
    replies = await _answer(ann, first)
    joined = "\n".join(m.text for m in replies)
    assert "Still on hold (day 2)" in joined
    assert "/clearance" in joined
    assert "Ask them:" not in joined
    # Protect's gentle work is still there, and /pause works on hold.
    await ann.send("/today")
    today = await ann.expect("Today: On hold")
    assert "Rest day" not in today.text
    await ann.send("/pause")
    await ann.expect("Your hold stays as it is")
    athlete = await _row(harness, ann)
    assert athlete.paused
    assert athlete.phase == Phase.HOLD.value


async def test_resume_clearance_restarts_at_the_chosen_phase(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.drain(ann)
    hold = _state(Phase.HOLD, 2, 20)
    hold = RehabState.from_dict(
        {
            **hold.to_dict(),
            "hold_reason": HoldReason.RED_FLAG.value,
            "held_from": Phase.WALK_RUN.value,
            "held_since": (TODAY - timedelta(days=3)).isoformat(),
            "hold_flags": ["night_pain"],
        }
    )
    await _place(harness, ann, hold)
    await ann.send("/clearance")
    await ann.expect("Recording a clearance")
    await ann.expect("What did your clinician clear you for?")
    await ann.press("Resuming after a hold")
    restart = await ann.expect("Which phase did your clinician clear you to restart from?")
    assert restart.labels == [
        "Impact preparation (suggested)",
        "Protect",
        "Walking and strength",
        "Walk-run",
    ]
    await ann.press("Walking and strength")
    await ann.expect("How many days ago")
    await ann.send("0")
    done = await ann.expect("Recorded")
    assert "You restart in Walking and strength from today" in done.text
    athlete = await _row(harness, ann)
    assert athlete.phase == Phase.WALK_STRENGTH.value
    assert athlete.rehab_state is not None
    assert athlete.rehab_state["stage"] == 1
    async with harness.store.transaction() as session:
        assert athlete.id is not None
        (clearance,) = await list_clearances(session, athlete.id)
        kinds = [e.kind for e in await list_events(session, athlete.id)]
    assert clearance.allows == "resume:walk_strength"
    assert {"clearance", "released", "phase_changed"} <= set(kinds)


async def test_readiness_questions_can_be_answered_again(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.drain(ann)
    await ann.send("/readiness")
    first = await ann.next_message()
    while "confident" not in first.text:
        first = await ann.next_message()
    for _ in range(6):
        assert "confident" in first.text
        await ann.send("80")
        first = await ann.next_message()
    # The seventh question (energy and periods), then the result.
    assert "period" in first.text
    await ann.send("no")
    assert await harness.drain(ann)
    athlete = await _row(harness, ann)
    async with harness.store.transaction() as session:
        assert athlete.id is not None
        rows = [
            r
            for r in await list_checkins(session, athlete.id)
            if r.slot == Slot.WEEKLY and r.local_date == TODAY
        ]
    (row,) = rows
    assert row.status is CheckinStatus.ANSWERED
    assert row.answers is not None
    assert row.answers["readiness"] == 48  # six ratings of 80, summed and divided by 10
    await ann.send("/readiness")
    await ann.expect("answered the confidence questions today already")


async def test_resume_clearance_when_not_on_hold_changes_nothing(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.drain(ann)
    await ann.send("/clearance")
    await ann.expect("Recording a clearance")
    await ann.expect("What did your clinician clear you for?")
    await ann.send("resuming after a hold")
    await ann.expect("How many days ago")  # no restart question: not on hold
    await ann.send("0")
    done = await ann.expect("Recorded")
    assert "You are not on hold, so there is nothing to resume" in done.text
    athlete = await _row(harness, ann)
    assert athlete.phase == Phase.PROTECT.value


async def test_restart_question_refuses_garbage_and_a_phase_above_the_hold(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    await harness.drain(ann)
    hold = RehabState.from_dict(
        {
            **_state(Phase.HOLD, 1, 20).to_dict(),
            "hold_reason": HoldReason.REVIEW.value,
            "held_from": Phase.IMPACT_PREP.value,
            "held_since": TODAY.isoformat(),
        }
    )
    await _place(harness, ann, hold)
    await ann.send("/clearance")
    await ann.expect("Recording a clearance")
    await ann.expect("What did your clinician clear you for?")
    await ann.press("Resuming after a hold")
    restart = await ann.expect("Which phase")
    assert "Walk-run" not in restart.labels  # never above the held phase
    await ann.send("the moon")
    await ann.expect("I could not read that")
    await ann.send("walk-run")
    await ann.expect("I could not read that")
    await ann.press("Walking and strength (suggested)")
    await ann.expect("How many days ago")
    await ann.send("0")
    done = await ann.expect("Recorded")
    assert "You restart in Walking and strength" in done.text
