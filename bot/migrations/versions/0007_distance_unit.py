"""Athletes: the unit they gave their weekly volume in ("km", "mi").

The volume stays stored in kilometres; plan targets are shown in this unit, so an athlete
who answered "25 miles" reads miles (issue 9, item 4).

Revision ID: 0007_distance_unit
Revises: 0006_rights
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_distance_unit"
down_revision: str | None = "0006_rights"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.add_column(sa.Column("distance_unit", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.drop_column("distance_unit")
