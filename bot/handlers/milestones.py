"""The athlete's milestones from the stored rows (flows.milestones does the projecting).

`current_milestones` is what ``/progress``, the end of onboarding, check-ins that moved a
date and clearances call; `record`'s chart can include it too (docs/bot.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Services
from bot.dialogue import engine
from bot.handlers.checkin import history
from bot.storage import Athlete, Checkin, CheckinStatus, list_clearances
from flows.milestones import Milestones, milestones
from flows.state import RehabState


def undecided_day(rows: Sequence[Checkin], today: date) -> date:
    """The first day a projection starts from: tomorrow once today has an answered
    check-in (its decision is already in the state), else today. `rows`: recent check-ins."""
    if any(r.local_date == today and r.status is CheckinStatus.ANSWERED for r in rows):
        return today + timedelta(days=1)
    return today


async def current_milestones(
    services: Services,
    session: AsyncSession,
    athlete: Athlete,
    start: date,
    state: RehabState | None = None,
) -> Milestones | None:
    """Both milestones of an onboarded athlete, projected from `start` (the first local day
    not yet decided: today before its check-in, tomorrow after it) with the recorded
    days before it. `state` overrides the stored state (e.g. the state before a decision,
    to show how a date moved). None when the athlete has no rehab state yet."""
    if state is None:
        if not athlete.rehab_state:
            return None
        state = RehabState.from_dict(athlete.rehab_state)
    assert athlete.id is not None
    profile = engine.profile_of(athlete, await list_clearances(session, athlete.id))
    days = await history(session, athlete, start)
    return milestones(services.library, profile, state, days, start)
