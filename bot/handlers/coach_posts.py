"""What a coach group reads in its daily status, weekly digest and missed-check-in alert,
by share level, and the ticker's callback that sends it.

Share levels (DESIGN "Coaches and groups"): ``adherence`` sees whether check-ins were
answered and nothing else (never a symptom); ``trend`` adds the phase and the pain trend;
``full`` adds the day's answers (status) or the sessions (digest).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application

from bot.context import RemodelContext
from bot.handlers.checkin import history
from bot.handlers.coach_charts import send_group_chart
from bot.handlers.common import deliver
from bot.rendering.plans import phase_label
from bot.rendering.texts import Safe, Texts
from bot.scheduling import PostSender, load_zone
from bot.scheduling.timing import local_date_of
from bot.sending import SendOutcome, SendStatus
from bot.storage import (
    Athlete,
    Checkin,
    CheckinStatus,
    CoachLink,
    CoachPost,
    CoachPostKind,
    ShareLevel,
    Slot,
    get_athlete,
    list_checkins,
    list_events,
)
from flows.checkin import DailyCheckIn, DayRecord, SessionResult
from flows.library import Library
from flows.reasons import EventKind
from flows.state import RehabState

#: Days of pain trend in a daily status (the digest shows its week).
STATUS_TREND_DAYS = 5
WEEK = 7
#: The answers a ``full`` status lists, in this order (``coach.field.*`` in coach.yaml).
FULL_FIELDS = (
    "next_morning_pain",
    "pain_rest",
    "pain_walking",
    "pain_during",
    "pain_after",
    "sleep_hours",
    "sleep_quality",
    "fear",
    "session",
)


def make_coach_sender(application: Application[Any, Any, Any, Any, Any, Any]) -> PostSender:
    """``send(post, link, athlete)`` for the ticker's coach pass: compose, then send to the
    group under the pacer (20 messages a minute per group) and the error policy."""

    async def send_post(post: CoachPost, link: CoachLink, athlete: Athlete) -> SendOutcome[object]:
        context = RemodelContext(application)
        services = context.services
        # Under the athlete's lock (the one /delete and /privacy run under), read the link and
        # the athlete again: one erased or withdrawn since the post was claimed gets nothing.
        async with (
            services.locks.for_user(athlete.telegram_user_id),
            services.store.transaction() as session,
        ):
            fresh = await session.get(CoachLink, link.id)
            current = await get_athlete(session, link.athlete_id)
            if fresh is None or not fresh.live or current is None or not current.active:
                return SendOutcome.failed("link revoked or athlete gone")
            text = await compose(
                services.texts, session, post, fresh, current, red_flag_labels(services.library)
            )
        assert link.group_chat_id is not None
        outcome = await deliver(context, link.group_chat_id, text)
        if post.kind is CoachPostKind.DIGEST and outcome.status is SendStatus.SENT:
            # The week as a picture, as far as the share level allows (best effort: the
            # digest's text is what counts as sent).
            await send_group_chart(context, link, athlete)
        return SendOutcome(
            outcome.status, outcome.value, outcome.new_chat_id, outcome.error, outcome.message_id
        )

    return send_post


def red_flag_labels(library: Library) -> dict[str, str]:
    """Warning-sign code -> its plain label (content/en/safety.yaml ``red_flag.<code>``)."""
    prefix = "red_flag."
    return {
        key.removeprefix(prefix): html.unescape(message.text)
        for key, message in library.safety.messages.items()
        if key.startswith(prefix)
    }


async def compose(
    texts: Texts,
    session: AsyncSession,
    post: CoachPost,
    link: CoachLink,
    athlete: Athlete,
    red_flags: Mapping[str, str] | None = None,
) -> str:
    """The text of ``post`` for ``link``'s group: only what its share level allows.
    ``red_flags`` names the warning signs (code -> label) that ``full`` shows."""
    day = post.local_date
    if post.kind is CoachPostKind.MISSED:
        slot = str(post.payload.get("slot") or "morning")
        return texts.render(
            "coach.alert.missed",
            athlete=athlete.first_name,
            slot=texts.raw(f"slot.{slot}"),
            day=_day(day),
        )
    assert athlete.id is not None
    digest = post.kind is CoachPostKind.DIGEST
    first = day - timedelta(days=WEEK - 1 if digest else 0)
    earlier = await list_checkins(session, athlete.id, since=first - timedelta(days=1), until=day)
    rows = [r for r in earlier if r.local_date >= first]
    answered = sum(1 for r in rows if r.status is CheckinStatus.ANSWERED)
    missed = sum(1 for r in rows if r.status is CheckinStatus.MISSED)
    head = "coach.digest.head" if digest else "coach.status.head"
    parts = [texts.render(head, athlete=athlete.first_name, day=_day(day))]
    if digest:
        parts.append(
            texts.render("coach.digest.adherence", answered=answered, due=len(rows), missed=missed)
        )
    else:
        parts.append(texts.render("coach.status.adherence", answered=answered, due=len(rows)))
        unanswered = _missed_since_last_status(texts, earlier, day)
        if unanswered:
            parts.append(texts.render("coach.status.missed", slots=unanswered))
    if link.share_level is ShareLevel.ADHERENCE:
        return "\n".join(parts)
    days = await history(session, athlete, day + timedelta(days=1))
    window = WEEK if digest else STATUS_TREND_DAYS
    state = RehabState.from_dict(athlete.rehab_state) if athlete.rehab_state else None
    phase = phase_label(texts, state.phase) if state else texts.raw("coach.no_data")
    stage = state.stage if state else 0
    pains = _pains(texts, days, day, window)
    if digest:
        since = datetime.combine(first, time(0), tzinfo=load_zone(athlete.time_zone))
        events = [e.kind for e in await list_events(session, athlete.id, since=since)]
        parts.append(
            texts.render(
                "coach.digest.trend",
                phase=phase,
                stage=stage,
                pains=pains,
                red_flags=events.count(EventKind.RED_FLAG),
                step_backs=events.count(EventKind.STEP_BACK),
            )
        )
    else:
        parts.append(texts.render("coach.status.trend", phase=phase, stage=stage, pains=pains))
    if link.share_level is ShareLevel.FULL:
        if digest:
            sessions = [r.checkin.session for r in days if first <= r.day <= day]
            parts.append(
                texts.render(
                    "coach.digest.full",
                    done=sessions.count(SessionResult.DONE),
                    partial=sessions.count(SessionResult.PARTIAL),
                    skipped=sessions.count(SessionResult.SKIPPED),
                )
            )
        else:
            today = next((r.checkin for r in days if r.day == day), None)
            answers = Safe(_answers(texts, today))
            zone = load_zone(athlete.time_zone)
            since = datetime.combine(day, time(0), tzinfo=zone)
            flagged = [
                str(code)
                for e in await list_events(
                    session, athlete.id, since=since, kinds=[EventKind.RED_FLAG]
                )
                if local_date_of(e.at, zone) == day
                for code in e.payload.get("flags") or []
            ]
            if not flagged or answers != texts.render("coach.nothing_answered"):
                # A check-in a warning sign ended early has no other answers to list.
                parts.append(texts.render("coach.status.full", answers=answers))
            if flagged:
                names = red_flags or {}
                signs = "; ".join(dict.fromkeys(names.get(code, code) for code in flagged))
                parts.append(texts.render("coach.status.warning", signs=signs))
            if today is not None and today.note:
                parts.append(
                    texts.render("coach.status.note", athlete=athlete.first_name, note=today.note)
                )
    return "\n".join(parts)


def _day(day: date) -> str:
    return day.strftime("%a %d %b")


def _pains(texts: Texts, days: list[DayRecord], last: date, window: int) -> str:
    """The worst site pain of each day, dated: ``Mon 02 1 · Tue 03 –``."""
    by_day = {r.day: r.checkin for r in days}
    values = []
    for offset in range(window - 1, -1, -1):
        day = last - timedelta(days=offset)
        checkin = by_day.get(day)
        pains = checkin.site_pains() if checkin is not None else []
        value = str(max(pains)) if pains else texts.raw("coach.no_data")
        values.append(texts.render("coach.pain_day", day=day.strftime("%a %d"), value=value))
    return Safe(" · ".join(values))


def _missed_since_last_status(texts: Texts, rows: Sequence[Checkin], day: date) -> str:
    """The check-ins missed since the previous daily status (yesterday evening's is only
    known missed today): ``Mon evening, Tue morning``; empty if none."""
    missed = [
        r
        for r in rows
        if r.status is CheckinStatus.MISSED
        and r.slot is not Slot.WEEKLY
        and (
            r.local_date == day
            or (r.local_date == day - timedelta(days=1) and r.slot is Slot.EVENING)
        )
    ]
    return ", ".join(
        f"{r.local_date.strftime('%a')} {texts.raw(f'slot.{r.slot.value}')}"
        for r in sorted(missed, key=lambda r: r.due_at)
    )


def _answers(texts: Texts, checkin: DailyCheckIn | None) -> str:
    values = checkin.to_dict() if checkin is not None else {}
    parts = []
    for name in FULL_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        if name == "session":
            value = texts.raw(f"coach.session.{value}")
        elif isinstance(value, float):
            value = f"{value:g}"
        parts.append(texts.render(f"coach.field.{name}", value=value))
    return ", ".join(parts) if parts else texts.render("coach.nothing_answered")
