"""The tables. The database is the only source of truth for athletes and their schedule.

Conventions:

* every instant is a :class:`~bot.storage.types.UTCDateTime` (aware UTC in Python);
* rehab days are local ``date`` values computed from the athlete's IANA zone at the edge;
* Telegram ids are ``BIGINT`` (user and chat ids exceed 32 bits);
* JSON columns hold plain dicts and are replaced, never mutated in place (SQLAlchemy does not
  track in-place changes; assign a new dict to persist a change);
* enums are stored as their string values (no native ENUM: adding a member needs no migration).

This module must stay in step with ``bot/migrations/versions``: a test runs the migrations on an
empty database and compares the result with this metadata.
"""

# No ``from __future__ import annotations`` here: sqlmodel reads the annotations at class
# creation time.

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.storage.types import JSONDict, StrEnumType, UTCDateTime

__all__ = [
    "Athlete",
    "Checkin",
    "CheckinStatus",
    "Clearance",
    "ClearanceSource",
    "ClinicianLink",
    "CoachLink",
    "CoachPost",
    "CoachPostKind",
    "CoachPostStatus",
    "ConsentKind",
    "ConsentRecord",
    "Dialogue",
    "DialogueKind",
    "EducationLog",
    "Event",
    "HandledUpdate",
    "PolledUpdate",
    "SendPacing",
    "ShareLevel",
    "Slot",
    "metadata",
]

#: Our own metadata (not ``SQLModel.metadata``) so the schema is exactly these tables, with
#: deterministic constraint names on both backends.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class _Base(SQLModel):
    metadata: ClassVar[sa.MetaData] = metadata


class Slot(StrEnum):
    """Which questionnaire a check-in carries."""

    MORNING = "morning"
    EVENING = "evening"
    WEEKLY = "weekly"


class CheckinStatus(StrEnum):
    """Life cycle: scheduled -> sending -> sent -> (reminded) -> answered | missed.

    ``sending`` is a short lease taken by a ticker while the message is in flight; a lease older
    than the ticker's lease time is taken again (a crash mid-send is retried, not lost).
    """

    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    REMINDED = "reminded"
    ANSWERED = "answered"
    MISSED = "missed"

    @property
    def is_open(self) -> bool:
        """Whether the check-in still waits for an answer (or for its send)."""
        return self in _OPEN_STATUSES


_OPEN_STATUSES = frozenset(
    {CheckinStatus.SCHEDULED, CheckinStatus.SENDING, CheckinStatus.SENT, CheckinStatus.REMINDED}
)


class DialogueKind(StrEnum):
    """What the athlete is in the middle of."""

    ONBOARDING = "onboarding"
    MORNING = "morning"
    EVENING = "evening"
    WEEKLY = "weekly"
    SETTINGS = "settings"
    CLEARANCE = "clearance"
    TIMEZONE = "timezone"
    COACH = "coach"
    SYMPTOM = "symptom"  # a symptom report (flows/symptoms.py)


class ShareLevel(StrEnum):
    """What a coach group may see."""

    ADHERENCE = "adherence"
    TREND = "trend"
    FULL = "full"


def _fk_athlete() -> Any:
    return sa.ForeignKey("athletes.id", ondelete="CASCADE")


