"""Clinicians: the athlete's physio or doctor, linked by a one-time, expiring deep link.

Athlete side (``/clinician``): the link state (linked clinicians, a pending invite), which
clearances a clinician confirmed and which the athlete reported, a button for a new invite
(``t.me/<bot>?start=<token>``; only the token's hash is stored) and one to unlink each
clinician.

Clinician side: opening the link in a private chat (``/start <token>``) binds that clinician
to that athlete only; a used, expired or replaced link is refused with a clear message.
``/athletes`` lists the athletes a clinician follows; each action names the athlete and is
checked against the presser's own link (a press for an athlete they are not linked to is
refused). A clinician can confirm a clearance (after a confirmation step) and gets the
athlete's warning-sign alerts (:func:`notify`).

A confirmed clearance is recorded under the athlete's lock, as the athlete's own updates
are, so it never interleaves with a check-in being decided.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction

from bot.context import RemodelContext
from bot.dialogue.engine import decode_clearance, encode_clearance
from bot.handlers.checkin import local_today
from bot.handlers.clearance import _held_from, apply_recorded_clearance
from bot.handlers.common import deliver, edit, is_private, send, toast
from bot.handlers.media import deliver_document, upload_action
from bot.rendering import callbacks
from bot.rendering.plans import phase_label
from bot.rendering.texts import Safe, Texts
from bot.report import build_report
from bot.report.build import ReportError
from bot.scheduling.timing import load_zone
from bot.sending import SendStatus
from bot.storage import (
    Athlete,
    Clearance,
    ClearanceSource,
    ClinicianLink,
    ConsentKind,
    RedeemRefusal,
    append_event,
    clinician_links_of,
    create_clinician_link,
    get_athlete,
    get_athlete_by_telegram_id,
    links_of_clinician,
    list_clearances,
    list_events,
    live_clinician_links,
    log_consent,
    record_clearance,
    redeem_clinician_link,
    revoke_clinician_link,
)
from bot.storage.consent import clinician_scope
from flows.engine import restart_phase
from flows.phases import MAIN_LINE, Phase
from flows.profile import Clearance as EngineClearance
from flows.profile import ClearanceKind
from flows.reasons import EventKind

log = logging.getLogger(__name__)

#: Athlete-side presses: ``k:n`` new invite, ``k:u:<link id>`` unlink.
ATHLETE = "k"
NEW, UNLINK = "n", "u"
#: Clinician-side presses: ``q:<link id>:<action>[:<clearance kind>]``.
CLINICIAN = "q"
CLEAR, KIND, CONFIRM, CANCEL, REPORT = "c", "k", "y", "n", "r"


# --- the athlete's side -------------------------------------------------------------------


def _day(instant: datetime, athlete: Athlete) -> str:
    return instant.astimezone(load_zone(athlete.time_zone)).strftime("%d %b %Y")


def render_clearances(texts: Texts, clearances: Sequence[Clearance]) -> str:
    """Each clearance with who put it on record (confirmed by a clinician, or reported)."""
    kinds = frozenset(k.value for k in ClearanceKind)
    lines = []
    for clearance in clearances:
        decoded = decode_clearance(clearance.on_date, clearance.allows, kinds)
        if decoded is None:
            continue  # a kind this version does not know
        scope = _scope(texts, decoded)
        date = clearance.on_date.strftime("%d %b %Y")
        if clearance.source is ClearanceSource.CLINICIAN:
            lines.append(
                texts.render(
                    "clinician.clearance.confirmed",
                    scope=scope,
                    date=date,
                    name=clearance.confirmed_by or "–",
                )
            )
        else:
            lines.append(texts.render("clinician.clearance.reported", scope=scope, date=date))
    if not lines:
        return texts.render("clinician.clearances.none")
    return texts.render("clinician.clearances", lines=Safe("\n".join(lines)))


async def on_clinician(update: Update, context: RemodelContext) -> None:
    """``/clinician`` in a private chat: the link state, clearances and the buttons."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    texts = services.texts
    now = services.clock.now()
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, user.id)
        if athlete is None or athlete.id is None or not athlete.onboarded:
            await send(context, message.chat_id, texts.render("pointer.not_registered"))
            return
        links = await clinician_links_of(session, athlete.id)
        clearances = await list_clearances(session, athlete.id)
    live = [link for link in links if link.live]
    pending = [
        link
        for link in links
        if link.used_at is None and link.revoked_at is None and link.expires_at > now
    ]
    parts = [texts.render("clinician.head")]
    if live:
        lines = "\n".join(
            texts.render(
                "clinician.linked.line",
                name=link.clinician_name or "–",
                date=_day(link.used_at, athlete) if link.used_at else "–",
            )
            for link in live
        )
        parts.append(texts.render("clinician.linked", lines=Safe(lines)))
    else:
        parts.append(texts.render("clinician.none"))
    if pending:
        parts.append(texts.render("clinician.pending", date=_day(pending[-1].expires_at, athlete)))
    parts.append(render_clearances(texts, clearances))
    rows = [
        [
            InlineKeyboardButton(
                texts.render("clinician.button.unlink", name=link.clinician_name or "–"),
                callback_data=callbacks.encode(ATHLETE, UNLINK, link.id),
            )
        ]
        for link in live
    ]
    rows.append(
        [
            InlineKeyboardButton(
                texts.raw("clinician.button.new"), callback_data=callbacks.encode(ATHLETE, NEW)
            )
        ]
    )
    await send(context, message.chat_id, "\n\n".join(parts), InlineKeyboardMarkup(rows))


