"""Polled updates: kept from fetching until handled, so a crash in polling loses nothing.

Revision ID: 0011_polled_updates
Revises: 0010_handled_updates
Create Date: 2026-12-07

``getUpdates`` confirms a batch as soon as python-telegram-bot asks for the next one, while
the batch is still being handled; ``bot/receiving/inbox.py`` keeps each polled update here
until it is handled, and handles what a crash left at the next start.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_polled_updates"
down_revision: str | None = "0010_handled_updates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "polled_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )


def downgrade() -> None:
    op.drop_table("polled_updates")
