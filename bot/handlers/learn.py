"""``/learn``: education snippets by topic (content/en/education.yaml)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import RemodelContext
from bot.dialogue import engine
from bot.handlers.checkin import SNIPPET_MEMORY_DAYS, local_today
from bot.handlers.common import is_private, send, toast
from bot.rendering import callbacks
from bot.rendering.texts import Safe
from bot.storage import education_since, get_athlete_by_telegram_id, log_education
from flows.education import pick_snippet
from flows.phases import Phase

TOPIC = "l"
ROW = 2


async def on_learn(update: Update, context: RemodelContext) -> None:
    message = update.effective_message
    if message is None or not is_private(update):
        return
    services = context.services
    topics = list(services.library.education.topics.items())
    buttons = [
        InlineKeyboardButton(label, callback_data=callbacks.encode(TOPIC, topic))
        for topic, label in topics
    ]
    rows = [buttons[i : i + ROW] for i in range(0, len(buttons), ROW)]
    await send(
        context, message.chat_id, services.texts.render("learn.menu"), InlineKeyboardMarkup(rows)
    )


async def on_topic(update: Update, context: RemodelContext, topic: str) -> None:
    """A topic was picked: the next snippet of that topic the athlete has not seen lately."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    texts = services.texts
    await toast(query)
    now = services.clock.now()
    snippets = [s for s in services.library.education.snippets if s.topic == topic]
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, query.from_user.id)
        phase = engine.current_phase(athlete) if athlete and athlete.rehab_state else Phase.PROTECT
        recent: list[str] = []
        today = None
        if athlete is not None and athlete.id is not None:
            today = local_today(athlete, now)
            seen = await education_since(
                session, athlete.id, today - timedelta(days=SNIPPET_MEMORY_DAYS)
            )
            recent = [snippet_id for snippet_id, _ in seen]
        snippet = pick_snippet(snippets, phase, [topic], recent) or (
            snippets[0] if snippets else None
        )
        if snippet is not None and athlete is not None and athlete.id is not None and today:
            await log_education(
                session, athlete_id=athlete.id, snippet_id=snippet.id, sent_on=today
            )
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    if snippet is None:
        await send(context, chat_id, texts.render("learn.empty"))
        return
    await send(
        context,
        chat_id,
        texts.render("plan.education", title=Safe(snippet.title), text=Safe(snippet.text)),
    )