async def on_athlete_press(update: Update, context: RemodelContext, args: tuple[str, ...]) -> None:
    """``k:n`` (a new invite) and ``k:u:<link id>`` (unlink) from the athlete."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    texts = services.texts
    now = services.clock.now()
    if args == (NEW,):
        await toast(query)
        valid = services.settings.privacy.clinician_link_days
        async with services.store.transaction() as session:
            athlete = await get_athlete_by_telegram_id(session, query.from_user.id)
            if athlete is None or athlete.id is None or not athlete.onboarded:
                return
            if athlete.consent_withdrawn_at is not None:
                await send(context, athlete.chat_id, texts.render("privacy.blocked"))
                return
            link, token = await create_clinician_link(
                session, athlete_id=athlete.id, now=now, valid_for=timedelta(days=valid)
            )
        url = f"https://t.me/{context.bot.username}?start={token}"
        await send(
            context,
            athlete.chat_id,
            texts.render(
                "clinician.invite", link=url, days=valid, date=_day(link.expires_at, athlete)
            ),
        )
        return
    if len(args) != 2 or args[0] != UNLINK or not args[1].isdigit():
        await toast(query, texts.raw("error.stale_button"))
        return
    link_id = int(args[1])
    async with services.store.transaction() as session:
        athlete = await get_athlete_by_telegram_id(session, query.from_user.id)
        target = await session.get(ClinicianLink, link_id)
        if athlete is None or target is None or target.athlete_id != athlete.id or not target.live:
            unlinked = None
        else:
            assert athlete.id is not None
            await revoke_clinician_link(session, link_id, now=now)
            await log_consent(
                session,
                athlete_id=athlete.id,
                kind=ConsentKind.CLINICIAN_UNLINKED,
                scope=clinician_scope(link_id),
                now=now,
                detail={"name": target.clinician_name},
            )
            await append_event(
                session,
                athlete_id=athlete.id,
                kind="clinician_unlinked",
                at=now,
                payload={"link_id": link_id},
            )
            unlinked = target
    if unlinked is None or athlete is None:
        await toast(query, texts.raw("error.stale_button"))
        return
    await toast(query)
    await send(
        context, athlete.chat_id, texts.render("clinician.unlinked", name=unlinked.clinician_name)
    )
    if unlinked.clinician_chat_id is not None:
        await deliver(
            context,
            unlinked.clinician_chat_id,
            texts.render("clinician.side.unlinked", athlete=athlete.first_name),
        )


# --- the clinician's side -----------------------------------------------------------------


def _actions(texts: Texts, link: ClinicianLink, athlete: Athlete) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.render("clinician.side.button.clearance", athlete=athlete.first_name),
                    callback_data=callbacks.encode(CLINICIAN, link.id, CLEAR),
                )
            ],
            [
                InlineKeyboardButton(
                    texts.render("clinician.side.button.report", athlete=athlete.first_name),
                    callback_data=callbacks.encode(CLINICIAN, link.id, REPORT),
                )
            ],
        ]
    )


async def on_private_start_token(update: Update, context: RemodelContext, token: str) -> None:
    """``/start <token>`` in a private chat: a clinician opening an athlete's link."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    texts = services.texts
    now = services.clock.now()
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    async with services.store.transaction() as session:
        redemption = await redeem_clinician_link(
            session,
            token=token,
            clinician_user_id=user.id,
            clinician_chat_id=message.chat_id,
            clinician_name=name,
            now=now,
        )
        link = redemption.link
        athlete = await get_athlete(session, link.athlete_id) if link is not None else None
        if link is not None and athlete is not None and athlete.id is not None:
            assert link.id is not None
            await log_consent(
                session,
                athlete_id=athlete.id,
                kind=ConsentKind.CLINICIAN_LINKED,
                scope=clinician_scope(link.id),
                now=now,
                detail={"name": link.clinician_name},
            )
            await append_event(
                session,
                athlete_id=athlete.id,
                kind="clinician_linked",
                at=now,
                payload={"link_id": link.id, "replaced": list(redemption.replaced)},
            )
    if link is None or athlete is None:
        refusal = redemption.refusal or RedeemRefusal.UNKNOWN
        await send(context, message.chat_id, texts.render(f"clinician.refused.{refusal.value}"))
        return
    await send(
        context,
        message.chat_id,
        texts.render("clinician.side.welcome", athlete=athlete.first_name),
        _actions(texts, link, athlete),
    )
    await send(context, athlete.chat_id, texts.render("clinician.athlete_told", name=name))


