"""Storage on real databases: SQLite (temp file) and PostgreSQL (fresh schema per test)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import StatementError

from bot.clock import ManualClock
from bot.storage import (
    Athlete,
    CheckinStatus,
    DialogueKind,
    EventKind,
    KeyboardMark,
    ShareLevel,
    Slot,
    Store,
    advance_dialogue,
    append_event,
    clear_dialogue,
    create_checkin_if_absent,
    create_coach_link,
    current_revision,
    education_since,
    get_answering,
    get_athlete,
    get_checkin,
    get_dialogue,
    get_or_create_athlete,
    head_revision,
    links_for_group,
    list_clearances,
    list_events,
    log_education,
    mark_answered,
    mark_reminded,
    mark_sent,
    metadata,
    migrate_group_chat,
    miss_open_checkins,
    new_nonce,
    nonce_kind,
    open_checkins,
    record_clearance,
    redeem_coach_link,
    revoke_coach_link,
    save_athlete,
    save_dialogue,
    set_active,
    set_keyboard_messages,
    start_dialogue,
    upgrade,
)

if TYPE_CHECKING:  # conftest is not importable as a module; the fixture provides it
    from tests.bot.conftest import EngineFactory


async def _athlete(store: Store, clock: ManualClock, telegram_user_id: int = 1001) -> Athlete:
    async with store.transaction() as session:
        athlete, _ = await get_or_create_athlete(
            session, telegram_user_id=telegram_user_id, chat_id=telegram_user_id, now=clock.now()
        )
    return athlete


# --- migrations -------------------------------------------------------------------------------


async def test_migrations_yield_exactly_the_models_schema(engine_factory: EngineFactory) -> None:
    engine = engine_factory()
    assert await current_revision(engine) is None
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()

    def _diff(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with engine.connect() as connection:
        diffs = await connection.run_sync(_diff)
    assert diffs == []


async def test_upgrade_is_idempotent(engine_factory: EngineFactory) -> None:
    engine = engine_factory()
    await upgrade(engine)
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()


async def test_upgrade_accepts_a_url(sqlite_engine_factory: EngineFactory) -> None:
    # SQLite only: a bare URL cannot pin PostgreSQL to the per-test schema.
    await upgrade(sqlite_engine_factory.url)
    assert await current_revision(sqlite_engine_factory()) == head_revision()


async def test_sqlite_pragmas(sqlite_engine_factory: EngineFactory) -> None:
    engine = sqlite_engine_factory()
    async with engine.connect() as connection:
        journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
        fks = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    # SQLite's own busy wait is off: the connection waits on the event loop instead
    # (tests/bot/test_inline_sqlite.py).
    assert (journal, fks, timeout) == ("wal", 1, 0)


# --- instants ---------------------------------------------------------------------------------


async def test_aware_instants_round_trip_as_utc(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    plus_two = timezone(timedelta(hours=2))
    instant = datetime(2025, 6, 1, 9, 30, 15, 123456, tzinfo=plus_two)
    async with store.transaction() as session:
        row = await get_athlete(session, athlete.id or 0)
        assert row is not None
        row.consent_at = instant
        await save_athlete(session, row, clock.now())
    fresh = Store(store.engine)
    async with fresh.transaction() as session:
        loaded = await get_athlete(session, athlete.id or 0)
    assert loaded is not None
    assert loaded.consent_at == instant
    assert loaded.consent_at is not None
    assert loaded.consent_at.tzinfo == UTC
    assert loaded.consent_at.hour == 7
    assert loaded.created_at.tzinfo == UTC


async def test_instant_comparison_in_sql_is_chronological(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    early = datetime(2025, 6, 1, 23, 0, tzinfo=timezone(timedelta(hours=-5)))  # 04:00Z next day
    late = datetime(2025, 6, 2, 5, 0, tzinfo=UTC)
    async with store.transaction() as session:
        for slot, due in ((Slot.MORNING, late), (Slot.EVENING, early)):
            await create_checkin_if_absent(
                session,
                athlete_id=athlete.id or 0,
                local_date=date(2025, 6, 2),
                slot=slot,
                due_at=due,
            )
        rows = await open_checkins(session, athlete.id or 0)
    assert [r.slot for r in rows] == [Slot.EVENING, Slot.MORNING]


async def test_naive_datetime_is_refused(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    with pytest.raises((ValueError, StatementError)):
        async with store.transaction() as session:
            await create_checkin_if_absent(
                session,
                athlete_id=athlete.id or 0,
                local_date=date(2025, 6, 2),
                slot=Slot.MORNING,
                due_at=datetime(2025, 6, 2, 7, 0),  # noqa: DTZ001 - the point of the test
            )


# --- athletes ---------------------------------------------------------------------------------


async def test_get_or_create_athlete_is_idempotent(store: Store, clock: ManualClock) -> None:
    async with store.transaction() as session:
        first, created = await get_or_create_athlete(
            session,
            telegram_user_id=5_000_000_000,
            chat_id=5_000_000_000,
            now=clock.now(),
            first_name="Ana",
            morning_time=time(6, 30),
        )
    assert created
    async with store.transaction() as session:
        again, created_again = await get_or_create_athlete(
            session, telegram_user_id=5_000_000_000, chat_id=1, now=clock.now()
        )
    assert not created_again
    assert again.id == first.id
    assert again.chat_id == 5_000_000_000  # an existing row is never overwritten
    assert (again.first_name, again.morning_time, again.active, again.onboarded) == (
        "Ana",
        time(6, 30),
        True,
        False,
    )


async def test_racing_first_messages_create_one_athlete(
    engine_factory: EngineFactory, store: Store, clock: ManualClock
) -> None:
    stores = [store, Store(engine_factory())]

    async def create(s: Store) -> tuple[int | None, bool]:
        async with s.transaction() as session:
            athlete, created = await get_or_create_athlete(
                session, telegram_user_id=77, chat_id=77, now=clock.now()
            )
            return athlete.id, created

    results = await asyncio.gather(*(create(s) for s in stores * 3))
    assert len({athlete_id for athlete_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1


async def test_profile_and_state_round_trip(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    async with store.transaction() as session:
        row = await get_athlete(session, athlete.id or 0)
        assert row is not None
        row.injury_site = "tibia_posteromedial"
        row.diagnosis_date = date(2025, 2, 20)
        row.weekly_volume_km = 42.5
        row.reds_answers = {"missed_periods": False, "weight_loss": True}
        row.rehab_state = {"phase": "walk_strength", "stage": 2, "history": [1, 2]}
        row.phase = "walk_strength"
        await save_athlete(session, row, clock.advance(minutes=5))
    async with Store(store.engine).transaction() as session:
        loaded = await get_athlete(session, athlete.id or 0)
    assert loaded is not None
    assert loaded.rehab_state == {"phase": "walk_strength", "stage": 2, "history": [1, 2]}
    assert loaded.reds_answers == {"missed_periods": False, "weight_loss": True}
    assert loaded.diagnosis_date == date(2025, 2, 20)
    assert loaded.updated_at == clock.now()


async def test_deactivating_clears_next_due(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    async with store.transaction() as session:
        row = await get_athlete(session, athlete.id or 0)
        assert row is not None
        row.onboarded = True
        row.next_morning_due_at = clock.now() + timedelta(hours=1)
        await save_athlete(session, row, clock.now())
        assert row.next_due_at == clock.now() + timedelta(hours=1)
        await set_active(session, row, False, clock.now())
        assert row.next_due_at is None


# --- check-ins --------------------------------------------------------------------------------


async def test_checkin_create_if_absent_is_once_only(
    engine_factory: EngineFactory, store: Store, clock: ManualClock
) -> None:
    athlete = await _athlete(store, clock)
    stores = [store, Store(engine_factory())]

    async def create(s: Store) -> tuple[int | None, bool]:
        async with s.transaction() as session:
            checkin, created = await create_checkin_if_absent(
                session,
                athlete_id=athlete.id or 0,
                local_date=date(2025, 3, 3),
                slot=Slot.MORNING,
                due_at=clock.now(),
            )
            return checkin.id, created

    results = await asyncio.gather(*(create(s) for s in stores * 4))
    assert len({checkin_id for checkin_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1


async def test_checkin_life_cycle(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    async with store.transaction() as session:
        checkin, _ = await create_checkin_if_absent(
            session,
            athlete_id=athlete.id or 0,
            local_date=date(2025, 3, 3),
            slot=Slot.MORNING,
            due_at=clock.now(),
        )
        assert checkin.status is CheckinStatus.SCHEDULED
        checkin_id = checkin.id or 0
        remind_at = clock.now() + timedelta(minutes=90)
        assert await mark_sent(
            session, checkin_id, now=clock.now(), remind_at=remind_at, message_id=9
        )
        assert not await mark_sent(session, checkin_id, now=clock.now(), remind_at=None)
        assert await mark_reminded(session, checkin_id, now=clock.advance(minutes=90))
        assert not await mark_reminded(session, checkin_id, now=clock.now())
        assert await mark_answered(
            session,
            checkin_id,
            now=clock.advance(minutes=1),
            answers={"pain": 2},
            decision={"action": "advance"},
        )
    async with Store(store.engine).transaction() as session:
        loaded = await get_checkin(session, checkin_id)
    assert loaded is not None
    assert loaded.status is CheckinStatus.ANSWERED
    assert loaded.slot is Slot.MORNING
    assert (loaded.answers, loaded.decision) == ({"pain": 2}, {"action": "advance"})
    assert loaded.message_id == 9
    assert loaded.remind_at is None
    assert loaded.answered_at == clock.now()


async def test_a_missed_checkin_cannot_be_answered(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    aid = athlete.id or 0
    async with store.transaction() as session:
        morning, _ = await create_checkin_if_absent(
            session,
            athlete_id=aid,
            local_date=date(2025, 3, 3),
            slot=Slot.MORNING,
            due_at=clock.now(),
        )
        await mark_sent(session, morning.id or 0, now=clock.now(), remind_at=None)
        missed = await miss_open_checkins(
            session,
            aid,
            due_before=clock.now() + timedelta(hours=12),
            now=clock.now(),
            reason="next_due",
        )
        assert [c.id for c in missed] == [morning.id]
        assert not await mark_answered(session, morning.id or 0, now=clock.now(), answers={})
        events = await list_events(session, aid, kinds=[EventKind.CHECKIN_MISSED])
    assert len(events) == 1
    assert events[0].payload["reason"] == "next_due"
    assert events[0].payload["slot"] == "morning"


# --- dialogues --------------------------------------------------------------------------------


async def test_dialogue_start_save_clear(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    aid = athlete.id or 0
    async with store.transaction() as session:
        assert await get_dialogue(session, aid) is None
        dialogue = await start_dialogue(
            session,
            athlete_id=aid,
            kind=DialogueKind.ONBOARDING,
            now=clock.now(),
            question_id="consent",
        )
        first_nonce = dialogue.nonce
        dialogue.answers = {"consent": True}
        dialogue.question_index = 1
        dialogue.keyboard_message_id = 4_000_000_000
        await save_dialogue(session, dialogue, clock.advance(seconds=30), rotate_nonce=True)
        assert dialogue.nonce != first_nonce
    async with Store(store.engine).transaction() as session:
        loaded = await get_dialogue(session, aid)
        assert loaded is not None
        assert loaded.kind is DialogueKind.ONBOARDING
        assert (loaded.answers, loaded.question_index) == ({"consent": True}, 1)
        assert loaded.keyboard_message_id == 4_000_000_000
        restarted = await start_dialogue(
            session, athlete_id=aid, kind=DialogueKind.MORNING, now=clock.now()
        )
        assert restarted.answers == {}
        assert restarted.nonce != loaded.nonce or restarted.kind is DialogueKind.MORNING
        assert await clear_dialogue(session, aid)
        assert not await clear_dialogue(session, aid)
        assert await get_dialogue(session, aid) is None


async def test_answer_hot_path_reads_and_writes(store: Store, clock: ManualClock) -> None:
    """``get_answering`` reads athlete, dialogue and check-in in one go; ``advance_dialogue``
    writes the position; ``set_keyboard_messages`` only hits the dialogue it names."""
    athlete = await _athlete(store, clock)
    aid = athlete.id or 0
    async with store.transaction() as session:
        assert await get_answering(session, 999) == (None, None, None)
        assert (await get_answering(session, 1001))[1:] == (None, None)
        row, _ = await create_checkin_if_absent(
            session,
            athlete_id=aid,
            local_date=date(2025, 3, 3),
            slot=Slot.EVENING,
            due_at=clock.now(),
        )
        dialogue = await start_dialogue(
            session,
            athlete_id=aid,
            kind=DialogueKind.EVENING,
            now=clock.now(),
            checkin_id=row.id,
            question_id="pain",
        )
        nonce = dialogue.nonce
    async with store.transaction() as session:
        loaded_athlete, loaded, loaded_row = await get_answering(session, 1001)
        assert loaded_athlete is not None
        assert loaded_athlete.id == aid
        assert loaded is not None
        assert loaded.nonce == nonce
        assert loaded_row is not None
        assert loaded_row.id == row.id
        loaded.answers = {"pain": 3}
        loaded.question_index = 1
        loaded.question_id = "sleep"
        await advance_dialogue(session, loaded, clock.advance(seconds=5))

    def mark(nonce: str, index: int, message_id: int) -> KeyboardMark:
        return KeyboardMark(aid, nonce, index, message_id, clock.now())

    async with store.transaction() as session:
        # Another dialogue's nonce, then a question already answered: neither is written.
        await set_keyboard_messages(session, [mark("other!", 1, 7), mark(nonce, 0, 6)])
    async with store.transaction() as session:
        unchanged = await get_dialogue(session, aid)
        assert unchanged is not None
        assert unchanged.keyboard_message_id is None
    async with store.transaction() as session:
        await set_keyboard_messages(session, [mark(nonce, 1, 8), mark("other!", 1, 9)])
    async with store.transaction() as session:
        saved = await get_dialogue(session, aid)
        assert saved is not None
        assert (saved.answers, saved.question_index, saved.question_id) == ({"pain": 3}, 1, "sleep")
        assert saved.keyboard_message_id == 8


# --- journal ----------------------------------------------------------------------------------


async def test_events_are_listed_in_order_and_filtered(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    aid = athlete.id or 0
    async with store.transaction() as session:
        await append_event(
            session,
            athlete_id=aid,
            kind=EventKind.RED_FLAG,
            at=clock.now(),
            payload={"flag": "night_pain"},
        )
        await append_event(
            session,
            athlete_id=aid,
            kind=EventKind.PHASE_CHANGE,
            at=clock.advance(hours=1),
            payload={"to": "hold"},
        )
        await append_event(session, athlete_id=aid, kind="share", at=clock.advance(hours=1))
    async with store.transaction() as session:
        everything = await list_events(session, aid)
        recent = await list_events(session, aid, since=clock.now() - timedelta(hours=1))
        flags = await list_events(session, aid, kinds=[EventKind.RED_FLAG])
    assert [e.kind for e in everything] == ["red_flag", "phase_change", "share"]
    assert [e.kind for e in recent] == ["phase_change", "share"]
    assert flags[0].payload == {"flag": "night_pain"}


async def test_clearance_and_education_log(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    aid = athlete.id or 0
    async with store.transaction() as session:
        await record_clearance(
            session, athlete_id=aid, on_date=date(2025, 3, 2), allows="impact", now=clock.now()
        )
        assert await log_education(
            session, athlete_id=aid, snippet_id="bone-remodelling", sent_on=date(2025, 3, 1)
        )
        assert not await log_education(
            session, athlete_id=aid, snippet_id="bone-remodelling", sent_on=date(2025, 3, 1)
        )
        assert await log_education(
            session, athlete_id=aid, snippet_id="sleep", sent_on=date(2025, 3, 3)
        )
    async with store.transaction() as session:
        clearances = await list_clearances(session, aid)
        events = await list_events(session, aid, kinds=[EventKind.CLEARANCE])
        recent = await education_since(session, aid, date(2025, 3, 1))
        only_today = await education_since(session, aid, date(2025, 3, 2))
    assert [(c.allows, c.on_date) for c in clearances] == [("impact", date(2025, 3, 2))]
    assert events[0].payload["allows"] == "impact"
    assert recent == [("sleep", date(2025, 3, 3)), ("bone-remodelling", date(2025, 3, 1))]
    assert only_today == [("sleep", date(2025, 3, 3))]


async def test_coach_link_is_one_time(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)
    async with store.transaction() as session:
        link = await create_coach_link(
            session, athlete_id=athlete.id or 0, share_level=ShareLevel.TREND, now=clock.now()
        )
    assert len(link.token) <= 64
    async with store.transaction() as session:
        won = await redeem_coach_link(
            session, token=link.token, group_chat_id=-100123, now=clock.now()
        )
        lost = await redeem_coach_link(
            session, token=link.token, group_chat_id=-100999, now=clock.now()
        )
        unknown = await redeem_coach_link(session, token="nope", group_chat_id=-1, now=clock.now())
    assert won is not None
    assert won.group_chat_id == -100123
    assert won.share_level is ShareLevel.TREND
    assert (lost, unknown) == (None, None)
    async with store.transaction() as session:
        assert await migrate_group_chat(session, -100123, -100456) == 1
        assert [lk.id for lk in await links_for_group(session, -100456)] == [link.id]
        assert await revoke_coach_link(session, link.id or 0, now=clock.now())
        assert list(await links_for_group(session, -100456)) == []


async def test_transaction_rolls_back_on_error(store: Store, clock: ManualClock) -> None:
    athlete = await _athlete(store, clock)

    async def fail_midway() -> None:
        async with store.transaction() as session:
            await append_event(session, athlete_id=athlete.id or 0, kind="x", at=clock.now())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_midway()
    async with store.transaction() as session:
        assert list(await list_events(session, athlete.id or 0)) == []


@pytest.mark.parametrize("kind", list(DialogueKind), ids=str)
def test_a_nonce_names_its_dialogue_kind(kind: DialogueKind) -> None:
    """The row of an ended dialogue is gone; a press on its keyboard still says its kind."""
    nonce = new_nonce(kind)
    assert nonce_kind(nonce) is kind
    assert nonce != new_nonce(kind)


def test_a_nonce_from_before_the_tag_names_no_kind() -> None:
    assert nonce_kind("mAbC12") is None  # 6 characters: made before the tag
    assert nonce_kind("!AbC123") is None  # no kind's tag
