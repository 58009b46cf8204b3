"""Build an athlete's :class:`~bot.charts.model.AthleteRecord` from storage.

The days, check-in slots, markers and phase spans come from the check-ins and the
append-only event log; instants become local dates in the athlete's zone. The phase
history is rebuilt from ``phase_changed``, ``hold``/``released`` and ``paused``/``resumed``
events, anchored on the current state, so it never disagrees with where the athlete is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts.model import (
    AthleteRecord,
    ClearanceRow,
    DayPoint,
    Marker,
    MarkerKind,
    Milestone,
    PainLimits,
    PhaseSpan,
    SlotMark,
    SlotStatus,
)
from bot.scheduling.timing import load_zone, local_date_of
from bot.storage import (
    Athlete,
    Checkin,
    CheckinStatus,
    Clearance,
    Event,
    Slot,
    list_checkins,
    list_clearances,
    list_events,
)
from flows.checkin import DailyCheckIn
from flows.library import Library
from flows.phases import MAIN_LINE, Phase
from flows.reasons import EventKind
from flows.state import RehabState

__all__ = ["LATE_AFTER", "load_record", "pain_limits"]

#: An answer this long after the check-in was due counts as late in the calendar (the
#: reminder goes out 90 minutes after; "late" means the athlete needed more than that).
LATE_AFTER = timedelta(hours=2)
#: Check-ins whose answers the record keeps (a missed one may have been half answered).
_KEPT = frozenset({CheckinStatus.ANSWERED, CheckinStatus.MISSED})
_OPEN = frozenset({CheckinStatus.SENT, CheckinStatus.REMINDED, CheckinStatus.SENDING})
#: Event kinds that move an athlete off the main line and back.
#: A red flag always holds progression (DESIGN "Safety rules"); the engine records the red
#: flag itself, not a separate hold event.
_OFF = {EventKind.HOLD.value, EventKind.RED_FLAG.value, "paused"}
_BACK = {EventKind.RELEASED.value, "resumed"}


def pain_limits(library: Library) -> PainLimits:
    """The protocol's pain limits and the fear threshold, as the charts draw them."""
    pain = library.protocol.pain
    return PainLimits(
        during_max=pain.during_max.value,
        after_max=pain.after_max.value,
        walking_max=pain.walking_max.value,
        rest_red_flag=pain.rest_red_flag.value,
        fear_high=library.protocol.gates.fear_high.value,
    )


async def load_record(
    session: AsyncSession,
    athlete: Athlete,
    library: Library,
    now: datetime,
    *,
    milestones: Iterable[Milestone] = (),
) -> AthleteRecord:
    """The athlete's whole record up to the local day of ``now``."""
    assert athlete.id is not None
    zone = load_zone(athlete.time_zone)
    today = local_date_of(now, zone)
    signed_up = local_date_of(athlete.created_at, zone)
    start = min(d for d in (athlete.diagnosis_date, signed_up, today) if d is not None)
    rows = await list_checkins(session, athlete.id, since=start)
    events = await list_events(session, athlete.id)
    clearances = await list_clearances(session, athlete.id)
    dated = [(local_date_of(e.at, zone), e) for e in events]
    state = RehabState.from_dict(athlete.rehab_state) if athlete.rehab_state else None
    return AthleteRecord(
        first_name=athlete.first_name,
        today=today,
        start=start,
        limits=pain_limits(library),
        days=_days(rows),
        slots=_slots(rows, now),
        markers=_markers(dated, clearances),
        spans=_spans(dated, state, start, today),
        milestones=tuple(sorted(milestones, key=lambda m: m.day)),
        clearances=tuple(_clearance_rows(clearances)),
    )


def _days(rows: Sequence[Checkin]) -> tuple[DayPoint, ...]:
    merged: dict[date, DailyCheckIn] = {}
    for row in sorted(rows, key=lambda r: r.due_at):
        if row.status not in _KEPT or not row.answers:
            continue
        try:
            day = DailyCheckIn.from_dict(row.answers)
        except (TypeError, ValueError):  # an answer of an older vocabulary: not plottable
            continue
        earlier = merged.get(row.local_date)
        merged[row.local_date] = earlier.merge(day) if earlier is not None else day
    return tuple(
        DayPoint(
            day=d,
            pain_rest=c.pain_rest,
            pain_walking=c.pain_walking,
            pain_during=c.pain_during,
            pain_next_morning=c.next_morning_pain,
            sleep_hours=c.sleep_hours,
            sleep_quality=c.sleep_quality,
            fear=c.fear,
            readiness=c.readiness,
            note=c.note,
        )
        for d, c in sorted(merged.items())
    )