class Athlete(_Base, table=True):
    """One athlete (one Telegram user). Schedule columns are maintained by ``bot.scheduling``.

    ``next_due_at`` is the minimum of the three ``next_*_due_at`` columns when the athlete is
    eligible (active, onboarded, not paused) and ``NULL`` otherwise, so the ticker's due query
    walks one index and never touches ineligible athletes. Call :meth:`refresh_next_due` after
    changing any of those columns or flags.
    """

    __tablename__ = "athletes"
    __table_args__ = (sa.Index(None, "telegram_user_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger)
    chat_id: int = Field(sa_type=sa.BigInteger)
    first_name: str = Field(default="", sa_type=sa.String(128))
    language: str = Field(default="en", sa_type=sa.String(16))
    #: What the athlete's Telegram client reports (BCP 47, e.g. "pt-BR"); ``language`` is
    #: the content language chosen from it (flows.library.languages).
    language_code: str | None = Field(default=None, sa_type=sa.String(35))
    time_zone: str = Field(default="UTC", sa_type=sa.String(64))
    morning_time: time = Field(default=time(7, 0), sa_type=sa.Time)
    evening_time: time = Field(default=time(20, 0), sa_type=sa.Time)

    active: bool = True
    onboarded: bool = False
    paused: bool = False
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Set when the athlete withdrew consent (``/privacy``): nothing of theirs is processed
    #: (no check-ins, no coach posts, no commands but the rights ones) until they agree again.
    consent_withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    injury_site: str | None = Field(default=None, sa_type=sa.String(64))
    injury_grade: str | None = Field(default=None, sa_type=sa.String(64))
    diagnosis_date: date | None = None
    sport: str | None = Field(default=None, sa_type=sa.String(64))
    weekly_volume_km: float | None = None
    #: The unit the athlete typed the volume in (readings.yaml `distance` id; None: km).
    distance_unit: str | None = Field(default=None, sa_type=sa.String(8))
    weight_bearing: str | None = Field(default=None, sa_type=sa.String(64))
    reds_answers: dict[str, Any] | None = Field(default=None, sa_type=JSONDict)

    rehab_state: dict[str, Any] | None = Field(default=None, sa_type=JSONDict)
    # Check-in cadence after graduation (flows.cadence.Choice value; None: by phase) and the
    # local day the graduation message went out (once).
    checkin_cadence: str | None = Field(default=None, sa_type=sa.String(16))
    graduated_on: date | None = None
    #: The message id of the last text of the athlete's that was acted on (a typed answer
    #: filed, a symptom report opened, an undelivered question asked again in its place).
    #: Telegram message ids grow within a chat, so a text at or below it is a copy delivered
    #: again (a crash before the update was acknowledged, a polled update replayed): never
    #: the answer to whatever is on screen now.
    last_typed_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    phase: str | None = Field(default=None, sa_type=sa.String(32), index=True)

    next_morning_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    next_evening_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    next_weekly_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    next_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)

    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)

    @property
    def eligible(self) -> bool:
        """Whether the ticker should send this athlete check-ins."""
        return self.active and self.onboarded and not self.paused

    def next_due_of(self, slot: Slot) -> datetime | None:
        """The next due instant of ``slot``."""
        return {
            Slot.MORNING: self.next_morning_due_at,
            Slot.EVENING: self.next_evening_due_at,
            Slot.WEEKLY: self.next_weekly_due_at,
        }[slot]

    def set_next_due(self, slot: Slot, instant: datetime | None) -> None:
        """Set the next due instant of ``slot`` and refresh :attr:`next_due_at`."""
        if slot is Slot.MORNING:
            self.next_morning_due_at = instant
        elif slot is Slot.EVENING:
            self.next_evening_due_at = instant
        else:
            self.next_weekly_due_at = instant
        self.refresh_next_due()

    def refresh_next_due(self) -> None:
        """Recompute :attr:`next_due_at` from the slot columns and the eligibility flags."""
        candidates = [
            d
            for d in (self.next_morning_due_at, self.next_evening_due_at, self.next_weekly_due_at)
            if d is not None
        ]
        self.next_due_at = min(candidates) if candidates and self.eligible else None


