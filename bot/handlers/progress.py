"""``/progress``: a chart of the athlete's record with a short caption, and buttons for the
other views (pain, phases, check-ins, sleep and worry) and periods (2 weeks, 6 weeks, all).

A press redraws the same message (editMessageMedia), so the chat does not fill with charts;
when the message can no longer be edited, a new one is sent. The chart renders in the
render pool, never on the event loop. If drawing fails, the athlete gets the numbers as text.
"""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction

from bot.charts.load import load_record
from bot.charts.model import AthleteRecord, ChartView, Milestone, Period
from bot.charts.render import render_chart
from bot.charts.words import chart_words
from bot.context import RemodelContext, Services
from bot.handlers.checkin import local_today
from bot.handlers.common import is_private, send, toast
from bot.handlers.media import deliver_photo, replace_photo, upload_action
from bot.handlers.milestones import current_milestones, undecided_day
from bot.rendering import callbacks
from bot.rendering.progress import ProgressFacts, progress_caption
from bot.rendering.streak import STREAK_WINDOW_DAYS, days_kept
from bot.sending import SendStatus
from bot.storage import (
    Athlete,
    CheckinStatus,
    get_athlete_by_telegram_id,
    list_checkins,
)
from flows.milestones import Milestones
from flows.recognition import checkin_streak
from flows.state import RehabState

log = logging.getLogger(__name__)

#: Callback kind of the view/period buttons: ``v1:pg:<view>:<period>``.
CHART = "pg"


async def on_progress(update: Update, context: RemodelContext) -> None:
    """``/progress`` in a private chat: the pain chart of the last two weeks."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
    if athlete is None or not athlete.onboarded or not athlete.rehab_state:
        key = "pointer.not_registered" if athlete is None else "pointer.onboarding"
        await send(context, message.chat_id, services.texts.render(key))
        return
    await send_progress(context, athlete, ChartView.PAIN, Period.TWO_WEEKS)


async def on_chart_press(update: Update, context: RemodelContext, args: tuple[str, ...]) -> None:
    """A view or period button: redraw the chart in place."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    try:
        view, period = ChartView(args[0]), Period(args[1])
    except (ValueError, IndexError):
        await toast(query, services.texts.raw("error.stale_button"))
        return
    shown = query.message
    if isinstance(shown, Message) and shown.reply_markup == chart_keyboard(services, view, period):
        # The button of the view and period on screen (marked selected): drawing it again
        # would change nothing, and Telegram refuses an edit that changes nothing (found by
        # fuzzing); that refusal then sent a second chart. A toast says so (a press is
        # never met with silence: docs/bot.md).
        await toast(query, services.texts.raw("progress.on_screen"))
        return
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, query.from_user.id)
    if athlete is None or athlete.id is None or not athlete.rehab_state:
        await toast(query, services.texts.raw("error.stale_button"))
        return
    await toast(query)
    chart = await _chart(services, athlete, view, period)
    message = query.message
    if chart is not None and message is not None:
        png, caption = chart
        keyboard = chart_keyboard(services, view, period)
        if await replace_photo(
            context, athlete.chat_id, message.message_id, png, caption, keyboard
        ):
            return
    await send_progress(context, athlete, view, period, chart)


async def send_progress(
    context: RemodelContext,
    athlete: Athlete,
    view: ChartView,
    period: Period,
    chart: tuple[bytes, str] | None = None,
) -> None:
    """Send the chart (rendered now unless given) with its caption and buttons; the numbers
    as text when it cannot be drawn."""
    services = context.services
    if chart is None:
        await upload_action(context, athlete.chat_id, ChatAction.UPLOAD_PHOTO)
        chart = await _chart(services, athlete, view, period)
    if chart is None:
        caption = await _caption(services, athlete, view, period)
        text = services.texts.render("progress.chart_failed") + "\n\n" + caption
        await send(context, athlete.chat_id, text)
        return
    png, caption = chart
    outcome = await deliver_photo(
        context, athlete.chat_id, png, caption, chart_keyboard(services, view, period)
    )
    if outcome.status is SendStatus.FAILED:
        await send(
            context,
            athlete.chat_id,
            services.texts.render("progress.chart_failed") + "\n\n" + caption,
        )


