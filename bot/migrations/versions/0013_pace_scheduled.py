"""Shared send pacing: replies before scheduled sends.

Revision ID: 0013_pace_scheduled
Revises: 0012_typed_watermark
Create Date: 2026-12-07

The ticker's sends reserved global slots in turn with replies, so a reply to a tap made
while a 07:00 crowd was going out waited behind the crowd's reservations.
``remodel_pace`` gains an eighth argument, ``p_global_spare`` (seconds of the global burst
to leave free): a scheduled send passes one interval, and is not ready (nothing reserved,
the wait returned as a negative delay, as for a chat not ready) while taking a slot now
would leave no token for a reply (``bot/sending/pacer.py``). The seven-argument function
stays, unchanged, for workers of the previous release during a rolling deploy;
``downgrade`` drops only the new one. PostgreSQL only, as in 0005.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_pace_scheduled"
down_revision: str | None = "0012_typed_watermark"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As 0009's, with the spare check on the global bucket before anything is reserved. The
# chat's row is locked first and the global row second, as in 0009, so the two functions
# never wait for each other in a cycle.
PACE = """
CREATE OR REPLACE FUNCTION remodel_pace(
    p_chat bigint, p_hold bigint, p_chat_interval float8, p_chat_tolerance float8,
    p_global_interval float8, p_global bigint, p_global_tolerance float8,
    p_global_spare float8
) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    now_s float8 := extract(epoch FROM clock_timestamp());
    chat_tat float8;
    global_tat float8;
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
    IF p_global_spare > 0 THEN
        SELECT tat INTO global_tat FROM send_pacing WHERE key = p_global FOR UPDATE;
        ready := coalesce(global_tat, now_s) - p_global_tolerance + p_global_spare;
        IF ready > now_s THEN
            RETURN now_s - ready;
        END IF;
    END IF;
    INSERT INTO send_pacing AS p (key, tat) VALUES (p_global, now_s + p_global_interval)
        ON CONFLICT (key) DO UPDATE
        SET tat = greatest(p.tat, now_s) + p_global_interval
        RETURNING p.tat - p_global_interval - p_global_tolerance INTO slot;
    slot := greatest(slot, now_s);
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PACE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS "
            "remodel_pace(bigint, bigint, float8, float8, float8, bigint, float8, float8)"
        )