class Dialogue(_Base, table=True):
    """Where the athlete stands in the current conversation (at most one per athlete).

    ``nonce`` is a short random string embedded in callback data: a press whose nonce differs
    from the stored one is stale (an old keyboard) or forged, and is refused.
    """

    __tablename__ = "dialogues"

    athlete_id: int = Field(sa_column_args=[_fk_athlete()], primary_key=True)
    kind: DialogueKind = Field(sa_type=StrEnumType(DialogueKind))
    checkin_id: int | None = Field(
        default=None, sa_column_args=[sa.ForeignKey("checkins.id", ondelete="SET NULL")]
    )
    question_id: str | None = Field(default=None, sa_type=sa.String(64))
    question_index: int = 0
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDict)
    keyboard_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    nonce: str = Field(sa_type=sa.String(16))
    started_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Checkin(_Base, table=True):
    """One questionnaire occurrence. ``(athlete_id, local_date, slot)`` is unique: it is what
    makes each check-in go out once, across restarts and across workers.

    ``remind_at`` is set when the check-in is sent and cleared when the reminder is taken (or
    the check-in closes), so the reminder query is one indexed range scan.
    """

    __tablename__ = "checkins"
    __table_args__ = (
        sa.Index(None, "athlete_id", "local_date", "slot", unique=True),
        sa.Index(None, "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    athlete_id: int = Field(sa_column_args=[_fk_athlete()])
    local_date: date
    slot: Slot = Field(sa_type=StrEnumType(Slot))
    status: CheckinStatus = Field(
        default=CheckinStatus.SCHEDULED, sa_type=StrEnumType(CheckinStatus)
    )
    due_at: datetime = Field(sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    #: The nonce of the dialogue that asked this check-in (the last one, if it was asked
    #: again): a press on its buttons after the dialogue ended is matched to the row.
    nonce: str | None = Field(default=None, sa_type=sa.String(16))
    answers: dict[str, Any] | None = Field(default=None, sa_type=JSONDict)
    decision: dict[str, Any] | None = Field(default=None, sa_type=JSONDict)


class ClearanceSource(StrEnum):
    """Who put a clearance on record."""

    ATHLETE = "athlete"  # the athlete reported it (/clearance)
    CLINICIAN = "clinician"  # a linked clinician confirmed it through the bot


class Clearance(_Base, table=True):
    """A clinician clearance (e.g. ``allows="impact"``), reported by the athlete or confirmed
    by a linked clinician (``source``; ``clinician_link_id`` and ``confirmed_by`` say which
    clinician, and stay readable after the athlete unlinks them)."""

    __tablename__ = "clearances"

    id: int | None = Field(default=None, primary_key=True)
    athlete_id: int = Field(sa_column_args=[_fk_athlete()], index=True)
    on_date: date
    allows: str = Field(sa_type=sa.String(64))
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    source: ClearanceSource = Field(
        default=ClearanceSource.ATHLETE,
        sa_type=StrEnumType(ClearanceSource),
        sa_column_kwargs={"server_default": ClearanceSource.ATHLETE.value},
    )
    clinician_link_id: int | None = Field(
        default=None,
        sa_column_args=[sa.ForeignKey("clinician_links.id", ondelete="SET NULL")],
    )
    #: The clinician's name as Telegram showed it when they confirmed.
    confirmed_by: str | None = Field(default=None, sa_type=sa.String(128))


class Event(_Base, table=True):
    """Append-only log: phase changes, red flags, clearances, shares, missed check-ins."""

    __tablename__ = "events"
    __table_args__ = (sa.Index(None, "athlete_id", "at"),)

    # BIGINT on PostgreSQL (the log only grows); INTEGER on SQLite, where only an INTEGER
    # primary key is the auto-incrementing rowid.
    id: int | None = Field(
        default=None, primary_key=True, sa_type=sa.BigInteger().with_variant(sa.Integer, "sqlite")
    )
    athlete_id: int = Field(sa_column_args=[_fk_athlete()])
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(sa_type=sa.String(48))
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDict)


class CoachLink(_Base, table=True):
    """A one-time invite that binds a coach group chat to an athlete."""

    __tablename__ = "coach_links"
    __table_args__ = (sa.Index(None, "token", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(sa_type=sa.String(64))
    athlete_id: int = Field(sa_column_args=[_fk_athlete()], index=True)
    group_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)
    share_level: ShareLevel = Field(sa_type=StrEnumType(ShareLevel))
    created_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: When the group's next daily status and weekly digest are due (set while the link is
    #: live, ``NULL`` otherwise), so the ticker's due query walks an index, as for check-ins.
    next_status_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    next_digest_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)

    @property
    def usable(self) -> bool:
        """Whether the invite can still be redeemed."""
        return self.used_at is None and self.revoked_at is None

    @property
    def live(self) -> bool:
        """Whether a group is bound to it and it was not revoked (the group hears news)."""
        return self.group_chat_id is not None and self.revoked_at is None


class CoachPostKind(StrEnum):
    """What a coach group is sent on its own schedule (alerts of decisions go out at once)."""

    STATUS = "status"  # the daily status
    DIGEST = "digest"  # the weekly digest
    MISSED = "missed"  # a check-in was missed (at most one alert per local day)


class CoachPostStatus(StrEnum):
    """pending -> sending -> sent | failed. A crash while ``sending`` leaves the row there:
    a status message is sent at most once, never twice."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    #: Not sent on its own: folded into the group's daily status of the same day (a silent
    #: athlete gives a coach one post a day, not an alert and then a status).
    MERGED = "merged"


class CoachPost(_Base, table=True):
    """One message to a coach group. ``(link_id, kind, local_date)`` is unique: one daily
    status, one digest and one missed-check-in alert per athlete-local day and group, across
    restarts and workers (the same outbox shape as check-ins: rows, not jobs)."""

    __tablename__ = "coach_posts"
    __table_args__ = (
        sa.Index(None, "link_id", "kind", "local_date", unique=True),
        sa.Index(None, "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(sa_column_args=[sa.ForeignKey("coach_links.id", ondelete="CASCADE")])
    kind: CoachPostKind = Field(sa_type=StrEnumType(CoachPostKind))
    local_date: date
    status: CoachPostStatus = Field(
        default=CoachPostStatus.PENDING, sa_type=StrEnumType(CoachPostStatus)
    )
    due_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDict)


class EducationLog(_Base, table=True):
    """Which education snippet went to whom on which local date (the no-repeat rule)."""

    __tablename__ = "education_log"
    __table_args__ = (sa.Index(None, "athlete_id", "snippet_id", "sent_on", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    athlete_id: int = Field(sa_column_args=[_fk_athlete()])
    snippet_id: str = Field(sa_type=sa.String(64))
    sent_on: date


class ConsentKind(StrEnum):
    """What a consent-log row records."""

    GIVEN = "given"  # agreed to the data use (onboarding, or again after withdrawing)
    WITHDRAWN = "withdrawn"  # withdrew it (/privacy): processing stops at once
    SHARE_GRANTED = "share_granted"  # a coach group was linked at a share level
    SHARE_REVOKED = "share_revoked"  # a coach group's link was revoked
    CLINICIAN_LINKED = "clinician_linked"  # a clinician opened the athlete's link
    CLINICIAN_UNLINKED = "clinician_unlinked"  # the athlete unlinked their clinician


class ConsentRecord(_Base, table=True):
    """Append-only consent log: every consent and share change, with its instant.

    ``scope`` names what the change is about (``data_use``, ``coach_group:<chat id>``,
    ``clinician:<link id>``); ``detail`` holds the share level, the group's title, the
    clinician's name, or the wording version agreed to.
    """

    __tablename__ = "consent_log"
    __table_args__ = (sa.Index(None, "athlete_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    athlete_id: int = Field(sa_column_args=[_fk_athlete()])
    at: datetime = Field(sa_type=UTCDateTime)
    kind: ConsentKind = Field(sa_type=StrEnumType(ConsentKind, 32))
    scope: str = Field(sa_type=sa.String(64))
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDict)


class ClinicianLink(_Base, table=True):
    """An athlete's one-time invite for their clinician, and the link it becomes.

    Only a SHA-256 hash of the invite token is stored (the token itself lives in the link the
    athlete forwards), so a database leak cannot be replayed into a clinician link. Opening the
    link in a private chat binds ``clinician_user_id`` once (``used_at``); it expires at
    ``expires_at`` if unused. ``revoked_at`` is set when the athlete unlinks the clinician.
    """

    __tablename__ = "clinician_links"
    __table_args__ = (sa.Index(None, "token_hash", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    athlete_id: int = Field(sa_column_args=[_fk_athlete()], index=True)
    token_hash: str = Field(sa_type=sa.String(64))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    clinician_user_id: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)
    clinician_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    clinician_name: str | None = Field(default=None, sa_type=sa.String(128))

    @property
    def live(self) -> bool:
        """Whether a clinician is bound to it and the athlete has not unlinked them."""
        return self.clinician_user_id is not None and self.revoked_at is None


class SendPacing(_Base, table=True):
    """One flood bucket shared by every worker: a GCRA theoretical arrival time in epoch
    seconds on the database's clock. Key 0 is the bot's global bucket, other keys are chat
    ids. Written only by the ``remodel_pace`` SQL function (bot/sending/shared_pacer.py)."""

    __tablename__ = "send_pacing"

    # A chat id under another name: flagged so erasure (bot/storage/ownership.py) removes it.
    key: int = Field(
        sa_type=sa.BigInteger,
        primary_key=True,
        sa_column_kwargs={"autoincrement": False, "info": {"telegram_id": True}},
    )
    tat: float


class HandledUpdate(_Base, table=True):
    """A Telegram update handled by some worker, so that a copy Telegram delivers again is
    acknowledged, not handled twice (bot/receiving/ledger.py; PostgreSQL only, kept two
    days). An update id alone says nothing about whom it came from."""

    __tablename__ = "handled_updates"

    update_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    handled_at: datetime = Field(sa_type=UTCDateTime, index=True)


class PolledUpdate(_Base, table=True):
    """An update fetched by long polling and not handled yet (bot/receiving/inbox.py): kept
    so that a crash between Telegram confirming it and the bot handling it loses nothing.
    Deleted once handled; what a crash leaves is handled at the next start."""

    __tablename__ = "polled_updates"

    update_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    #: The update as Telegram sent it (it may carry an answer: health data, kept only until
    #: handled).
    body: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDict)
    received_at: datetime = Field(sa_type=UTCDateTime)
