"""Storage: the database is the only source of truth (see ``docs/storage.md``).

Typical use from a handler::

    async with store.transaction() as session:
        athlete, created = await get_or_create_athlete(
            session, telegram_user_id=user.id, chat_id=chat.id, now=clock.now()
        )
        dialogue = await get_dialogue(session, athlete.id)
        ...

Every repository function takes the session first and ``now`` (from the injected clock) when it
writes a timestamp; none commits: the ``transaction()`` block does.
"""

from bot.storage.athletes import (
    get_athlete,
    get_athlete_by_telegram_id,
    get_or_create_athlete,
    save_athlete,
    set_active,
    set_paused,
    update_chat_id,
)
from bot.storage.checkins import (
    OPEN_STATUSES,
    create_checkin_if_absent,
    get_checkin,
    get_checkin_for,
    keep_partial_answers,
    list_checkins,
    mark_answered,
    mark_missed,
    mark_reminded,
    mark_sent,
    miss_open_checkins,
    open_checkins,
)
from bot.storage.coaching import (
    claim_coach_posts,
    create_coach_link,
    due_coach_links,
    finish_coach_post,
    links_for_athlete,
    links_for_group,
    live_links_for_athlete,
    migrate_group_chat,
    queue_coach_post,
    queue_missed_alerts,
    redeem_coach_link,
    revoke_coach_link,
    revoke_links,
)
from bot.storage.dialogues import (
    NONCE_LENGTH,
    KeyboardMark,
    advance_dialogue,
    clear_dialogue,
    get_answering,
    get_dialogue,
    new_nonce,
    save_dialogue,
    set_keyboard_messages,
    start_dialogue,
)
from bot.storage.engine import Store, create_engine, is_postgres, is_sqlite
from bot.storage.group_commit import GroupCommit
from bot.storage.journal import (
    EventKind,
    append_event,
    education_since,
    list_clearances,
    list_events,
    log_education,
    record_clearance,
)
from bot.storage.migrate import current_revision, head_revision, upgrade
from bot.storage.models import (
    Athlete,
    Checkin,
    CheckinStatus,
    Clearance,
    CoachLink,
    CoachPost,
    CoachPostKind,
    CoachPostStatus,
    Dialogue,
    DialogueKind,
    EducationLog,
    Event,
    ShareLevel,
    Slot,
    metadata,
)

__all__ = [
    "NONCE_LENGTH",
    "OPEN_STATUSES",
    "Athlete",
    "Checkin",
    "CheckinStatus",
    "Clearance",
    "CoachLink",
    "CoachPost",
    "CoachPostKind",
    "CoachPostStatus",
    "Dialogue",
    "DialogueKind",
    "EducationLog",
    "Event",
    "EventKind",
    "GroupCommit",
    "KeyboardMark",
    "ShareLevel",
    "Slot",
    "Store",
    "advance_dialogue",
    "append_event",
    "claim_coach_posts",
    "clear_dialogue",
    "create_checkin_if_absent",
    "create_coach_link",
    "create_engine",
    "current_revision",
    "due_coach_links",
    "education_since",
    "finish_coach_post",
    "get_answering",
    "get_athlete",
    "get_athlete_by_telegram_id",
    "get_checkin",
    "get_checkin_for",
    "get_dialogue",
    "get_or_create_athlete",
    "head_revision",
    "is_postgres",
    "is_sqlite",
    "keep_partial_answers",
    "links_for_athlete",
    "links_for_group",
    "list_checkins",
    "list_clearances",
    "list_events",
    "live_links_for_athlete",
    "log_education",
    "mark_answered",
    "mark_missed",
    "mark_reminded",
    "mark_sent",
    "metadata",
    "migrate_group_chat",
    "miss_open_checkins",
    "new_nonce",
    "open_checkins",
    "queue_coach_post",
    "queue_missed_alerts",
    "record_clearance",
    "redeem_coach_link",
    "revoke_coach_link",
    "revoke_links",
    "save_athlete",
    "save_dialogue",
    "set_active",
    "set_keyboard_messages",
    "set_paused",
    "start_dialogue",
    "update_chat_id",
    "upgrade",
]
