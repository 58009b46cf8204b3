"""Shared send pacing: the flood buckets of all workers in one table (PostgreSQL).

Revision ID: 0005_send_pacing
Revises: 0004_language_code
Create Date: 2026-11-27

``send_pacing`` holds one GCRA "theoretical arrival time" per key (0 = the bot's global
bucket, a chat id for a chat's bucket), in seconds since the epoch on the database's clock.
``remodel_pace(...)`` reserves a slot atomically in one round trip; see
``bot/sending/shared_pacer.py``. SQLite runs one process and never calls it, so the function
exists on PostgreSQL only (the table exists on both, to keep one schema).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_send_pacing"
down_revision: str | None = "0004_language_code"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Returns the delay in seconds until the reserved slot (>= 0), or, when the chat itself is
# not ready, minus the seconds until it is (< 0) with nothing reserved: a chat held back never
# occupies a global slot that other chats could use (the same rule as the in-process pacer).
# p_chat = 0 reserves a global slot only (edits, callback answers), in the global bucket
# p_global (0 for messages, the calls' own key for the rest). p_hold names a row that
# holds the chat after a RetryAfter (its key is the chat id + 2^60, see shared_pacer.py): while
# its instant is in the future, nothing is reserved either.
PACE = """
CREATE OR REPLACE FUNCTION remodel_pace(
    p_chat bigint, p_hold bigint, p_chat_interval float8, p_chat_tolerance float8,
    p_global_interval float8, p_global bigint
) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    now_s float8 := extract(epoch FROM clock_timestamp());
    chat_tat float8;
    ready float8;
    slot float8;
BEGIN
    IF p_hold <> 0 THEN
        SELECT tat INTO ready FROM send_pacing WHERE key = p_hold;
        IF ready > now_s THEN
            RETURN now_s - ready;
        END IF;
    END IF;
    IF p_chat <> 0 THEN
        SELECT tat INTO chat_tat FROM send_pacing WHERE key = p_chat FOR UPDATE;
        ready := greatest(now_s, coalesce(chat_tat, now_s) - p_chat_tolerance);
        IF ready > now_s THEN
            RETURN now_s - ready;
        END IF;
    END IF;
    INSERT INTO send_pacing AS p (key, tat) VALUES (p_global, now_s + p_global_interval)
        ON CONFLICT (key) DO UPDATE SET tat = greatest(p.tat, now_s) + p_global_interval
        RETURNING p.tat - p_global_interval INTO slot;
    IF p_chat <> 0 THEN
        INSERT INTO send_pacing AS p (key, tat) VALUES (p_chat, slot + p_chat_interval)
            ON CONFLICT (key) DO UPDATE SET tat = greatest(p.tat, slot) + p_chat_interval;
    END IF;
    -- Chats idle for a minute carry no information (a full bucket): forget some now and then.
    IF random() < 0.001 THEN
        DELETE FROM send_pacing WHERE key <> 0 AND key <> p_global AND tat < now_s - 60;
    END IF;
    RETURN slot - now_s;
END
$$;
"""


def upgrade() -> None:
    op.create_table(
        "send_pacing",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PACE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS remodel_pace(bigint, bigint, float8, float8, float8, bigint)"
        )
    op.drop_table("send_pacing")
