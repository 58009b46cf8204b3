"""The chart a coach group gets (``/progress`` in the group, the weekly digest): the one its
share level allows, drawn from a record cut down to that level, so a group's chart cannot
show more than the group may see even if a chart drew more than it should."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.charts.model import AthleteRecord, ChartView, Period
from bot.context import RemodelContext
from bot.handlers.media import deliver_photo
from bot.handlers.progress import record_of, render
from bot.sending import SendStatus
from bot.storage import Athlete, CoachLink, ShareLevel

log = logging.getLogger(__name__)

#: The chart a group sees (``/progress``, the weekly digest), by share level.
CHART_FOR: dict[ShareLevel, ChartView] = {
    ShareLevel.ADHERENCE: ChartView.CHECKINS,
    ShareLevel.TREND: ChartView.PAIN,
    ShareLevel.FULL: ChartView.PAIN,
}


def shared_record(record: AthleteRecord, level: ShareLevel) -> AthleteRecord:
    """Only what ``level`` may see, so a chart for a group cannot draw more even by mistake:
    ``adherence`` keeps the check-in calendar alone; ``trend`` drops sleep, worry, the
    weekly readiness and notes; ``full`` keeps everything."""
    if level is ShareLevel.FULL:
        return record
    if level is ShareLevel.TREND:
        days = tuple(
            replace(d, sleep_hours=None, sleep_quality=None, fear=None, readiness=None, note=None)
            for d in record.days
        )
        return replace(record, days=days, clearances=())
    return replace(record, days=(), markers=(), spans=(), milestones=(), clearances=())


async def send_group_chart(context: RemodelContext, link: CoachLink, athlete: Athlete) -> bool:
    """The chart ``link``'s share level allows, last two weeks, to its group; ``False`` if
    it could not be drawn or sent (logged; the caller's text already went out)."""
    services = context.services
    assert link.group_chat_id is not None
    view = CHART_FOR[link.share_level]
    try:
        record = shared_record(await record_of(services, athlete), link.share_level)
        png = await render(services, record, view, Period.TWO_WEEKS)
    except Exception:
        log.exception("group chart for athlete %s failed", athlete.id)
        return False
    caption = services.texts.render(
        "coach.group.chart",
        athlete=athlete.first_name,
        view=services.texts.raw(f"progress.view.{view.value}"),
    )
    outcome = await deliver_photo(context, link.group_chat_id, png, caption)
    return outcome.status is SendStatus.SENT
