"""Coach groups: the athlete invites a coach with a one-time ``?startgroup=`` link and
chooses what is shared; the group gets alerts from the event log (red flag, step back,
phase change) according to that choice, and on a schedule (the ticker's coach pass, see
:mod:`bot.handlers.coach_posts`) a daily status, a weekly digest and missed-check-in
alerts. Group members never get athlete buttons; the group's own commands (/status,
/today, /progress, /help) are answered by :mod:`bot.handlers.coach_group`.

The athlete stops sharing with ``/coach`` -> stop: every link is revoked and the bot leaves
the groups. A group that removes the bot (``my_chat_member``) has its links revoked; one
that becomes a supergroup has its stored id moved.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.context import RemodelContext
from bot.handlers.coach_posts import red_flag_labels
from bot.handlers.common import deliver, is_private, send, toast
from bot.rendering import callbacks
from bot.rendering.plans import phase_label
from bot.scheduling import schedule_link
from bot.sending import SendStatus
from bot.storage import (
    ConsentKind,
    ShareLevel,
    append_event,
    create_coach_link,
    get_athlete,
    get_athlete_by_telegram_id,
    links_for_athlete,
    list_events,
    log_consent,
    migrate_group_chat,
    redeem_coach_link,
    revoke_links,
)
from bot.storage.consent import group_scope
from flows.reasons import EventKind

log = logging.getLogger(__name__)

SHARE = "c"
#: The ``SHARE`` argument of the "stop sharing" button (share levels are the others).
STOP = "stop"
#: The bot's membership states in which a group no longer hears anything.
GONE = frozenset({ChatMember.LEFT, ChatMember.BANNED})
#: Which events a coach group hears of, by share level.
ALERTS: dict[ShareLevel, frozenset[str]] = {
    ShareLevel.ADHERENCE: frozenset(),
    ShareLevel.TREND: frozenset({EventKind.RED_FLAG, EventKind.PHASE_CHANGED, EventKind.STEP_BACK}),
    ShareLevel.FULL: frozenset({EventKind.RED_FLAG, EventKind.PHASE_CHANGED, EventKind.STEP_BACK}),
}


async def on_coach(update: Update, context: RemodelContext) -> None:
    """``/coach`` in a private chat: choose what a coach group may see."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    texts = services.texts
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
    if athlete is None or not athlete.onboarded:
        await send(context, message.chat_id, texts.render("pointer.not_registered"))
        return
    rows = [
        [
            InlineKeyboardButton(
                texts.raw(f"coach.scope.{level.value}"),
                callback_data=callbacks.encode(SHARE, level.value),
            )
        ]
        for level in ShareLevel
    ]
    async with services.store.transaction() as session:
        assert athlete.id is not None
        sharing = any(
            link.revoked_at is None for link in await links_for_athlete(session, athlete.id)
        )
    if sharing:
        rows.append(
            [
                InlineKeyboardButton(
                    texts.raw("coach.menu.stop"), callback_data=callbacks.encode(SHARE, STOP)
                )
            ]
        )
    await send(context, message.chat_id, texts.render("coach.menu"), InlineKeyboardMarkup(rows))


