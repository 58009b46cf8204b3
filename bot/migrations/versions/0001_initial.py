"""Initial schema: athletes, dialogues, checkins, clearances, events, coach_links, education_log.

Revision ID: 0001_initial
Revises:
Create Date: 2025-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "athletes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(128), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("morning_time", sa.Time(), nullable=False),
        sa.Column("evening_time", sa.Time(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("onboarded", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("consent_at", UTC_TS, nullable=True),
        sa.Column("injury_site", sa.String(64), nullable=True),
        sa.Column("injury_grade", sa.String(64), nullable=True),
        sa.Column("diagnosis_date", sa.Date(), nullable=True),
        sa.Column("sport", sa.String(64), nullable=True),
        sa.Column("weekly_volume_km", sa.Float(), nullable=True),
        sa.Column("weight_bearing", sa.String(64), nullable=True),
        sa.Column("reds_answers", sa.JSON(), nullable=True),
        sa.Column("rehab_state", sa.JSON(), nullable=True),
        sa.Column("phase", sa.String(32), nullable=True),
        sa.Column("next_morning_due_at", UTC_TS, nullable=True),
        sa.Column("next_evening_due_at", UTC_TS, nullable=True),
        sa.Column("next_weekly_due_at", UTC_TS, nullable=True),
        sa.Column("next_due_at", UTC_TS, nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_athletes"),
    )
    op.create_index("ix_athletes_telegram_user_id", "athletes", ["telegram_user_id"], unique=True)
    op.create_index("ix_athletes_phase", "athletes", ["phase"])
    op.create_index("ix_athletes_next_morning_due_at", "athletes", ["next_morning_due_at"])
    op.create_index("ix_athletes_next_evening_due_at", "athletes", ["next_evening_due_at"])
    op.create_index("ix_athletes_next_weekly_due_at", "athletes", ["next_weekly_due_at"])
    op.create_index("ix_athletes_next_due_at", "athletes", ["next_due_at"])

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", UTC_TS, nullable=False),
        sa.Column("claimed_at", UTC_TS, nullable=True),
        sa.Column("sent_at", UTC_TS, nullable=True),
        sa.Column("remind_at", UTC_TS, nullable=True),
        sa.Column("reminded_at", UTC_TS, nullable=True),
        sa.Column("answered_at", UTC_TS, nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name="fk_checkins_athlete_id_athletes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_checkins"),
    )
    op.create_index(
        "ix_checkins_athlete_id_local_date_slot",
        "checkins",
        ["athlete_id", "local_date", "slot"],
        unique=True,
    )
    op.create_index("ix_checkins_status_due_at", "checkins", ["status", "due_at"])
    op.create_index("ix_checkins_remind_at", "checkins", ["remind_at"])

    op.create_table(
        "dialogues",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("question_id", sa.String(64), nullable=True),
        sa.Column("question_index", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("keyboard_message_id", sa.BigInteger(), nullable=True),
        sa.Column("nonce", sa.String(16), nullable=False),
        sa.Column("started_at", UTC_TS, nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name="fk_dialogues_athlete_id_athletes",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name="fk_dialogues_checkin_id_checkins",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("athlete_id", name="pk_dialogues"),
    )

    op.create_table(
        "clearances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("allows", sa.String(64), nullable=False),
        sa.Column("recorded_at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name="fk_clearances_athlete_id_athletes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_clearances"),
    )
    op.create_index("ix_clearances_athlete_id", "clearances", ["athlete_id"])

    op.create_table(
        "events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TS, nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name="fk_events_athlete_id_athletes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_athlete_id_at", "events", ["athlete_id", "at"])

    op.create_table(
        "coach_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("group_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("share_level", sa.String(16), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("used_at", UTC_TS, nullable=True),
        sa.Column("revoked_at", UTC_TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name="fk_coach_links_athlete_id_athletes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_coach_links"),
    )
    op.create_index("ix_coach_links_token", "coach_links", ["token"], unique=True)
    op.create_index("ix_coach_links_athlete_id", "coach_links", ["athlete_id"])
    op.create_index("ix_coach_links_group_chat_id", "coach_links", ["group_chat_id"])

    op.create_table(
        "education_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("snippet_id", sa.String(64), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name="fk_education_log_athlete_id_athletes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_education_log"),
    )
    op.create_index(
        "ix_education_log_athlete_id_snippet_id_sent_on",
        "education_log",
        ["athlete_id", "snippet_id", "sent_on"],
        unique=True,
    )


def downgrade() -> None:
    for table in (
        "education_log",
        "coach_links",
        "events",
        "clearances",
        "dialogues",
        "checkins",
        "athletes",
    ):
        op.drop_table(table)