async def on_athletes(update: Update, context: RemodelContext) -> None:
    """``/athletes``: the athletes this clinician follows, each with its actions."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_private(update):
        return
    services = context.services
    texts = services.texts
    async with services.store.transaction() as session:
        pairs = []
        for link in await links_of_clinician(session, user.id):
            athlete = await get_athlete(session, link.athlete_id)
            if athlete is not None:
                pairs.append((link, athlete))
    if not pairs:
        await send(context, message.chat_id, texts.render("clinician.side.none"))
        return
    for link, athlete in pairs:
        await send(
            context,
            message.chat_id,
            texts.render("clinician.side.athlete", athlete=athlete.first_name),
            _actions(texts, link, athlete),
        )


async def _own_link(
    session: AsyncSession, link_id: int, clinician_user_id: int
) -> tuple[ClinicianLink, Athlete] | None:
    """The presser's live link ``link_id`` and its athlete, or ``None`` (not theirs, unlinked,
    or the athlete erased their data)."""
    link = await session.get(ClinicianLink, link_id)
    if link is None or not link.live or link.clinician_user_id != clinician_user_id:
        return None
    athlete = await get_athlete(session, link.athlete_id)
    return None if athlete is None else (link, athlete)


def _scope(texts: Texts, clearance: EngineClearance) -> str:
    """A clearance as the clinician and the athlete read it (with the restart phase)."""
    scope = texts.raw(f"clearance.kind.{clearance.kind.value}")
    if clearance.resume_phase is None:
        return scope
    return texts.render(
        "clinician.scope_with_phase", scope=scope, phase=phase_label(texts, clearance.resume_phase)
    )


def _parse_clearance(args: tuple[str, ...], today: date) -> EngineClearance | None:
    """``<kind>[:<restart phase>]`` of a press (``None`` if malformed)."""
    if len(args) not in (3, 4):
        return None
    try:
        kind = ClearanceKind(args[2])
        phase = Phase(args[3]) if len(args) == 4 else None
    except ValueError:
        return None
    if phase is not None and (kind is not ClearanceKind.RESUME or phase not in MAIN_LINE):
        return None
    return EngineClearance(day=today, kind=kind, resume_phase=phase)


async def on_clinician_press(
    update: Update, context: RemodelContext, args: tuple[str, ...]
) -> None:
    """``q:<link id>:<action>[:<kind>[:<restart phase>]]`` from a clinician."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    texts = services.texts
    if len(args) < 2 or not args[0].isdigit():
        await toast(query, texts.raw("error.stale_button"))
        return
    link_id, action = int(args[0]), args[1]
    async with services.store.transaction() as session:
        owned = await _own_link(session, link_id, query.from_user.id)
    if owned is None:
        await toast(query, texts.raw("clinician.side.not_linked"), alert=True)
        return
    _, athlete = owned
    if athlete.consent_withdrawn_at is not None:
        # The athlete withdrew consent: nothing of theirs is processed or shared.
        await toast(
            query, texts.render("clinician.side.withdrawn", athlete=athlete.first_name), alert=True
        )
        return
    today = local_today(athlete, services.clock.now())
    clearance: EngineClearance | None = None
    if action in (KIND, CONFIRM):
        clearance = _parse_clearance(args, today)
        if clearance is None:
            await toast(query, texts.raw("error.stale_button"))
            return
    await toast(query)
    chat_id = query.from_user.id
    if action == CLEAR:
        rows = [
            [
                InlineKeyboardButton(
                    texts.raw(f"clearance.kind.{k.value}"),
                    callback_data=callbacks.encode(CLINICIAN, link_id, KIND, k.value),
                )
            ]
            for k in ClearanceKind
        ]
        await send(
            context,
            chat_id,
            texts.render("clinician.side.which", athlete=athlete.first_name),
            InlineKeyboardMarkup(rows),
        )
    elif action == KIND and clearance is not None:
        held = _held_from(athlete)
        if (
            clearance.kind is ClearanceKind.RESUME
            and clearance.resume_phase is None
            and held is not None
        ):
            await _ask_restart(context, chat_id, link_id, athlete, Phase(held))
            return
        await _ask_confirmation(context, chat_id, link_id, athlete, clearance)
    elif action == CONFIRM and clearance is not None:
        await _confirm(context, update, link_id, athlete, clearance)
    elif action == CANCEL:
        await _replace(context, update, texts.render("clinician.side.cancelled"))
    elif action == REPORT:
        await _send_report(context, chat_id, athlete)
    else:
        await toast(query, texts.raw("error.stale_button"))


