"""Check-in cadence: the athlete's choice after graduation and the graduation day.

Revision ID: 0003_checkin_cadence
Revises: 0002_coach_posts
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_checkin_cadence"
down_revision: str | None = "0002_coach_posts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.add_column(sa.Column("checkin_cadence", sa.String(16), nullable=True))
        batch.add_column(sa.Column("graduated_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.drop_column("graduated_on")
        batch.drop_column("checkin_cadence")
