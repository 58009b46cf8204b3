"""``/learn``: education snippets by topic (content/en/education.yaml): a button, or a
topic typed after ``/learn`` ("/learn bone health") or on its own outside a dialogue
("nutrition", a near miss too: :func:`flows.education.match_topic`)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import RemodelContext, Services
from bot.dialogue import engine
from bot.handlers.checkin import SNIPPET_MEMORY_DAYS, local_today
from bot.handlers.common import is_private, send, toast
from bot.rendering import callbacks
from bot.rendering.texts import Safe
from bot.storage import education_since, get_athlete_by_telegram_id, log_education
from flows.education import match_topic, pick_snippet
from flows.phases import Phase

TOPIC = "l"
ROW = 2


async def on_learn(update: Update, context: RemodelContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    typed = " ".join(context.args or [])
    topic = typed_topic(services, typed) if typed else None
    if topic is not None:
        await send_topic(context, user.id, message.chat_id, topic)
        return
    topics = list(services.library.education.topics.items())
    buttons = [
        InlineKeyboardButton(label, callback_data=callbacks.encode(TOPIC, topic))
        for topic, label in topics
    ]
    rows = [buttons[i : i + ROW] for i in range(0, len(buttons), ROW)]
    await send(
        context, message.chat_id, services.texts.render("learn.menu"), InlineKeyboardMarkup(rows)
    )


def typed_topic(services: Services, text: str) -> str | None:
    """The topic typed text names, if any."""
    library = services.library
    return match_topic(library.education.topics, library.readings.topic_words, text)


async def on_topic(update: Update, context: RemodelContext, topic: str) -> None:
    """A topic was picked: the next snippet of that topic the athlete has not seen lately."""
    query = update.callback_query
    if query is None:
        return
    await toast(query)
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    await send_topic(context, query.from_user.id, chat_id, topic)


async def send_topic(
    context: RemodelContext, telegram_user_id: int, chat_id: int, topic: str
) -> None:
    """The next snippet of ``topic`` the athlete has not seen lately."""
    services = context.services
    texts = services.texts
    now = services.clock.now()
    snippets = [s for s in services.library.education.snippets if s.topic == topic]
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, telegram_user_id)
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
    if snippet is None:
        await send(context, chat_id, texts.render("learn.empty"))
        return
    await send(
        context,
        chat_id,
        texts.render("plan.education", title=Safe(snippet.title), text=Safe(snippet.text)),
    )
