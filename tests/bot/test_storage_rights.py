"""Erasure, export, the consent log and clinician links at the storage level, on SQLite and
PostgreSQL. The erasure check (``erasure_checks.traces``) walks every table and column of the
metadata, so tables added later are covered without touching this file."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
from erasure_checks import row_counts, traces

from bot.clock import ManualClock
from bot.storage import (
    Athlete,
    ClearanceSource,
    ConsentKind,
    DialogueKind,
    RedeemRefusal,
    ShareLevel,
    Slot,
    Store,
    append_event,
    create_checkin_if_absent,
    create_clinician_link,
    create_coach_link,
    get_or_create_athlete,
    list_consent,
    log_consent,
    log_education,
    queue_coach_post,
    record_clearance,
    redeem_clinician_link,
    redeem_coach_link,
    start_dialogue,
)
from bot.storage.clinicians import hash_token
from bot.storage.consent import DATA_USE, group_scope
from bot.storage.erasure import erase_athlete
from bot.storage.export import SECRET_COLUMNS, collect_athlete_data
from bot.storage.models import ClinicianLink, CoachPostKind, SendPacing, metadata
from bot.storage.ownership import owned_tables

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

ANN, BOB = 100_000_101, 100_000_202
WEEK = timedelta(days=7)


async def _athlete_with_everything(
    session: AsyncSession, clock: ManualClock, user_id: int, group: int
) -> Athlete:
    """An athlete with rows in every table the schema had when this was written."""
    now = clock.now()
    athlete, _ = await get_or_create_athlete(
        session, telegram_user_id=user_id, chat_id=user_id, now=now, first_name="X"
    )
    assert athlete.id is not None
    checkin, _ = await create_checkin_if_absent(
        session, athlete_id=athlete.id, local_date=date(2025, 3, 3), slot=Slot.MORNING, due_at=now
    )
    checkin.answers = {"pain_rest": 1, "night_pain": False}
    checkin.decision = {"action": "repeat", "reasons": ["pain_building"], "red_flags": []}
    session.add(checkin)
    await start_dialogue(
        session, athlete_id=athlete.id, kind=DialogueKind.EVENING, now=now, checkin_id=checkin.id
    )
    await append_event(session, athlete_id=athlete.id, kind="red_flag", at=now)
    await log_education(session, athlete_id=athlete.id, snippet_id="bone", sent_on=date(2025, 3, 3))
    link = await create_coach_link(
        session, athlete_id=athlete.id, share_level=ShareLevel.TREND, now=now
    )
    await redeem_coach_link(session, token=link.token, group_chat_id=group, now=now)
    assert link.id is not None
    await queue_coach_post(
        session, link_id=link.id, kind=CoachPostKind.STATUS, local_date=date(2025, 3, 3), due_at=now
    )
    await log_consent(
        session, athlete_id=athlete.id, kind=ConsentKind.GIVEN, scope=DATA_USE, now=now
    )
    await log_consent(
        session,
        athlete_id=athlete.id,
        kind=ConsentKind.SHARE_GRANTED,
        scope=group_scope(group),
        now=now,
        detail={"share": "trend", "title": "Team"},
    )
    clinician, token = await create_clinician_link(
        session, athlete_id=athlete.id, now=now, valid_for=WEEK
    )
    redeemed = await redeem_clinician_link(
        session,
        token=token,
        clinician_user_id=user_id + 7,
        clinician_chat_id=user_id + 7,
        clinician_name="Dr Who",
        now=now,
    )
    assert redeemed.link is not None
    clearance = await record_clearance(
        session, athlete_id=athlete.id, on_date=date(2025, 3, 3), allows="impact", now=now
    )
    clearance.source = ClearanceSource.CLINICIAN
    clearance.clinician_link_id = clinician.id
    clearance.confirmed_by = "Dr Who"
    session.add(clearance)
    await session.flush()
    return athlete


async def test_erasure_leaves_no_trace_and_keeps_everyone_else(
    store: Store, clock: ManualClock
) -> None:
    async with store.transaction() as session:
        ann = await _athlete_with_everything(session, clock, ANN, -400_000_101)
        bob = await _athlete_with_everything(session, clock, BOB, -400_000_202)
        assert ann.id is not None
        assert bob.id is not None
        # Ann is also the clinician of Bob: that row is Bob's, but holds Ann's Telegram id.
        _, token = await create_clinician_link(
            session, athlete_id=bob.id, now=clock.now(), valid_for=WEEK
        )
        await redeem_clinician_link(
            session,
            token=token,
            clinician_user_id=ANN,
            clinician_chat_id=ANN,
            clinician_name="Ann",
            now=clock.now(),
        )
        # The shared pacer's flood buckets are keyed by chat id (PostgreSQL, several workers).
        session.add_all([SendPacing(key=ANN, tat=0.0), SendPacing(key=BOB, tat=0.0)])
        await session.flush()
        before = await row_counts(session)
        bob_before = await traces(session, athlete_id=bob.id, telegram_ids={BOB})
    # Every table that holds athletes' rows got one of Ann's here.
    assert all(before[t.name] >= 2 for t in owned_tables())
    async with store.transaction() as session:
        counts = await erase_athlete(session, ann.id)
    assert counts["athletes"] == 1
    assert counts["checkins"] == 1
    async with store.transaction() as session:
        assert await traces(session, athlete_id=ann.id, telegram_ids={ANN}) == []
        after = await row_counts(session)
        # Bob keeps every row (the clinician link Ann held is Bob's; only her ids are cleared).
        assert await traces(session, athlete_id=bob.id, telegram_ids={BOB}) == bob_before
        kept = (
            await session.execute(
                ClinicianLink.__table__.select().where(  # type: ignore[attr-defined]
                    ClinicianLink.__table__.c.athlete_id == bob.id  # type: ignore[attr-defined]
                )
            )
        ).all()
    for table in owned_tables():
        if table.name != "clinician_links":
            assert after[table.name] == before[table.name] // 2 or table.name == "athletes"
    assert after["athletes"] == 1
    assert len(kept) == 2
    assert {row.clinician_user_id for row in kept} == {BOB + 7, None}
    # Erasing twice, or a stranger, changes nothing.
    async with store.transaction() as session:
        assert await erase_athlete(session, ann.id) == {}


async def test_export_holds_every_owned_table_without_secrets(
    store: Store, clock: ManualClock
) -> None:
    async with store.transaction() as session:
        ann = await _athlete_with_everything(session, clock, ANN, -400_000_101)
        await _athlete_with_everything(session, clock, BOB, -400_000_202)
        assert ann.id is not None
        data = await collect_athlete_data(session, ann.id)
    assert list(data.rows) == [t.name for t in owned_tables()]
    for table in owned_tables():
        rows = data.rows[table.name]
        assert rows, table.name
        assert all(row.get("athlete_id", ann.id) == ann.id for row in rows)
        for column in table.columns:
            exported = column.name in data.columns[table.name]
            assert exported != ((table.name, column.name) in SECRET_COLUMNS)
    assert data.rows["athletes"][0]["telegram_user_id"] == ANN
    assert data.rows["checkins"][0]["answers"] == {"pain_rest": 1, "night_pain": False}
    assert data.rows["clearances"][0]["source"] == "clinician"
    assert data.rows["clearances"][0]["confirmed_by"] == "Dr Who"
    assert data.rows["coach_posts"][0]["kind"] == "status"
    # Instants are ISO 8601 with their UTC offset.
    assert data.rows["events"][0]["at"].endswith("+00:00")


async def test_consent_log_keeps_every_change_in_order(store: Store, clock: ManualClock) -> None:
    async with store.transaction() as session:
        athlete, _ = await get_or_create_athlete(
            session, telegram_user_id=ANN, chat_id=ANN, now=clock.now()
        )
        assert athlete.id is not None
        for kind in (ConsentKind.GIVEN, ConsentKind.WITHDRAWN, ConsentKind.GIVEN):
            await log_consent(
                session, athlete_id=athlete.id, kind=kind, scope=DATA_USE, now=clock.now()
            )
            clock.advance(timedelta(minutes=1))
        records = await list_consent(session, athlete.id)
    assert [r.kind for r in records] == [
        ConsentKind.GIVEN,
        ConsentKind.WITHDRAWN,
        ConsentKind.GIVEN,
    ]
    assert records[0].at < records[1].at < records[2].at


async def test_clinician_invites_are_hashed_one_time_and_expire(
    store: Store, clock: ManualClock
) -> None:
    async with store.transaction() as session:
        athlete, _ = await get_or_create_athlete(
            session, telegram_user_id=ANN, chat_id=ANN, now=clock.now()
        )
        assert athlete.id is not None
        link, token = await create_clinician_link(
            session, athlete_id=athlete.id, now=clock.now(), valid_for=WEEK
        )
    assert len(token) >= 32  # 192 random bits, URL-safe
    assert link.token_hash == hash_token(token)
    assert token not in link.token_hash

    async def redeem(token: str, user: int) -> RedeemRefusal | None:
        async with store.transaction() as session:
            result = await redeem_clinician_link(
                session,
                token=token,
                clinician_user_id=user,
                clinician_chat_id=user,
                clinician_name="Doc",
                now=clock.now(),
            )
        return result.refusal

    assert await redeem(token, ANN) is RedeemRefusal.SELF
    assert await redeem(token + "x", 7) is RedeemRefusal.UNKNOWN
    assert await redeem(token, 7) is None
    assert await redeem(token, 8) is RedeemRefusal.USED
    async with store.transaction() as session:
        _, late = await create_clinician_link(
            session, athlete_id=athlete.id, now=clock.now(), valid_for=WEEK
        )
        _, newer = await create_clinician_link(
            session, athlete_id=athlete.id, now=clock.now(), valid_for=WEEK
        )
    assert await redeem(late, 9) is RedeemRefusal.REVOKED  # replaced by ``newer``
    clock.advance(WEEK + timedelta(seconds=1))
    assert await redeem(newer, 9) is RedeemRefusal.EXPIRED


@pytest.mark.parametrize("table", [t.name for t in metadata.sorted_tables])
def test_every_table_is_classified(table: str) -> None:
    """Each table either belongs to athletes (exported and erased) or holds no athlete data:
    a table with an ``athlete_id`` that ownership does not see would escape both."""
    owned = {t.name for t in owned_tables()}
    columns = metadata.tables[table].columns
    owning_keys = [
        k
        for c in columns
        if not c.nullable
        for k in c.foreign_keys
        if k.column.table.name == "athletes"
    ]
    if "athlete_id" in columns or owning_keys:
        assert table in owned
