"""Athletes: the Telegram client's language_code, as the athlete's app sends it.

``language`` stays the content language we answer in; ``language_code`` (e.g. "pt-BR")
is what Telegram reports, kept so a language added to content/ can be chosen for the
athletes who already use it (docs/content-format.md, "Adding a language").

Revision ID: 0004_language_code
Revises: 0003_checkin_cadence
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_language_code"
down_revision: str | None = "0003_checkin_cadence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.add_column(sa.Column("language_code", sa.String(35), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.drop_column("language_code")
