"""A synthetic athlete with a long record, written through the bot's own storage (not a
benchmark itself): ``bench/record_render.py`` times charts and the PDF on it, and writes the
chart image shown in the README from it.

The story (seeded, so every run draws the same pictures): a posteromedial tibia stress
reaction diagnosed ``days`` ago; pain fades over the weeks with day-to-day noise; phases
advance protect -> walk_strength -> impact_prep -> walk_run -> run_build; one warning sign
(night pain) holds progression until a "resume" clearance a week later; one step back; an
impact clearance; about one check-in in twelve missed and one in eight answered late.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, time, timedelta

import _common  # noqa: F401 - puts the project root on sys.path

from bot.storage import Athlete, Checkin, CheckinStatus, Clearance, Event, Slot, Store, upgrade
from flows.state import RehabState

#: Where the phases begin, as a share of the record (the last one is ongoing).
PHASES = (
    ("protect", 0.0),
    ("walk_strength", 0.22),
    ("impact_prep", 0.5),
    ("walk_run", 0.64),
    ("run_build", 0.82),
)


async def make_athlete(url: str, *, days: int = 180, today: date, seed: int = 7) -> int:
    """Create the database at ``url`` and one athlete with ``days`` of history up to
    ``today`` (UTC zone); its id."""
    await upgrade(url)
    store = Store.from_url(url)
    rng = random.Random(seed)
    start = today - timedelta(days=days - 1)
    now = datetime.combine(today, time(21, 0), tzinfo=UTC)
    starts = {name: start + timedelta(days=round(share * days)) for name, share in PHASES}
    current = max(starts.items(), key=lambda item: item[1])
    state = RehabState.from_dict(
        {
            "phase": current[0],
            "stage": 2,
            "phase_entered": current[1].isoformat(),
            "stage_entered": (current[1] + timedelta(days=7)).isoformat(),
        }
    )
    flag_day = starts["walk_strength"] + timedelta(days=12)
    resume_day = flag_day + timedelta(days=7)
    step_back_day = starts["walk_run"] + timedelta(days=6)
    try:
        async with store.transaction() as session:
            athlete = Athlete(
                telegram_user_id=900_000_001,
                chat_id=900_000_001,
                first_name="Alex",
                time_zone="UTC",
                onboarded=True,
                consent_at=datetime.combine(start, time(9), tzinfo=UTC),
                injury_site="posteromedial_tibia",
                injury_grade="mri2",
                diagnosis_date=start,
                sport="running",
                weekly_volume_km=40.0,
                weight_bearing="full",
                rehab_state=state.to_dict(),
                phase=state.phase.value,
                created_at=datetime.combine(start, time(9), tzinfo=UTC),
                updated_at=now,
            )
            session.add(athlete)
            await session.flush()
            assert athlete.id is not None
            athlete_id = athlete.id
            for offset in range(days):
                day = start + timedelta(days=offset)
                healing = max(0.0, 4.5 * (1 - offset / (0.6 * days)))
                flare = 3 if flag_day <= day < flag_day + timedelta(days=3) else 0
                pain = [max(0, min(10, round(healing + flare + rng.gauss(0, 0.7)))) for _ in "ab"]
                morning = {
                    "night_pain": day == flag_day,
                    "next_morning_pain": max(0, pain[0] - 1),
                    "pain_rest": max(0, pain[0] - 2),
                    "sleep_hours": round(rng.uniform(6.0, 8.8), 1),
                    "sleep_quality": rng.randint(4, 9),
                    "fear": max(0, min(10, round(7 - offset / 30 + rng.gauss(0, 1)))),
                }
                evening = {
                    "session": "done" if rng.random() > 0.15 else "skipped",
                    "pain_during": pain[1] if offset % 3 else None,
                    "pain_walking": max(0, pain[1] - 1),
                    "pain_after": max(0, pain[1] - 1),
                }
                if offset % 7 == 6:
                    evening["readiness"] = min(60, 25 + offset // 6)
                for slot, answers, at in (
                    (Slot.MORNING, morning, time(7, 30)),
                    (Slot.EVENING, evening, time(20, 0)),
                ):
                    due = datetime.combine(day, at, tzinfo=UTC)
                    roll = rng.random()
                    missed = roll < 0.08 and day != flag_day
                    late = 0.08 <= roll < 0.2
                    answered = due + timedelta(hours=3 if late else 0, minutes=5)
                    session.add(
                        Checkin(
                            athlete_id=athlete_id,
                            local_date=day,
                            slot=slot,
                            status=CheckinStatus.MISSED if missed else CheckinStatus.ANSWERED,
                            due_at=due,
                            sent_at=due,
                            answered_at=None if missed else answered,
                            reminded_at=due + timedelta(minutes=90) if late else None,
                            answers=None
                            if missed
                            else {k: v for k, v in answers.items() if v is not None},
                        )
                    )
            events: list[tuple[date, str, dict[str, object]]] = []
            names = [name for name, _ in PHASES]
            for before, after in itertools.pairwise(names):
                events.append((starts[after], "phase_changed", {"from": before, "to": after}))
            events += [
                (flag_day, "red_flag", {"flags": ["night_pain"], "phase": "walk_strength"}),
                (resume_day, "released", {"to": "walk_strength", "reason": "resume"}),
                (step_back_day, "step_back", {"from": ["walk_run", 2], "to": ["walk_run", 1]}),
            ]
            for day, kind, payload in events:
                session.add(
                    Event(
                        athlete_id=athlete_id,
                        at=datetime.combine(day, time(8), tzinfo=UTC),
                        kind=kind,
                        payload=payload,
                    )
                )
            for day, allows in ((resume_day, "resume"), (starts["impact_prep"], "impact")):
                session.add(
                    Clearance(
                        athlete_id=athlete_id,
                        on_date=day,
                        allows=allows,
                        recorded_at=datetime.combine(day, time(12), tzinfo=UTC),
                    )
                )
        return athlete_id
    finally:
        await store.dispose()