def chart_keyboard(services: Services, view: ChartView, period: Period) -> InlineKeyboardMarkup:
    """Views on the first two rows, periods on the last; the shown ones marked."""
    texts = services.texts

    def label(key: str, selected: bool) -> str:
        text = texts.raw(key)
        return texts.render("progress.selected", label=text) if selected else text

    views = [
        InlineKeyboardButton(
            label(f"progress.view.{v.value}", v is view),
            callback_data=callbacks.encode(CHART, v.value, period.value),
        )
        for v in ChartView
    ]
    periods = [
        InlineKeyboardButton(
            label(f"progress.period.{p.value}", p is period),
            callback_data=callbacks.encode(CHART, view.value, p.value),
        )
        for p in Period
    ]
    return InlineKeyboardMarkup([views[:2], views[2:], periods])


async def record_of(services: Services, athlete: Athlete) -> AthleteRecord:
    """The athlete's record as of now (one read transaction), with the projected milestones
    the phase timeline marks."""
    assert athlete.id is not None
    now = services.clock.now()
    today = local_today(athlete, now)
    async with services.store.transaction() as session:
        rows = await list_checkins(session, athlete.id, since=today - timedelta(days=6))
        ahead = await current_milestones(services, session, athlete, undecided_day(rows, today))
        return await load_record(
            session, athlete, services.library, now, milestones=chart_milestones(services, ahead)
        )


def chart_milestones(services: Services, ahead: Milestones | None) -> list[Milestone]:
    """The milestones not reached yet that have a projected date, as the chart marks them."""
    if ahead is None:
        return []
    texts = services.texts
    marks = []
    for key, milestone in (("run", ahead.run_restart), ("full", ahead.full_return)):
        if not milestone.reached and milestone.projected is not None:
            label = html.unescape(texts.raw(f"chart.milestone.{key}"))
            marks.append(Milestone(label, milestone.projected, milestone.phase.value))
    return marks


async def render(
    services: Services, record: AthleteRecord, view: ChartView, period: Period
) -> bytes:
    """The chart's PNG, drawn in the render pool."""
    return await services.render.run(
        render_chart, record, view, period, chart_words(services.texts)
    )


async def _chart(
    services: Services, athlete: Athlete, view: ChartView, period: Period
) -> tuple[bytes, str] | None:
    try:
        png = await render(services, await record_of(services, athlete), view, period)
    except Exception:
        # Health data stays out of the log: the athlete's id is enough to look into it.
        log.exception("chart %s/%s for athlete %s failed", view, period, athlete.id)
        return None
    return png, await _caption(services, athlete, view, period)


async def _caption(services: Services, athlete: Athlete, view: ChartView, period: Period) -> str:
    assert athlete.id is not None
    today = local_today(athlete, services.clock.now())
    async with services.store.transaction() as session:
        rows = await list_checkins(session, athlete.id, since=today - timedelta(days=6))
        streak_rows = await list_checkins(
            session, athlete.id, since=today - timedelta(days=STREAK_WINDOW_DAYS)
        )
        ahead = await current_milestones(services, session, athlete, undecided_day(rows, today))
    answered = sum(1 for r in rows if r.status is CheckinStatus.ANSWERED)
    missed = sum(1 for r in rows if r.status is CheckinStatus.MISSED)
    pains = [
        int(r.answers["pain_rest"])
        for r in sorted(rows, key=lambda r: r.due_at)
        if r.answers and r.answers.get("pain_rest") is not None
    ]
    facts = ProgressFacts(
        today=today,
        state=RehabState.from_dict(athlete.rehab_state or {}),
        view=view,
        period=period,
        answered_7d=answered,
        missed_7d=missed,
        latest_rest_pain=pains[-1] if pains else None,
        checkin_streak=checkin_streak(days_kept(streak_rows), today),
        milestones=ahead,
    )
    return progress_caption(services.texts, facts)
