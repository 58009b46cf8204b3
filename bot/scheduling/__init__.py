"""Scheduling: check-ins are rows, not jobs (see ``docs/scheduling.md``).

* :mod:`bot.scheduling.timing` — pure DST-safe due-instant arithmetic and :func:`rebase`;
* :mod:`bot.scheduling.locks` — :class:`AthleteLocks`, shared with the update processor;
* :mod:`bot.scheduling.ticker` — :class:`Ticker`, the one repeating JobQueue job;
* :mod:`bot.scheduling.coach_posts` — :class:`CoachPoster`, the ticker's coach-group pass.
"""

from bot.scheduling.coach_posts import CoachPoster, PostSender, schedule_link
from bot.scheduling.locks import AthleteLocks
from bot.scheduling.ticker import JOB_NAME, CheckinSender, Ticker, TickReport
from bot.scheduling.timing import (
    load_zone,
    local_date_of,
    next_due,
    next_slot_due,
    next_weekly_due,
    rebase,
    resolve_local,
)

__all__ = [
    "JOB_NAME",
    "AthleteLocks",
    "CheckinSender",
    "CoachPoster",
    "PostSender",
    "TickReport",
    "Ticker",
    "load_zone",
    "local_date_of",
    "next_due",
    "next_slot_due",
    "next_weekly_due",
    "rebase",
    "resolve_local",
    "schedule_link",
]
