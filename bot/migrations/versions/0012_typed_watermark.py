"""The last text acted on, per athlete: a copy of it is never the answer to a later question.

Revision ID: 0012_typed_watermark
Revises: 0011_polled_updates
Create Date: 2026-12-07

Until now the message id of the last typed answer was kept in the dialogue's answers
(``_typed``), so a copy of a text delivered again after its dialogue ended (a crash before the
update was acknowledged, a polled update replayed) was taken as the next dialogue's answer.
``athletes.last_typed_message_id`` holds it across dialogues; it starts from the open
dialogues' ``_typed``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_typed_watermark"
down_revision: str | None = "0011_polled_updates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.add_column(sa.Column("last_typed_message_id", sa.BigInteger(), nullable=True))
    dialogues = sa.table(
        "dialogues", sa.column("athlete_id", sa.Integer()), sa.column("answers", sa.JSON())
    )
    athletes = sa.table(
        "athletes", sa.column("id", sa.Integer()), sa.column("last_typed_message_id", sa.BigInteger())
    )
    bind = op.get_bind()
    # Read in Python: JSON paths differ between SQLite and PostgreSQL, and there is at most
    # one open dialogue per athlete.
    for athlete_id, answers in bind.execute(sa.select(dialogues.c.athlete_id, dialogues.c.answers)):
        typed = (answers or {}).get("_typed")
        if typed:
            bind.execute(
                athletes.update()
                .where(athletes.c.id == athlete_id)
                .values(last_typed_message_id=int(typed))
            )


def downgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.drop_column("last_typed_message_id")
