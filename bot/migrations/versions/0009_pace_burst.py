"""Shared send pacing: a short global burst (``[sending] global_burst``).

Revision ID: 0009_pace_burst
Revises: 0008_checkin_nonce
Create Date: 2026-12-07

The global buckets were strictly spaced (one slot every 1/30 s), so at light load a reply
often waited a slot behind another athlete's send. ``remodel_pace`` gains the global bucket's
GCRA tolerance (seven arguments; ``bot/sending/shared_pacer.py`` passes ``(burst - 1) /
rate``). The six-argument function stays, unchanged, so workers of the previous release keep
pacing during a rolling deploy; ``downgrade`` drops only the new one. PostgreSQL only, as in
0005.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_pace_burst"
down_revision: str | None = "0008_checkin_nonce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As 0005's, with GCRA's tolerance on the global bucket: the theoretical arrival time moves
# as before (the later of it and now, plus one interval), and a slot goes at the later of now
# and the previous arrival time minus the tolerance: up to (tolerance / interval) + 1 sends
# back to back after a pause, then one per interval.
PACE = """
CREATE OR REPLACE FUNCTION remodel_pace(
    p_chat bigint, p_hold bigint, p_chat_interval float8, p_chat_tolerance float8,
    p_global_interval float8, p_global bigint, p_global_tolerance float8
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
            "remodel_pace(bigint, bigint, float8, float8, float8, bigint, float8)"
        )
