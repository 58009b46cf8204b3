"""Coach groups: due columns on coach_links and the coach_posts outbox.

Revision ID: 0002_coach_posts
Revises: 0001_initial
Create Date: 2026-03-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_coach_posts"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("coach_links") as batch:
        batch.add_column(sa.Column("next_status_at", UTC_TS, nullable=True))
        batch.add_column(sa.Column("next_digest_at", UTC_TS, nullable=True))
    op.create_index("ix_coach_links_next_status_at", "coach_links", ["next_status_at"])
    op.create_index("ix_coach_links_next_digest_at", "coach_links", ["next_digest_at"])

    op.create_table(
        "coach_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", UTC_TS, nullable=False),
        sa.Column("sent_at", UTC_TS, nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["coach_links.id"],
            name="fk_coach_posts_link_id_coach_links",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_coach_posts"),
    )
    op.create_index(
        "ix_coach_posts_link_id_kind_local_date",
        "coach_posts",
        ["link_id", "kind", "local_date"],
        unique=True,
    )
    op.create_index("ix_coach_posts_status_due_at", "coach_posts", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("coach_posts")
    op.drop_index("ix_coach_links_next_digest_at", table_name="coach_links")
    op.drop_index("ix_coach_links_next_status_at", table_name="coach_links")
    with op.batch_alter_table("coach_links") as batch:
        batch.drop_column("next_digest_at")
        batch.drop_column("next_status_at")
