"""The athlete's rights through the real stack: /export, /delete, /privacy (and withdrawing
consent), /stop's wording, and clinicians linked by a one-time link."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from conversation_fixtures import STABLE_MORNING
from erasure_checks import traces

from bot.storage import (
    CheckinStatus,
    ClearanceSource,
    ConsentKind,
    get_athlete_by_telegram_id,
    list_checkins,
    list_clearances,
    list_consent,
)
from bot.storage.erasure import erase_athlete
from sandbox.driver import ChatDriver

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
STATUS = datetime(2026, 3, 2, 21, 30, tzinfo=UTC)
TREND = "check-in adherence, the current phase and the pain trend"
IMPACT = "Starting impact: hops, running"


async def _clinician_invite(ann: ChatDriver) -> str:
    await ann.send("/clinician")
    await ann.expect("Your clinician")
    await ann.press("Create a link for my clinician")
    invite = await ann.expect("Send this link to your physio or doctor")
    match = re.search(r"https://t\.me/remodel_bot\?start=([A-Za-z0-9_-]+)", invite.text)
    assert match is not None
    return match.group(1)


async def _linked_clinician(harness: Harness, ann: ChatDriver, name: str = "Cleo") -> ChatDriver:
    token = await _clinician_invite(ann)
    user = await harness.sandbox.create_user(name)
    clinician = harness.sandbox.chat(user.id)
    await clinician.start(token)
    welcome = await clinician.expect("You are now linked as the clinician of")
    assert "Ann" in welcome.text
    await ann.expect(f"{name} opened your link")
    return clinician


# --- /export --------------------------------------------------------------------------------


async def test_export_sends_every_record_as_csv_and_json(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await harness.link_coach_group(ann, TREND, "Ann's team")
    await harness.answer_morning(ann, MORNING)
    await ann.send("/export")
    sent = await ann.expect("All your data")
    assert sent.document is not None
    assert sent.document["file_name"] == "remodel-export-2026-03-02.zip"
    payload = await harness.sandbox.file_bytes(sent.document["file_id"])
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        names = set(archive.namelist())
        files = {n: archive.read(n).decode("utf-8-sig") for n in names}
    assert {
        "athletes.csv",
        "checkins.csv",
        "checkin_answers.csv",
        "decisions.csv",
        "events.csv",
        "clearances.csv",
        "coach_links.csv",
        "consent_log.csv",
        "remodel-export.json",
    } <= names
    document = json.loads(files["remodel-export.json"])
    assert document["format"] == "remodel-export/1"
    # The JSON and the CSV files hold the same rows.
    for table, rows in document["tables"].items():
        parsed = list(csv.DictReader(io.StringIO(files[f"{table}.csv"])))
        assert len(parsed) == len(rows), table
    answers = list(csv.DictReader(io.StringIO(files["checkin_answers.csv"])))
    (checkin,) = [c for c in document["tables"]["checkins"] if c["answers"]]
    assert len(checkin["answers"]) >= len(STABLE_MORNING) - 1  # one was skipped
    assert {(a["question"], a["answer"]) for a in answers} == {
        (q, "" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
        for q, v in checkin["answers"].items()
    }
    decisions = list(csv.DictReader(io.StringIO(files["decisions.csv"])))
    assert len(decisions) == 1
    assert decisions[0]["action"]
    assert decisions[0]["explanation"]
    consent = [r["kind"] for r in csv.DictReader(io.StringIO(files["consent_log.csv"]))]
    assert consent == ["given", "share_granted"]
    # The coach invite token is a secret: never in the export.
    links = list(csv.DictReader(io.StringIO(files["coach_links.csv"])))
    assert "token" not in links[0]
    assert links[0]["share_level"] == "trend"


async def test_export_for_a_stranger_says_nothing_is_stored(harness: Harness) -> None:
    stranger = await harness.athlete("Sam")
    await stranger.send("/export")
    await stranger.expect("I have nothing stored about you")


# --- /delete --------------------------------------------------------------------------------


async def test_delete_cancelled_then_confirmed_leaves_no_trace(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    group, _ = await harness.link_coach_group(ann, TREND, "Ann's team")
    clinician = await _linked_clinician(harness, ann)
    await harness.answer_morning(ann, MORNING)
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
    assert athlete is not None
    assert athlete.id is not None

    await ann.send("/delete")
    confirm = await ann.expect("Erase all your data?")
    assert confirm.labels == ["Yes, erase everything", "Cancel"]
    await ann.press("Cancel")
    await harness.drain(ann)
    assert "Nothing was erased" in (await ann.message(confirm.message_id)).text  # type: ignore[union-attr]
    async with harness.store.transaction() as session:
        assert await get_athlete_by_telegram_id(session, ann.user_id) is not None

    await ann.send("/delete")
    await ann.expect("Erase all your data?")
    await ann.press("Yes, erase everything")
    await harness.drain(ann)
    transcript = await ann.transcript()
    assert "Everything is erased" in transcript[-1].text
    left = await group.expect("has left Remodel")
    assert "Ann" in left.text
    assert "warning" not in left.text
    await clinician.expect("Ann has erased their Remodel data")
    async with harness.store.transaction() as session:
        assert await traces(session, athlete_id=athlete.id, telegram_ids={ann.user_id}) == []

    # The ticker finds nobody; a second press finds nothing to erase; /start begins afresh.
    harness.clock.set(MORNING + timedelta(days=1))
    report = await harness.tick()
    assert (report.sent, report.errors) == (0, 0)
    await ann.send("/start")
    await ann.expect("Hi Ann, I am Remodel")
    await ann.expect("Is that OK with you?")


async def test_delete_button_expires(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/delete")
    await ann.expect("This button works for 10 minutes")
    harness.clock.advance(timedelta(minutes=11))
    await ann.press("Yes, erase everything")
    await harness.drain(ann)
    transcript = await ann.transcript()
    assert "That button has expired" in transcript[-1].text
    async with harness.store.transaction() as session:
        assert await get_athlete_by_telegram_id(session, ann.user_id) is not None


async def test_delete_button_of_an_erased_then_returning_athlete_is_refused(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/delete")
    old = await ann.expect("Erase all your data?")
    await ann.send("/delete")
    current = await ann.expect("Erase all your data?")
    await ann.press_data(current.message_id, current.buttons[0][0].callback_data or "")
    await harness.drain(ann)
    assert "Everything is erased" in (await ann.message(current.message_id)).text  # type: ignore[union-attr]
    # Ann starts again (a new athlete row); the first, stale confirmation names the old one.
    harness.clock.advance(timedelta(minutes=2))
    await ann.send("/start")
    await ann.expect("Hi Ann, I am Remodel")
    await ann.expect("Is that OK with you?")
    query = await ann.press_data(old.message_id, old.buttons[0][0].callback_data or "")
    await harness.drain(ann)
    answer = await ann.callback_answer(query)
    assert answer["show_alert"]
    assert "someone else" in answer["text"]
    async with harness.store.transaction() as session:
        assert await get_athlete_by_telegram_id(session, ann.user_id) is not None


# --- /privacy, withdrawing consent, /stop -------------------------------------------------


async def test_privacy_shows_consent_and_shares_and_withdrawal_stops_processing(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    group, _ = await harness.link_coach_group(ann, TREND, "Ann's team")
    await ann.send("/privacy")
    privacy = await ann.expect("Your data and who sees it")
    assert "You agreed on 02 Mar 2026" in privacy.text
    assert f"Ann's team sees {TREND} (since 02 Mar 2026)" in privacy.text
    assert "Clinicians: none" in privacy.text
    await ann.press("Withdraw my agreement")
    await ann.expect("Withdraw your agreement?")
    await ann.press("Cancel")
    await harness.drain(ann)
    await ann.press("Withdraw my agreement")
    await ann.expect("Withdraw your agreement?")
    await ann.press("Yes, withdraw")
    await harness.drain(ann)
    transcript = await ann.transcript()
    assert "I have stopped processing your data" in transcript[-1].text
    assert "/start" in transcript[-1].text
    assert "/delete" in transcript[-1].text

    # No check-ins, no coach posts, no commands that process health data.
    harness.clock.set(MORNING)
    assert (await harness.tick()).sent == 0
    harness.clock.set(STATUS)
    assert (await harness.tick()).coach_posts == 0
    await group.expect_no_message(0.3)
    for command in ("/today", "/checkin", "/progress", "/coach"):
        await ann.send(command)
        await ann.expect("You withdrew your agreement")
    await ann.send("/privacy")
    shown = await ann.expect("You withdrew your agreement on 02 Mar 2026")
    assert shown.labels == ["I agree again"]
    await ann.send("/export")
    await ann.expect("All your data")

    # /start asks again; agreeing switches coaching back on.
    await ann.send("/start")
    await ann.expect("You withdrew your agreement on 02 Mar 2026")
    await ann.press("I agree again")
    await harness.drain(ann)
    transcript = await ann.transcript()
    assert "coaching is on again" in transcript[-1].text
    harness.clock.set(MORNING + timedelta(days=1))
    assert (await harness.tick()).sent == 1
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        assert athlete.id is not None
        kinds = [r.kind for r in await list_consent(session, athlete.id)]
    assert kinds == [
        ConsentKind.GIVEN,
        ConsentKind.SHARE_GRANTED,
        ConsentKind.WITHDRAWN,
        ConsentKind.GIVEN,
    ]


async def test_stop_says_what_is_kept_and_how_to_delete(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/stop")
    confirm = await ann.expect("Stop coaching?")
    assert "What is kept" in confirm.text
    assert "/delete" in confirm.text
    assert "/export" in confirm.text


# --- clinicians -----------------------------------------------------------------------------


async def test_clinician_links_once_confirms_a_clearance_and_gets_alerts(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    cleo = await _linked_clinician(harness, ann)

    # The link worked once: someone else opening it is refused, clearly.
    dan_user = await harness.sandbox.create_user("Dan")
    dan = harness.sandbox.chat(dan_user.id)
    token = await _clinician_invite(ann)
    await dan.start(token)
    await dan.expect("You are now linked")
    await ann.expect("Dan opened your link")
    eve_user = await harness.sandbox.create_user("Eve")
    eve = harness.sandbox.chat(eve_user.id)
    await eve.start(token)
    await eve.expect("This link has already been used")
    # An expired one too, and a made-up one.
    token = await _clinician_invite(ann)
    harness.clock.advance(timedelta(days=8))
    await eve.start(token)
    await eve.expect("This link has expired")
    await eve.start("A" * 32)  # shaped like a token, but made up
    await eve.expect("This link is not valid")
    await eve.send("/athletes")
    await eve.expect("You are not linked to any athlete")

    # Cleo confirms a clearance, after a confirmation step; the athlete is told.
    await cleo.send("/athletes")
    listed = await cleo.expect("Ann")
    assert listed.labels == ["Record a clearance for Ann", "PDF report for Ann"]

    # The report on request: a PDF naming the athlete.
    await cleo.press("PDF report for Ann")
    report = await cleo.expect("The record of Ann")
    assert report.document is not None
    pdf = await harness.sandbox.file_bytes(report.document["file_id"])
    assert pdf.startswith(b"%PDF-")
    await cleo.press("Record a clearance for Ann")
    kinds = await cleo.expect("Which clearance do you give Ann?")
    assert IMPACT in kinds.labels
    await cleo.press(IMPACT)
    confirm = await cleo.expect("Confirm: you clear Ann for Starting impact")
    await cleo.press("Confirm")
    await harness.drain(cleo)
    assert "Recorded for Ann" in (await cleo.message(confirm.message_id)).text  # type: ignore[union-attr]
    told = await ann.expect("Cleo confirmed your clearance")
    assert IMPACT in told.text

    # The athlete reports one herself; /clinician tells the two apart.
    await ann.send("/clearance")
    await ann.expect("Recording a clearance")
    await ann.expect("What did your clinician clear you for?")
    await ann.press("Walking without aids (full weight)")
    await ann.expect("How many days ago")
    await ann.send("0")
    await ann.expect("Recorded")
    await ann.send("/clinician")
    state = await ann.expect("Your clinician")
    assert "Cleo (since 02 Mar 2026)" in state.text
    assert f"{IMPACT}, 10 Mar 2026: confirmed by Cleo" in state.text
    assert "Walking without aids (full weight), 10 Mar 2026: reported by you" in state.text
    assert "Unlink Cleo" in state.labels
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        assert athlete.id is not None
        clearances = list(await list_clearances(session, athlete.id))
    assert [(c.allows, c.source, c.confirmed_by) for c in clearances] == [
        ("impact", ClearanceSource.CLINICIAN, "Cleo"),
        ("full_wb", ClearanceSource.ATHLETE, None),
    ]

    # A warning sign in a check-in reaches the clinicians, with what was reported.
    harness.clock.set(MORNING + timedelta(days=9))
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.press("Yes")
    await ann.expect("Please contact your clinician")
    alert = await cleo.expect("Warning sign from Ann")
    assert "night" in alert.text.lower()
    await dan.expect("Warning sign from Ann")

    # Ann is on hold; Cleo clears her to resume, choosing the restart phase, and the
    # clearance acts at once (the same path as the athlete's own /clearance).
    await cleo.press("Record a clearance for Ann")
    await cleo.expect("Which clearance do you give Ann?")
    await cleo.press("Resuming after a hold")
    restart = await cleo.expect("Ann is on hold, held from Protect")
    assert restart.labels == ["Protect (suggested)"]
    await cleo.press("Protect (suggested)")
    await cleo.expect("Confirm: you clear Ann for Resuming after a hold (restart in Protect)")
    await cleo.press("Confirm")
    resumed = await ann.expect("Cleo confirmed your clearance")
    assert "Your hold is over" in resumed.text
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
    assert athlete is not None
    assert athlete.phase == "protect"


async def test_a_clinician_cannot_act_for_an_athlete_they_are_not_linked_to(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    cleo = await _linked_clinician(harness, ann)
    await cleo.send("/athletes")
    await cleo.expect("Ann")
    # Ann unlinks Cleo: Cleo is told, and her buttons for Ann no longer act.
    await ann.send("/clinician")
    await ann.expect("Your clinician")
    await ann.press("Unlink Cleo")
    await ann.expect("Cleo is unlinked")
    await cleo.expect("Ann has unlinked you")
    query = await cleo.press("Record a clearance for Ann")
    await cleo.expect_no_message(0.3)
    answer = await cleo.callback_answer(query)
    assert answer["show_alert"]
    assert "not linked to this athlete" in answer["text"]
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
        assert athlete is not None
        assert athlete.id is not None
        assert list(await list_clearances(session, athlete.id)) == []
    # Nor do her alerts: a warning sign reaches nobody.
    await _answer_morning_red_flag(harness, ann)
    await cleo.expect_no_message(0.3)


async def test_a_start_payload_that_is_not_an_invite_starts_as_usual(harness: Harness) -> None:
    sam = await harness.athlete("Sam")
    await sam.start("from-the-website")
    await sam.expect("Hi Sam, I am Remodel")
    await sam.expect("Is that OK with you?")


async def test_an_athlete_cannot_be_their_own_clinician(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    token = await _clinician_invite(ann)
    await ann.start(token)
    await ann.expect("This is your own clinician link")


async def _answer_morning_red_flag(harness: Harness, ann: ChatDriver) -> None:
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.press("Yes")
    await ann.expect("Please contact your clinician")


async def test_a_tick_waiting_on_the_athletes_lock_never_touches_them_once_erased(
    harness: Harness,
) -> None:
    """The ticker claimed Ann's check-in, then waits for her lock, which /delete holds (here:
    the test, erasing in her place). Once it has the lock, Ann is gone: nothing is sent,
    nothing recorded, no error."""
    ann = await harness.onboard("Ann")
    async with harness.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, ann.user_id)
    assert athlete is not None
    assert athlete.id is not None
    harness.clock.set(MORNING)
    locks = harness.services.locks
    async with locks.for_user(ann.user_id):
        tick = asyncio.create_task(harness.tick())
        # Wait until the check-in is claimed (the ticker goes for the lock next).
        for _ in range(200):
            async with harness.store.transaction() as session:
                rows = await list_checkins(session, athlete.id)
            if rows and rows[0].status is CheckinStatus.SENDING:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the ticker never claimed the check-in")
        async with harness.store.transaction() as session:
            await erase_athlete(session, athlete.id)
    report = await tick
    assert (report.sent, report.failed, report.errors) == (0, 0, 0)
    await ann.expect_no_message(0.3)
    async with harness.store.transaction() as session:
        assert await traces(session, athlete_id=athlete.id, telegram_ids={ann.user_id}) == []


async def test_a_clinician_gets_nothing_while_the_athlete_has_withdrawn_consent(
    harness: Harness,
) -> None:
    ann = await harness.onboard("Ann")
    cleo = await _linked_clinician(harness, ann)
    await ann.send("/privacy")
    await ann.expect("Clinicians")
    await ann.press("Withdraw my agreement")
    await ann.expect("Withdraw your agreement?")
    await ann.press("Yes, withdraw")
    await harness.drain(ann)
    await cleo.send("/athletes")
    await cleo.expect("Ann")
    query = await cleo.press("PDF report for Ann")
    await cleo.expect_no_message(0.3)
    answer = await cleo.callback_answer(query)
    assert answer["show_alert"]
    assert "paused sharing" in answer["text"]
