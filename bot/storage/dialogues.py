"""Dialogue position: what the athlete is answering right now (one row per athlete).

The row replaces PTB's ConversationHandler and persistence: every update reads it, advances
it and writes it back inside the same transaction as the answers it records.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.clock import ensure_utc
from bot.storage.models import Athlete, Checkin, Dialogue, DialogueKind

__all__ = [
    "KIND_TAGS",
    "NONCE_LENGTH",
    "KeyboardMark",
    "advance_dialogue",
    "clear_dialogue",
    "get_answering",
    "get_dialogue",
    "new_nonce",
    "nonce_kind",
    "save_dialogue",
    "set_keyboard_messages",
    "start_dialogue",
]

#: Characters of the callback-data nonce: the dialogue kind's tag (:data:`KIND_TAGS`), then
#: 6 random URL-safe characters = 36 bits: plenty to tell an old keyboard from the current
#: one, and cheap in the 64-byte callback data budget.
NONCE_LENGTH = 7

#: The first character of a nonce names its dialogue's kind. The dialogue row is gone once
#: the dialogue ends (or is replaced), and a press on its keyboard must still be answered in
#: that dialogue's words ("You're all set up already" for a finished onboarding, not "This
#: check-in is closed"): the press itself says which kind it was, however old, with no row
#: kept. Nonces made before the tag (6 characters) name no kind.
KIND_TAGS: dict[DialogueKind, str] = {
    DialogueKind.ONBOARDING: "o",
    DialogueKind.MORNING: "m",
    DialogueKind.EVENING: "e",
    DialogueKind.WEEKLY: "w",
    DialogueKind.SETTINGS: "s",
    DialogueKind.CLEARANCE: "c",
    DialogueKind.TIMEZONE: "z",
    DialogueKind.COACH: "k",
    DialogueKind.SYMPTOM: "y",
}
_KIND_OF_TAG = {tag: kind for kind, tag in KIND_TAGS.items()}


def new_nonce(kind: DialogueKind) -> str:
    """A fresh nonce for the callback data of a dialogue of ``kind``: its tag and random
    URL-safe characters, :data:`NONCE_LENGTH` in all."""
    return KIND_TAGS[DialogueKind(kind)] + secrets.token_urlsafe(8)[: NONCE_LENGTH - 1]


def nonce_kind(nonce: str) -> DialogueKind | None:
    """The dialogue kind a nonce of :func:`new_nonce` names; ``None`` for a nonce made
    before the tag (shorter) or a forged one."""
    if len(nonce) != NONCE_LENGTH:
        return None
    return _KIND_OF_TAG.get(nonce[0])


async def get_dialogue(session: AsyncSession, athlete_id: int) -> Dialogue | None:
    """The current dialogue of the athlete, or ``None`` when idle."""
    return await session.get(Dialogue, athlete_id)


async def get_answering(
    session: AsyncSession, telegram_user_id: int
) -> tuple[Athlete | None, Dialogue | None, Checkin | None]:
    """The athlete of a Telegram user, their dialogue and the dialogue's check-in row, each
    ``None`` when absent, in one query (the hot path of every answer).

    The rows land in the session like any loaded object: a later ``get_checkin`` of the same
    id in this transaction is served from the identity map, without a second SELECT."""
    row = (await session.execute(_ANSWERING, {"telegram_user_id": telegram_user_id})).one_or_none()
    if row is None:
        return None, None, None
    return row[0], row[1], row[2]


# The hot path's statements are built once: building one and computing its cache key cost
# more than running it on SQLite.
_ANSWERING = (
    sa.select(Athlete, Dialogue, Checkin)
    .outerjoin(Dialogue, col(Dialogue.athlete_id) == col(Athlete.id))
    .outerjoin(Checkin, col(Checkin.id) == col(Dialogue.checkin_id))
    .where(col(Athlete.telegram_user_id) == sa.bindparam("telegram_user_id"))
)
_DIALOGUES = Dialogue.__table__  # type: ignore[attr-defined]
_ADVANCE = (
    sa.update(_DIALOGUES)
    .where(_DIALOGUES.c.athlete_id == sa.bindparam("d_athlete"))
    .values(
        {
            name: sa.bindparam(f"d_{name}")
            for name in (
                "question_index",
                "question_id",
                "answers",
                "keyboard_message_id",
                "nonce",
                "updated_at",
            )
        }
    )
)
_MARK = (
    sa.update(_DIALOGUES)
    .where(
        _DIALOGUES.c.athlete_id == sa.bindparam("m_athlete"),
        _DIALOGUES.c.nonce == sa.bindparam("m_nonce"),
        _DIALOGUES.c.question_index == sa.bindparam("m_index"),
    )
    .values(keyboard_message_id=sa.bindparam("m_message"), updated_at=sa.bindparam("m_at"))
)


@dataclass(frozen=True, slots=True)
class KeyboardMark:
    """Which message shows the question at ``question_index`` of the dialogue with ``nonce``."""

    athlete_id: int
    nonce: str
    question_index: int
    message_id: int
    at: datetime


async def set_keyboard_messages(session: AsyncSession, marks: Sequence[KeyboardMark]) -> None:
    """Remember the message of each mark's question, where the athlete's dialogue is still the
    one with that nonce, waiting at that question; a dialogue that moved on (or ended) is
    left alone.

    One conditional UPDATE run for every mark (``executemany``): the check and the write are
    atomic, with no row loaded. Marks are usually batched by a
    :class:`bot.storage.group_commit.GroupCommit`."""
    if not marks:
        return
    await session.execute(
        _MARK,
        [
            {
                "m_athlete": mark.athlete_id,
                "m_nonce": mark.nonce,
                "m_index": mark.question_index,
                "m_message": mark.message_id,
                "m_at": ensure_utc(mark.at),
            }
            for mark in marks
        ],
    )


async def start_dialogue(
    session: AsyncSession,
    *,
    athlete_id: int,
    kind: DialogueKind,
    now: datetime,
    checkin_id: int | None = None,
    question_id: str | None = None,
    answers: dict[str, Any] | None = None,
) -> Dialogue:
    """Start (or restart) a dialogue, replacing any previous one, with a new nonce.

    The new nonce makes every keyboard of the previous dialogue stale.
    """
    now = ensure_utc(now)
    dialogue = await session.get(Dialogue, athlete_id)
    if dialogue is None:
        dialogue = Dialogue(
            athlete_id=athlete_id,
            kind=kind,
            nonce=new_nonce(kind),
            started_at=now,
            updated_at=now,
        )
    dialogue.kind = kind
    dialogue.checkin_id = checkin_id
    dialogue.question_id = question_id
    dialogue.question_index = 0
    dialogue.answers = dict(answers or {})
    dialogue.keyboard_message_id = None
    dialogue.nonce = new_nonce(kind)
    dialogue.started_at = now
    dialogue.updated_at = now
    session.add(dialogue)
    await session.flush()
    return dialogue


async def save_dialogue(
    session: AsyncSession, dialogue: Dialogue, now: datetime, *, rotate_nonce: bool = False
) -> Dialogue:
    """Persist changes to ``dialogue``. Assign a *new* dict to ``answers`` to change it.

    ``rotate_nonce=True`` invalidates the keyboards sent so far (use it when a new question's
    keyboard replaces the old one, so a double press on the old keyboard is refused).
    """
    if rotate_nonce:
        dialogue.nonce = new_nonce(dialogue.kind)
    dialogue.updated_at = ensure_utc(now)
    session.add(dialogue)
    await session.flush()
    return dialogue


async def advance_dialogue(session: AsyncSession, dialogue: Dialogue, now: datetime) -> None:
    """Write the dialogue's position and answers (after :func:`bot.dialogue.driver.record`)
    with one UPDATE, and detach ``dialogue`` from ``session``.

    The hot path of every answer: a core UPDATE costs a fraction of the ORM's flush. The
    object is detached so that the commit does not flush the same changes a second time;
    it stays readable, but later changes to it are not saved in this transaction."""
    dialogue.updated_at = ensure_utc(now)
    with session.no_autoflush:  # the pending ORM changes are what this UPDATE writes
        await session.execute(
            _ADVANCE,
            {
                "d_athlete": dialogue.athlete_id,
                "d_question_index": dialogue.question_index,
                "d_question_id": dialogue.question_id,
                "d_answers": dialogue.answers,
                "d_keyboard_message_id": dialogue.keyboard_message_id,
                "d_nonce": dialogue.nonce,
                "d_updated_at": dialogue.updated_at,
            },
        )
    session.expunge(dialogue)


async def clear_dialogue(session: AsyncSession, athlete_id: int) -> bool:
    """End the athlete's dialogue; return whether there was one."""
    result = await session.execute(
        sa.delete(Dialogue).where(col(Dialogue.athlete_id) == athlete_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
