"""The athlete's rights: consent log, clinician links, who confirmed a clearance.

Revision ID: 0006_rights
Revises: 0005_send_pacing
Create Date: 2026-03-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_rights"
down_revision: str | None = "0005_send_pacing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.add_column(sa.Column("consent_withdrawn_at", UTC_TS, nullable=True))

    op.create_table(
        "consent_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TS, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name="fk_consent_log_athlete_id_athletes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_consent_log"),
    )
    op.create_index("ix_consent_log_athlete_id_at", "consent_log", ["athlete_id", "at"])

    op.create_table(
        "clinician_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("expires_at", UTC_TS, nullable=False),
        sa.Column("used_at", UTC_TS, nullable=True),
        sa.Column("revoked_at", UTC_TS, nullable=True),
        sa.Column("clinician_user_id", sa.BigInteger(), nullable=True),
        sa.Column("clinician_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("clinician_name", sa.String(128), nullable=True),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name="fk_clinician_links_athlete_id_athletes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_clinician_links"),
    )
    op.create_index(
        "ix_clinician_links_token_hash", "clinician_links", ["token_hash"], unique=True
    )
    op.create_index("ix_clinician_links_athlete_id", "clinician_links", ["athlete_id"])
    op.create_index(
        "ix_clinician_links_clinician_user_id", "clinician_links", ["clinician_user_id"]
    )

    with op.batch_alter_table("clearances") as batch:
        batch.add_column(
            sa.Column("source", sa.String(16), nullable=False, server_default="athlete")
        )
        batch.add_column(sa.Column("clinician_link_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("confirmed_by", sa.String(128), nullable=True))
        batch.create_foreign_key(
            "fk_clearances_clinician_link_id_clinician_links",
            "clinician_links",
            ["clinician_link_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("clearances") as batch:
        batch.drop_constraint("fk_clearances_clinician_link_id_clinician_links", type_="foreignkey")
        batch.drop_column("confirmed_by")
        batch.drop_column("clinician_link_id")
        batch.drop_column("source")
    op.drop_table("clinician_links")
    op.drop_table("consent_log")
    with op.batch_alter_table("athletes") as batch:
        batch.drop_column("consent_withdrawn_at")
