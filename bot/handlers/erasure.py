"""``/delete``: erase every row of the athlete, after an explicit confirmation.

The confirmation button carries the athlete's id and when it was offered: a press by anyone
else, for another athlete (or an earlier athlete row of the same user: ids are reused on
SQLite), or older than ``privacy.delete_confirm_minutes`` is refused, and a second press finds
nothing to erase. The press is handled under the athlete's lock (the
per-user update ordering), the lock the ticker takes before it sends, so no tick can act on
the athlete midway; the erasure is one transaction (``bot.storage.erasure``).

After the commit, linked coach groups are told the athlete left (no detail) and the bot
leaves them; linked clinicians are told they are no longer linked.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.context import RemodelContext
from bot.handlers.common import deliver, edit, is_private, send, toast
from bot.rendering import callbacks
from bot.storage import (
    get_athlete_by_telegram_id,
    live_clinician_links,
    live_links_for_athlete,
)
from bot.storage.erasure import erase_athlete

log = logging.getLogger(__name__)

DELETE = "d"
YES, NO = "y", "n"


async def on_delete(update: Update, context: RemodelContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    texts = services.texts
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
    if athlete is None or athlete.id is None:
        await send(context, message.chat_id, texts.render("privacy.nothing_stored"))
        return
    issued = int(services.clock.now().timestamp())
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.raw("delete.button.confirm"),
                    callback_data=callbacks.encode(DELETE, YES, athlete.id, issued),
                )
            ],
            [
                InlineKeyboardButton(
                    texts.raw("buttons.cancel"), callback_data=callbacks.encode(DELETE, NO)
                )
            ],
        ]
    )
    await send(
        context,
        message.chat_id,
        texts.render("delete.confirm", minutes=services.settings.privacy.delete_confirm_minutes),
        keyboard,
    )


async def on_delete_press(update: Update, context: RemodelContext, args: tuple[str, ...]) -> None:
    query = update.callback_query
    if query is None:
        return
    services = context.services
    texts = services.texts
    if args == (NO,):
        await toast(query)
        await _reply(context, update, texts.render("delete.cancelled"))
        return
    if len(args) != 3 or args[0] != YES or not args[1].isdigit() or not args[2].isdigit():
        await toast(query, texts.raw("error.stale_button"))
        return
    athlete_id, issued = int(args[1]), int(args[2])
    now = services.clock.now()
    window = timedelta(minutes=services.settings.privacy.delete_confirm_minutes)
    if now - datetime.fromtimestamp(issued, UTC) > window:
        await toast(query)
        await _reply(context, update, texts.render("delete.expired"))
        return
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, query.from_user.id)
        if athlete is None or athlete.id is None:
            counts = None
        elif athlete.id != athlete_id or issued < int(athlete.created_at.timestamp()):
            # Another athlete's button, or one offered before this athlete row existed
            # (SQLite reuses the id of an erased athlete for the next one).
            await toast(query, texts.raw("error.foreign_press"), alert=True)
            return
        else:
            groups = sorted(
                {
                    link.group_chat_id
                    for link in await live_links_for_athlete(session, athlete.id)
                    if link.group_chat_id is not None
                }
            )
            clinicians = sorted(
                {
                    link.clinician_chat_id
                    for link in await live_clinician_links(session, athlete.id)
                    if link.clinician_chat_id is not None
                }
            )
            name = athlete.first_name
            counts = await erase_athlete(session, athlete.id)
    await toast(query)
    if counts is None:
        await _reply(context, update, texts.render("delete.nothing"))
        return
    log.info("athlete %s erased (%s rows)", athlete_id, sum(counts.values()))
    await _reply(context, update, texts.render("delete.done"))
    for group in groups:
        await deliver(context, group, texts.render("delete.group", athlete=name))
        try:
            await context.bot.leave_chat(group)
        except TelegramError as exc:
            log.info("could not leave coach group %s: %s", group, exc)
    for chat in clinicians:
        await deliver(context, chat, texts.render("delete.clinician", athlete=name))


async def _reply(context: RemodelContext, update: Update, text: str) -> None:
    """Replace the confirmation (dropping its buttons), or send ``text`` if that fails."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if message is None or not await edit(context, message.chat.id, message.message_id, text):
        await send(context, query.from_user.id, text)