async def _ask_restart(
    context: RemodelContext, chat_id: int, link_id: int, athlete: Athlete, held: Phase
) -> None:
    """A resume after a safety hold: from which phase may the athlete restart (protect up to
    the held phase; the phase below it suggested, as ``/clearance`` offers)."""
    texts = context.services.texts
    default = restart_phase(held, None)
    allowed = [default, *(p for p in MAIN_LINE[: MAIN_LINE.index(held) + 1] if p is not default)]
    rows = [
        [
            InlineKeyboardButton(
                texts.render(
                    f"clearance.restart.{'suggested' if phase is default else 'phase'}",
                    phase=phase_label(texts, phase),
                ),
                callback_data=callbacks.encode(
                    CLINICIAN, link_id, KIND, ClearanceKind.RESUME.value, phase.value
                ),
            )
        ]
        for phase in allowed
    ]
    await send(
        context,
        chat_id,
        texts.render(
            "clinician.side.restart", athlete=athlete.first_name, phase=phase_label(texts, held)
        ),
        InlineKeyboardMarkup(rows),
    )


async def _ask_confirmation(
    context: RemodelContext,
    chat_id: int,
    link_id: int,
    athlete: Athlete,
    clearance: EngineClearance,
) -> None:
    texts = context.services.texts
    tail = [clearance.resume_phase.value] if clearance.resume_phase is not None else []
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.raw("clinician.side.button.confirm"),
                    callback_data=callbacks.encode(
                        CLINICIAN, link_id, CONFIRM, clearance.kind.value, *tail
                    ),
                ),
                InlineKeyboardButton(
                    texts.raw("buttons.cancel"),
                    callback_data=callbacks.encode(CLINICIAN, link_id, CANCEL),
                ),
            ]
        ]
    )
    await send(
        context,
        chat_id,
        texts.render(
            "clinician.side.confirm",
            athlete=athlete.first_name,
            scope=_scope(texts, clearance),
            date=clearance.day.strftime("%a %d %b %Y"),
        ),
        keyboard,
    )


async def _replace(context: RemodelContext, update: Update, text: str) -> None:
    query = update.callback_query
    assert query is not None
    message = query.message
    if message is None or not await edit(context, message.chat.id, message.message_id, text):
        await send(context, query.from_user.id, text)


