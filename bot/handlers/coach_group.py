"""Commands in a coach group: ``/status`` and ``/today`` (today's status), ``/progress``
(a chart of the last two weeks) and ``/help``, each answered for every athlete who shares
with *this* group, with only what that athlete's share level allows.

A coach of several athletes has one group per athlete (each invite binds one group), so
answers never mix athletes; a group that two athletes invited gets one answer per athlete.
Group messages never carry buttons: nothing a coach could press on an athlete's behalf.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import RemodelContext
from bot.handlers.checkin import local_today
from bot.handlers.coach_charts import send_group_chart
from bot.handlers.coach_posts import compose, red_flag_labels
from bot.handlers.common import deliver
from bot.storage import (
    Athlete,
    CoachLink,
    CoachPost,
    CoachPostKind,
    get_athlete,
    links_for_group,
)

log = logging.getLogger(__name__)

#: The commands a coach group may use.
GROUP_COMMANDS = ("status", "today", "progress", "help")


async def on_group_command(update: Update, context: RemodelContext) -> None:
    """One of :data:`GROUP_COMMANDS` in a group or supergroup."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    services = context.services
    texts = services.texts
    async with services.store.transaction() as session:
        links = list(await links_for_group(session, message.chat_id))
        athletes = [await get_athlete(session, link.athlete_id) for link in links]
    shared = [
        (link, athlete)
        for link, athlete in zip(links, athletes, strict=True)
        if athlete is not None and athlete.active and athlete.onboarded
    ]
    if not shared:
        await deliver(context, message.chat_id, texts.render("coach.group.none"))
        return
    for link, athlete in shared:
        if command == "help":
            await deliver(
                context,
                message.chat_id,
                texts.render(
                    "coach.group.help",
                    athlete=athlete.first_name,
                    scope=texts.raw(f"coach.scope.{link.share_level.value}"),
                ),
            )
        elif command == "progress":
            await send_group_chart(context, link, athlete)
        else:
            await deliver(context, message.chat_id, await status_text(context, link, athlete))


async def status_text(context: RemodelContext, link: CoachLink, athlete: Athlete) -> str:
    """Today's status for ``link``'s group, as the evening post would read it now."""
    services = context.services
    now = services.clock.now()
    post = CoachPost(
        link_id=link.id or 0,
        kind=CoachPostKind.STATUS,
        local_date=local_today(athlete, now),
        due_at=now,
    )
    async with services.store.transaction() as session:
        return await compose(
            services.texts, session, post, link, athlete, red_flag_labels(services.library)
        )
