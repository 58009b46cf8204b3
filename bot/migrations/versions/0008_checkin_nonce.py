"""Check-ins: the nonce of the dialogue that asked them.

A press on a check-in whose dialogue has ended finds no dialogue row any more; the check-in
row keeps its nonce, so the press can be told apart: the second tap of a check-in's last
button (the check-in was answered: "already recorded") from a press on a check-in that
closed unanswered ("not recorded").

Revision ID: 0008_checkin_nonce
Revises: 0007_distance_unit
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_checkin_nonce"
down_revision: str | None = "0007_distance_unit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("nonce", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("nonce")