async def _confirm(
    context: RemodelContext,
    update: Update,
    link_id: int,
    athlete: Athlete,
    clearance: EngineClearance,
) -> None:
    """Record the clearance and make it act (``apply_recorded_clearance``, the one path every
    clearance takes), under the athlete's lock, re-checking the link there: the athlete may
    have unlinked or erased in between. Both sides are told."""
    query = update.callback_query
    assert query is not None
    services = context.services
    texts = services.texts
    recorded: Clearance | None = None
    effects: list[str] = []
    duplicate = False
    async with services.locks.for_user(athlete.telegram_user_id):
        now = services.clock.now()
        async with services.store.transaction() as session:
            owned = await _own_link(session, link_id, query.from_user.id)
            if owned is not None:
                link, fresh = owned
                assert fresh.id is not None
                # The day is the athlete's today at the moment of confirming.
                cleared = replace(clearance, day=local_today(fresh, now))
                allows = encode_clearance(cleared)
                duplicate = any(
                    c.allows == allows
                    and c.on_date == cleared.day
                    and c.clinician_link_id == link_id
                    for c in await list_clearances(session, fresh.id)
                )
                if not duplicate:
                    recorded = await record_clearance(
                        session, athlete_id=fresh.id, on_date=cleared.day, allows=allows, now=now
                    )
                    recorded.source = ClearanceSource.CLINICIAN
                    recorded.clinician_link_id = link_id
                    recorded.confirmed_by = link.clinician_name
                    session.add(recorded)
                    await session.flush()
                    applied = await apply_recorded_clearance(services, session, fresh, cleared, now)
                    effects = applied.messages
    if owned is None:
        await toast(query, texts.raw("clinician.side.not_linked"), alert=True)
        return
    if duplicate or recorded is None:
        await _replace(
            context, update, texts.render("clinician.side.already", athlete=athlete.first_name)
        )
        return
    scope = _scope(texts, cleared)
    date = recorded.on_date.strftime("%d %b %Y")
    await _replace(
        context,
        update,
        texts.render("clinician.side.recorded", athlete=athlete.first_name, scope=scope, date=date),
    )
    told = texts.render(
        "clinician.athlete_cleared", name=recorded.confirmed_by or "–", scope=scope, date=date
    )
    await send(context, athlete.chat_id, "\n\n".join([told, *effects]))


async def _send_report(context: RemodelContext, chat_id: int, athlete: Athlete) -> None:
    """The athlete's PDF report (``bot.report``, rendered off the event loop), captioned
    with the athlete's name."""
    services = context.services
    texts = services.texts
    assert athlete.id is not None
    await upload_action(context, chat_id, ChatAction.UPLOAD_DOCUMENT)
    today = local_today(athlete, services.clock.now())
    try:
        pdf = await build_report(services, athlete.id)
    except ReportError:
        await send(
            context, chat_id, texts.render("clinician.side.report.none", athlete=athlete.first_name)
        )
        return
    except Exception:
        log.exception("report of athlete %s for a clinician failed", athlete.id)
        await send(context, chat_id, texts.render("clinician.side.report.failed"))
        return
    outcome = await deliver_document(
        context,
        chat_id,
        pdf,
        f"remodel-report-{today.isoformat()}.pdf",
        texts.render(
            "clinician.side.report.caption",
            athlete=athlete.first_name,
            day=today.strftime("%d %b %Y"),
        ),
    )
    if outcome.status is SendStatus.FAILED:
        await send(context, chat_id, texts.render("clinician.side.report.failed"))


# --- alerts -------------------------------------------------------------------------------


async def notify(context: RemodelContext, athlete_id: int, since: datetime) -> None:
    """Tell the athlete's linked clinicians of the warning signs the event log recorded from
    ``since`` on (what was reported, and that the athlete was asked to contact them)."""
    services = context.services
    texts = services.texts
    safety = services.library.safety.messages
    async with services.store.transaction() as session:
        links = await live_clinician_links(session, athlete_id)
        if not links:
            return
        athlete = await get_athlete(session, athlete_id)
        events = await list_events(session, athlete_id, since=since, kinds=[EventKind.RED_FLAG])
    if athlete is None or athlete.consent_withdrawn_at is not None or not events:
        return
    today = local_today(athlete, services.clock.now()).strftime("%a %d %b")
    for event in events:
        flags = [str(f) for f in event.payload.get("flags") or []]
        labels = [safety[f"red_flag.{flag}"].text for flag in flags if f"red_flag.{flag}" in safety]
        text = texts.render(
            "clinician.alert.red_flag",
            athlete=athlete.first_name,
            day=today,
            flags=Safe("\n".join(f"• {label}" for label in labels) or "–"),
        )
        for link in links:
            if link.clinician_chat_id is not None:
                await deliver(context, link.clinician_chat_id, text)