def _slots(rows: Sequence[Checkin], now: datetime) -> tuple[SlotMark, ...]:
    marks = []
    for row in rows:
        if row.slot is Slot.WEEKLY:
            continue
        if row.status is CheckinStatus.ANSWERED:
            late = row.reminded_at is not None or (
                row.answered_at is not None and row.answered_at - row.due_at > LATE_AFTER
            )
            status = SlotStatus.LATE if late else SlotStatus.ANSWERED
        elif row.status is CheckinStatus.MISSED:
            status = SlotStatus.MISSED
        elif row.status in _OPEN and row.due_at <= now:
            status = SlotStatus.OPEN
        else:
            continue
        marks.append(SlotMark(row.local_date, row.slot.value, status))
    return tuple(marks)


def _markers(
    dated: Sequence[tuple[date, Event]], clearances: Sequence[Clearance]
) -> tuple[Marker, ...]:
    markers = []
    for day, event in dated:
        payload = event.payload or {}
        if event.kind == EventKind.RED_FLAG:
            flags = payload.get("flags") or []
            markers.append(Marker(day, MarkerKind.RED_FLAG, tuple(str(f) for f in flags)))
        elif event.kind == EventKind.STEP_BACK:
            markers.append(Marker(day, MarkerKind.STEP_BACK))
        elif event.kind == EventKind.HOLD:
            reason = payload.get("reason")
            markers.append(Marker(day, MarkerKind.HOLD, (str(reason),) if reason else ()))
    for clearance in clearances:
        markers.append(Marker(clearance.on_date, MarkerKind.CLEARANCE, (clearance.allows,)))
    return tuple(sorted(markers, key=lambda m: (m.day, m.kind.value)))


def _spans(
    dated: Sequence[tuple[date, Event]], state: RehabState | None, start: date, today: date
) -> tuple[PhaseSpan, ...]:
    """Main-line spans and held/paused overlays, from the events; the current state wins
    for where the athlete is today."""
    changes = [
        (day, str(e.payload.get("from") or ""), str(e.payload.get("to") or ""))
        for day, e in dated
        if e.kind == EventKind.PHASE_CHANGED and e.payload.get("to")
    ]
    first = changes[0][1] if changes else (state.active_phase.value if state else "")
    if first not in {p.value for p in MAIN_LINE}:
        first = Phase.PROTECT.value
    spans: list[PhaseSpan] = []
    phase, since = first, start
    for day, _, to in changes:
        if to not in {p.value for p in MAIN_LINE}:
            continue
        spans.append(PhaseSpan(phase, since, day))
        phase, since = to, day
    current = state.active_phase.value if state is not None else phase
    if current != phase:  # the log is incomplete (older rows): trust the state
        spans.append(PhaseSpan(phase, since, today))
        phase, since = current, today
    spans.append(PhaseSpan(phase, since, None))
    # Held or paused stretches: from a hold/pause to the release/resume (or still open).
    held_from: tuple[date, str] | None = None
    where = first
    overlays: list[PhaseSpan] = []
    for day, event in dated:
        if event.kind == EventKind.PHASE_CHANGED and event.payload.get("to") in {
            p.value for p in MAIN_LINE
        }:
            where = str(event.payload["to"])
        if event.kind in _OFF and held_from is None:
            held_from = (day, str(event.payload.get("phase") or where))
        elif event.kind in _BACK and held_from is not None:
            overlays.append(PhaseSpan(held_from[1], held_from[0], day, held=True))
            held_from = None
    if held_from is not None:
        overlays.append(PhaseSpan(held_from[1], held_from[0], None, held=True))
    return tuple(spans + overlays)


def _clearance_rows(clearances: Sequence[Clearance]) -> list[ClearanceRow]:
    rows = []
    for clearance in clearances:
        # The ``rights`` work adds who confirmed a clearance; until then every clearance was
        # reported by the athlete.
        confirmed = getattr(clearance, "confirmed_by", None) or "athlete"
        rows.append(ClearanceRow(clearance.on_date, clearance.allows, str(confirmed)))
    return rows
