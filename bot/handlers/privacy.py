"""``/privacy``: what the athlete agreed to and when, who sees what, and withdrawing consent.

Withdrawing stops processing at once: the athlete is deactivated (no check-ins; coach groups
get no posts, see :mod:`bot.scheduling.coach_posts`), any open dialogue is dropped, pending
coach posts are cancelled, and every command but the rights ones is answered with how to
resume or delete (:func:`guard`). ``/start`` then asks for consent again
(:func:`offer_consent`); agreeing re-activates and re-bases the schedule.

Every change is written to the consent log (``bot.storage.consent``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop

from bot.context import RemodelContext
from bot.handlers.common import edit, is_private, send, toast
from bot.rendering import callbacks
from bot.rendering.texts import Safe, Texts
from bot.scheduling.timing import load_zone, rebase
from bot.storage import (
    Athlete,
    ClinicianLink,
    CoachLink,
    CoachPost,
    CoachPostStatus,
    ConsentKind,
    ConsentRecord,
    append_event,
    clear_dialogue,
    get_athlete_by_telegram_id,
    list_consent,
    live_clinician_links,
    live_links_for_athlete,
    log_consent,
    save_athlete,
)
from bot.storage.consent import DATA_USE, group_scope

PRIVACY = "p"
#: ``PRIVACY`` arguments: ask to withdraw, confirm, cancel, agree again.
WITHDRAW, WITHDRAW_YES, WITHDRAW_NO, AGREE = "w", "wy", "wn", "g"
#: Commands a withdrawn athlete may still use (their rights, and ways back).
ALLOWED_WHILE_WITHDRAWN = frozenset(
    {"start", "help", "support", "privacy", "export", "delete", "stop", "clinician"}
)


def withdrawn(athlete: Athlete | None) -> bool:
    """Whether the athlete has withdrawn consent (nothing of theirs is processed)."""
    return athlete is not None and athlete.consent_withdrawn_at is not None


def _day(instant: datetime, athlete: Athlete) -> str:
    return instant.astimezone(load_zone(athlete.time_zone)).strftime("%d %b %Y")


def _latest(
    records: Sequence[ConsentRecord], kind: ConsentKind, scope: str
) -> ConsentRecord | None:
    return next((r for r in reversed(records) if r.kind is kind and r.scope == scope), None)


def render_privacy(
    texts: Texts,
    athlete: Athlete,
    records: Sequence[ConsentRecord],
    groups: Sequence[CoachLink],
    clinicians: Sequence[ClinicianLink],
) -> str:
    """The ``/privacy`` summary (dates in the athlete's zone)."""
    parts = [texts.render("privacy.head")]
    if athlete.consent_withdrawn_at is not None:
        parts.append(
            texts.render("privacy.withdrawn", date=_day(athlete.consent_withdrawn_at, athlete))
        )
    else:
        given = _latest(records, ConsentKind.GIVEN, DATA_USE)
        agreed = given.at if given is not None else athlete.consent_at
        if agreed is not None:
            parts.append(texts.render("privacy.agreed", date=_day(agreed, athlete)))
        else:
            parts.append(texts.render("privacy.not_agreed"))
    lines = []
    for link in groups:
        assert link.group_chat_id is not None
        grant = _latest(records, ConsentKind.SHARE_GRANTED, group_scope(link.group_chat_id))
        title = str(grant.detail.get("title") or "") if grant is not None else ""
        since = grant.at if grant is not None else link.used_at
        lines.append(
            texts.render(
                "privacy.group",
                group=title or texts.raw("privacy.group.untitled"),
                scope=texts.raw(f"coach.scope.{link.share_level.value}"),
                date=_day(since, athlete) if since is not None else "–",
            )
        )
    parts.append(
        texts.render("privacy.groups", lines=Safe("\n".join(lines)))
        if lines
        else texts.render("privacy.groups.none")
    )
    lines = [
        texts.render(
            "privacy.clinician",
            name=link.clinician_name or "–",
            date=_day(link.used_at, athlete) if link.used_at is not None else "–",
        )
        for link in clinicians
    ]
    parts.append(
        texts.render("privacy.clinicians", lines=Safe("\n".join(lines)))
        if lines
        else texts.render("privacy.clinicians.none")
    )
    parts.append(texts.render("privacy.kept"))
    return "\n\n".join(parts)


async def on_privacy(update: Update, context: RemodelContext) -> None:
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
        records = await list_consent(session, athlete.id)
        groups = await live_links_for_athlete(session, athlete.id)
        clinicians = await live_clinician_links(session, athlete.id)
    text = render_privacy(texts, athlete, records, groups, clinicians)
    if withdrawn(athlete):
        button = InlineKeyboardButton(
            texts.raw("privacy.button.agree"), callback_data=callbacks.encode(PRIVACY, AGREE)
        )
    elif athlete.consent_at is not None:
        button = InlineKeyboardButton(
            texts.raw("privacy.button.withdraw"),
            callback_data=callbacks.encode(PRIVACY, WITHDRAW),
        )
    else:
        await send(context, message.chat_id, text)
        return
    await send(context, message.chat_id, text, InlineKeyboardMarkup([[button]]))


async def on_privacy_press(update: Update, context: RemodelContext, choice: str) -> None:
    """The buttons of ``/privacy`` and of :func:`offer_consent`."""
    query = update.callback_query
    if query is None:
        return
    texts = context.services.texts
    await toast(query)
    if choice == WITHDRAW:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        texts.raw("privacy.button.withdraw_yes"),
                        callback_data=callbacks.encode(PRIVACY, WITHDRAW_YES),
                    ),
                    InlineKeyboardButton(
                        texts.raw("buttons.cancel"),
                        callback_data=callbacks.encode(PRIVACY, WITHDRAW_NO),
                    ),
                ]
            ]
        )
        await send(context, query.from_user.id, texts.render("privacy.withdraw.confirm"), keyboard)
        return
    if choice == WITHDRAW_NO:
        reply = texts.render("privacy.withdraw.cancelled")
    elif choice == WITHDRAW_YES:
        reply = await _withdraw(context, query.from_user.id)
    elif choice == AGREE:
        reply = await _agree(context, query.from_user.id)
    else:
        return
    message = query.message
    if message is None or not await edit(context, message.chat.id, message.message_id, reply):
        await send(context, query.from_user.id, reply)