async def on_share_level(update: Update, context: RemodelContext, level: str) -> None:
    """A share level was picked: create the one-time invite link."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    texts = services.texts
    if level == STOP:
        await toast(query)
        await stop_sharing(context, query.from_user.id)
        return
    try:
        share = ShareLevel(level)
    except ValueError:
        share = None
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, query.from_user.id)
        usable = share is not None and athlete is not None and athlete.onboarded
        if usable and athlete is not None and athlete.id is not None and share is not None:
            link = await create_coach_link(
                session, athlete_id=athlete.id, share_level=share, now=services.clock.now()
            )
    if not usable or athlete is None or share is None:
        # A forged level, or a press from someone not set up: never a silent press (fuzzing).
        await toast(query, texts.raw("error.stale_button"))
        return
    await toast(query)
    url = f"https://t.me/{context.bot.username}?startgroup={link.token}"
    await send(
        context,
        athlete.chat_id,
        texts.render("coach.invite", link=url, scope=texts.raw(f"coach.scope.{share.value}")),
    )


async def on_group_start(update: Update, context: RemodelContext, token: str | None) -> None:
    """``/start <token>`` in a group (the bot was added through the invite link)."""
    message = update.effective_message
    if message is None:
        return
    services = context.services
    texts = services.texts
    now = services.clock.now()
    if not token:
        await send(context, message.chat_id, texts.render("pointer.private_only"))
        return
    async with services.store.transaction() as session:
        link = await redeem_coach_link(session, token=token, group_chat_id=message.chat_id, now=now)
        athlete = await get_athlete(session, link.athlete_id) if link is not None else None
        if link is not None and athlete is not None and athlete.id is not None:
            schedule_link(link, athlete, services.settings.schedule, now)
            await append_event(
                session,
                athlete_id=athlete.id,
                kind="coach_linked",
                at=now,
                payload={"group": message.chat_id, "share": link.share_level.value},
            )
            await log_consent(
                session,
                athlete_id=athlete.id,
                kind=ConsentKind.SHARE_GRANTED,
                scope=group_scope(message.chat_id),
                now=now,
                detail={"share": link.share_level.value, "title": message.chat.title or ""},
            )
    if link is None or athlete is None:
        await send(context, message.chat_id, texts.render("coach.invite.used"))
        return
    await send(
        context,
        message.chat_id,
        texts.render(
            "coach.welcome",
            athlete=athlete.first_name,
            scope=texts.raw(f"coach.scope.{link.share_level.value}"),
        ),
    )
    await send(context, athlete.chat_id, texts.render("coach.linked"))


async def notify(context: RemodelContext, athlete_id: int, since: datetime) -> None:
    """Tell the athlete's coach groups what the event log recorded from ``since`` on."""
    services = context.services
    texts = services.texts
    async with services.store.transaction() as session:
        athlete = await get_athlete(session, athlete_id)
        links = [
            link
            for link in await links_for_athlete(session, athlete_id)
            if link.group_chat_id is not None and link.revoked_at is None
        ]
        if athlete is None or not links:
            return
        events = await list_events(session, athlete_id, since=since)
    for link in links:
        wanted = ALERTS[link.share_level]
        for event in events:
            if event.kind not in wanted:
                continue
            if event.kind == EventKind.PHASE_CHANGED:
                phase = str(event.payload.get("to") or event.payload.get("phase") or "")
                text = texts.render(
                    "coach.alert.phase_changed",
                    athlete=athlete.first_name,
                    phase=phase_label(texts, phase) if phase else "",
                )
            elif event.kind == EventKind.RED_FLAG and link.share_level is ShareLevel.FULL:
                # Everything shared: the coach reads which warning signs, not just "one".
                names = red_flag_labels(services.library)
                codes = [str(code) for code in event.payload.get("flags") or []]
                text = texts.render(
                    "coach.alert.red_flag_detail",
                    athlete=athlete.first_name,
                    signs="; ".join(names.get(code, code) for code in codes) or "–",
                )
            else:
                text = texts.render(f"coach.alert.{event.kind}", athlete=athlete.first_name)
            assert link.group_chat_id is not None
            outcome = await deliver(context, link.group_chat_id, text)
            if outcome.status is SendStatus.MIGRATED and outcome.new_chat_id is not None:
                async with services.store.transaction() as session:
                    await migrate_group_chat(session, link.group_chat_id, outcome.new_chat_id)
                link.group_chat_id = outcome.new_chat_id
                await deliver(context, outcome.new_chat_id, text)


async def stop_sharing(context: RemodelContext, telegram_user_id: int) -> None:
    """Revoke every link of the athlete (used or not); say goodbye in each group and leave
    it (leaving is best effort: a revoked link is silent in any case)."""
    services = context.services
    texts = services.texts
    now = services.clock.now()
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, telegram_user_id)
        if athlete is None or athlete.id is None:
            return
        revoked = await revoke_links(session, now=now, athlete_id=athlete.id)
        groups = sorted({link.group_chat_id for link in revoked if link.group_chat_id is not None})
        if revoked:
            await append_event(
                session,
                athlete_id=athlete.id,
                kind="coach_unlinked",
                at=now,
                payload={"groups": groups, "reason": "athlete"},
            )
        for group in groups:
            await log_consent(
                session,
                athlete_id=athlete.id,
                kind=ConsentKind.SHARE_REVOKED,
                scope=group_scope(group),
                now=now,
                detail={"reason": "athlete"},
            )
    if not revoked:
        await send(context, athlete.chat_id, texts.render("coach.stopped.none"))
        return
    for group in groups:
        await deliver(
            context, group, texts.render("coach.stopped.group", athlete=athlete.first_name)
        )
        try:
            await context.bot.leave_chat(group)
        except TelegramError as exc:
            log.info("could not leave coach group %s: %s", group, exc)
    await send(context, athlete.chat_id, texts.render("coach.stopped"))


async def on_my_chat_member(update: Update, context: RemodelContext) -> None:
    """The bot's own membership changed. Removed from (or left) a group: its links are
    revoked, so it hears nothing more, and the athletes are told."""
    change = update.my_chat_member
    if change is None or change.chat.type == "private":
        return
    if change.new_chat_member.status not in GONE:
        return
    services = context.services
    now = services.clock.now()
    async with services.store.transaction() as session:
        revoked = await revoke_links(session, now=now, group_chat_id=change.chat.id)
        athletes = []
        for link in revoked:
            await append_event(
                session,
                athlete_id=link.athlete_id,
                kind="coach_unlinked",
                at=now,
                payload={"groups": [change.chat.id], "reason": "removed"},
            )
            await log_consent(
                session,
                athlete_id=link.athlete_id,
                kind=ConsentKind.SHARE_REVOKED,
                scope=group_scope(change.chat.id),
                now=now,
                detail={"reason": "removed"},
            )
            athlete = await get_athlete(session, link.athlete_id)
            if athlete is not None and athlete.active:
                athletes.append(athlete)
    for athlete in {a.id: a for a in athletes}.values():
        await send(context, athlete.chat_id, services.texts.render("coach.removed"))


async def on_migrate(update: Update, context: RemodelContext) -> None:
    """A group became a supergroup (the service message): move its links to the new id, so
    alerts never go to the old one."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    async with context.services.store.transaction() as session:
        moved = await migrate_group_chat(session, old, new)
    if moved:
        log.info("coach group %s became supergroup %s (%s links)", old, new, moved)
