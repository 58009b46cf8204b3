"""Telegram handlers, one small module per concern, registered by :func:`register`.

Order matters: commands first, then our callback data (answers, menus, anything else is
stale), then text (answers or a pointer), then everything else in a private chat.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.handlers import (
    answers,
    checkin,
    clearance,
    clinician,
    coach,
    coach_group,
    commands,
    erasure,
    errors,
    export,
    learn,
    menus,
    onboarding,
    privacy,
    progress,
    readiness,
    report,
    settings,
    symptoms,
)

COMMANDS: dict[str, Any] = {
    "start": onboarding.on_start,
    "today": commands.on_today,
    "checkin": checkin.on_checkin_command,
    "symptom": symptoms.on_symptom,
    "learn": learn.on_learn,
    "progress": progress.on_progress,
    "report": report.on_report,
    "pause": commands.on_pause,
    "resume": commands.on_resume,
    "timezone": settings.on_timezone,
    "settings": settings.on_settings,
    "clearance": clearance.on_clearance,
    "readiness": readiness.on_readiness,
    "coach": coach.on_coach,
    "clinician": clinician.on_clinician,
    "athletes": clinician.on_athletes,
    "privacy": privacy.on_privacy,
    "export": export.on_export,
    "delete": erasure.on_delete,
    "help": commands.on_help,
    "support": commands.on_support,
    "stop": commands.on_stop,
}

#: The handler group of :func:`bot.handlers.privacy.guard` (runs before group 0).
GUARD_GROUP = -1

#: The commands of the menu (setMyCommands), in menu order; descriptions: bot.yaml commands.*
MENU = (
    "today",
    "checkin",
    "symptom",
    "learn",
    "progress",
    "report",
    "pause",
    "resume",
    "timezone",
    "settings",
    "clearance",
    "readiness",
    "coach",
    "clinician",
    "help",
    "privacy",
    "export",
    "delete",
    "stop",
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler and the error handler to ``application``."""
    private = filters.ChatType.PRIVATE
    # New messages only: an edited message must not count as a second answer.
    new = filters.UpdateType.MESSAGE
    # Before everything else: an athlete who withdrew consent reaches only the rights
    # commands (answer presses need no check: withdrawing ended the dialogue).
    application.add_handler(
        MessageHandler(new & filters.COMMAND & private, privacy.guard), group=GUARD_GROUP
    )
    application.add_handler(
        CallbackQueryHandler(privacy.guard, pattern=r"^(?!v1:a:)"), group=GUARD_GROUP
    )
    # A coach group's own commands first: the private ones below do not answer in groups.
    application.add_handler(
        CommandHandler(
            list(coach_group.GROUP_COMMANDS),
            coach_group.on_group_command,
            filters=new & filters.ChatType.GROUPS,
        )
    )
    for name, callback in COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=new))
    application.add_handler(
        ChatMemberHandler(coach.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, coach.on_migrate))
    application.add_handler(CallbackQueryHandler(answers.on_press, pattern=r"^v1:a:"))
    application.add_handler(CallbackQueryHandler(menus.on_menu))
    application.add_handler(
        MessageHandler(new & filters.COMMAND & private, commands.on_unknown_command)
    )
    application.add_handler(MessageHandler(new & filters.TEXT & private, answers.on_text))
    application.add_handler(
        MessageHandler(new & private & ~filters.StatusUpdate.ALL, answers.on_media)
    )
    application.add_error_handler(errors.on_error)