async def _withdraw(context: RemodelContext, telegram_user_id: int) -> str:
    services = context.services
    texts = services.texts
    now = services.clock.now()
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, telegram_user_id)
        if athlete is None or athlete.id is None or athlete.consent_at is None:
            return texts.render("privacy.nothing_stored")
        if withdrawn(athlete):
            return texts.render("privacy.withdraw.already")
        athlete.consent_withdrawn_at = now
        athlete.active = False
        await clear_dialogue(session, athlete.id)
        await save_athlete(session, athlete, now)
        # Posts already queued for the coach groups are not sent either.
        links = sa.select(col(CoachLink.id)).where(col(CoachLink.athlete_id) == athlete.id)
        await session.execute(
            sa.update(CoachPost)
            .where(
                col(CoachPost.link_id).in_(links.scalar_subquery()),
                col(CoachPost.status) == CoachPostStatus.PENDING,
            )
            .values(status=CoachPostStatus.FAILED)
            .execution_options(synchronize_session=False)
        )
        await log_consent(
            session, athlete_id=athlete.id, kind=ConsentKind.WITHDRAWN, scope=DATA_USE, now=now
        )
        await append_event(session, athlete_id=athlete.id, kind="consent_withdrawn", at=now)
    return texts.render("privacy.withdraw.done")


async def _agree(context: RemodelContext, telegram_user_id: int) -> str:
    services = context.services
    texts = services.texts
    now = services.clock.now()
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, telegram_user_id)
        if athlete is None or athlete.id is None or not withdrawn(athlete):
            return texts.render("privacy.agree.not_needed")
        athlete.consent_withdrawn_at = None
        athlete.consent_at = now
        athlete.active = True
        if athlete.onboarded:
            rebase(athlete, now, services.settings.schedule)
        await save_athlete(session, athlete, now)
        await log_consent(
            session,
            athlete_id=athlete.id,
            kind=ConsentKind.GIVEN,
            scope=DATA_USE,
            now=now,
            detail={"how": "privacy"},
        )
        await append_event(session, athlete_id=athlete.id, kind="consent_given", at=now)
    return texts.render("privacy.agree.done")


async def offer_consent(context: RemodelContext, athlete: Athlete) -> None:
    """``/start`` from an athlete who withdrew: ask whether they agree again."""
    texts = context.services.texts
    assert athlete.consent_withdrawn_at is not None
    button = InlineKeyboardButton(
        texts.raw("privacy.button.agree"), callback_data=callbacks.encode(PRIVACY, AGREE)
    )
    await send(
        context,
        athlete.chat_id,
        texts.render("privacy.start_withdrawn", date=_day(athlete.consent_withdrawn_at, athlete)),
        InlineKeyboardMarkup([[button]]),
    )


#: Menu presses a withdrawn athlete may still make: ``(kind, first argument or None)``.
_ALLOWED_PRESSES = frozenset({("p", None), ("d", None), ("x", None), ("k", None), ("c", "stop")})


async def guard(update: Update, context: RemodelContext) -> None:
    """Runs before every private command and menu press: an athlete who withdrew consent is
    told how to resume or delete, and the update goes no further (``ApplicationHandlerStop``).
    """
    user = update.effective_user
    if user is None or not is_private(update):
        return
    query = update.callback_query
    if query is not None:
        try:
            data = callbacks.decode(query.data)
        except callbacks.CallbackDataError:
            return
        first = data.args[0] if data.args else ""
        if (data.kind, None) in _ALLOWED_PRESSES or (data.kind, first) in _ALLOWED_PRESSES:
            return
    else:
        message = update.effective_message
        text = message.text if message is not None and message.text else ""
        command = text.split()[0][1:].split("@")[0].lower() if text.startswith("/") else ""
        if command in ALLOWED_WHILE_WITHDRAWN:
            return
    services = context.services
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
    if not withdrawn(athlete):
        return
    if query is not None:
        await toast(query, services.texts.raw("privacy.blocked.toast"), alert=True)
    else:
        await send(context, user.id, services.texts.render("privacy.blocked"))
    raise ApplicationHandlerStop
