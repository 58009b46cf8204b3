"""Handled updates: the ids of updates handled, so a copy is not handled twice.

Revision ID: 0010_handled_updates
Revises: 0009_pace_burst
Create Date: 2026-12-07

Telegram delivers an update again when its webhook request failed or took too long, often
to another worker; ``bot/receiving/ledger.py`` records each id handled (PostgreSQL only;
the table exists on both, to keep one schema) and prunes ids older than two days.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_handled_updates"
down_revision: str | None = "0009_pace_burst"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handled_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handled_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_handled_updates_handled_at", "handled_updates", ["handled_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_updates_handled_at", table_name="handled_updates")
    op.drop_table("handled_updates")
