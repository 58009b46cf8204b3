"""The update kinds the bot asks for, and parsing that skips what it cannot read.

python-telegram-bot parses a ``getUpdates`` batch all at once: one update shaped like a newer
Bot API (a required field it does not know yet, a renamed one) raises for the whole batch, the
offset never moves past it and polling spins on it forever. :class:`TolerantBot` parses each
update on its own, logs the ones it cannot read by id and kind only (an update carries health
data), and moves the offset past them so Telegram forgets them.
"""

from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

from telegram import Bot, Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput, TimePeriod
from telegram.ext import ExtBot

from bot.receiving.inbox import PolledInbox

__all__ = ["ALLOWED_UPDATES", "TolerantBot", "describe_update", "parse_update"]

log = logging.getLogger(__name__)

#: The update kinds the handlers use (bot/handlers/__init__.py): messages (commands, typed
#: answers, media, group migrations), button presses, and the bot's own membership in chats.
#: Asking only for these means Telegram never sends kinds we would drop anyway (polls,
#: reactions, edits...), including kinds a newer Bot API adds.
ALLOWED_UPDATES: Final[tuple[str, ...]] = ("message", "callback_query", "my_chat_member")


def describe_update(data: object) -> str:
    """``update 12 (message)``: what may be logged about a raw update (never its content)."""
    if not isinstance(data, Mapping):
        return f"a non-object update ({type(data).__name__})"
    update_id = data.get("update_id")
    kinds = ",".join(sorted(str(k) for k in data if k != "update_id")) or "no kind"
    return f"update {update_id if isinstance(update_id, int) else '?'} ({kinds})"


def parse_update(data: object, bot: Bot | None) -> Update | None:
    """``data`` as an :class:`Update`, or None (logged once, ids only) when it cannot be read."""
    if not isinstance(data, dict):
        log.error("skipped %s: not a JSON object", describe_update(data))
        return None
    try:
        return Update.de_json(data, bot)
    except Exception as exc:  # any parsing failure: a newer shape must never stop the bot
        # The exception text names fields, never values; the payload is not logged.
        log.error(
            "skipped %s: this version of python-telegram-bot cannot parse it (%s: %s)",
            describe_update(data),
            type(exc).__name__,
            exc,
        )
        return None


class TolerantBot(ExtBot[Any]):
    """An ``ExtBot`` whose ``get_updates`` skips updates it cannot parse instead of failing.

    Contract: every update of a batch is either returned or logged and skipped once; the next
    call's ``offset`` is raised past the highest skipped id, so a skipped update is
    acknowledged (Telegram drops it) even when it was the last of its batch.
    """

    __slots__ = ("_inbox", "_skip_below")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._skip_below = 0
        # Where a polled batch is kept before it is returned (and so can be confirmed).
        self._inbox: PolledInbox | None = None

    def keep_polled_in(self, inbox: PolledInbox) -> None:
        """Long polling: keep every batch in ``inbox`` before returning it
        (bot/receiving/inbox.py)."""
        self._inbox = inbox

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: TimePeriod | None = None,  # noqa: ASYNC109 (the Bot API signature)
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        if self._skip_below and (offset is None or 0 <= offset < self._skip_below):
            # Everything below was returned or skipped: acknowledge the skipped ones too.
            offset = self._skip_below
        # Ask for the raw list (the superclass would parse the whole batch at once) by
        # calling the endpoint with the same arguments Bot.get_updates sends.
        data: JSONDict = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        # As Bot.get_updates: the long-poll timeout adds to the read timeout.
        if isinstance(read_timeout, DefaultValue):
            base_read_timeout: float = self._request[0].read_timeout or 0
        else:
            base_read_timeout = read_timeout or 0
        if isinstance(timeout, dtm.timedelta):
            total_read_timeout = base_read_timeout + timeout.total_seconds()
        else:
            total_read_timeout = base_read_timeout + (timeout or 0)
        result = await self._post(
            "getUpdates",
            data,
            read_timeout=total_read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        updates: list[Update] = []
        kept: list[dict[str, Any]] = []
        for raw in result if isinstance(result, list) else []:
            update = parse_update(raw, self)
            if update is None:
                raw_id = raw.get("update_id") if isinstance(raw, dict) else None
                if isinstance(raw_id, int):
                    self._skip_below = max(self._skip_below, raw_id + 1)
                continue
            kept.append(raw)
            self.insert_callback_data(update)
            updates.append(update)
        if self._inbox is not None:
            await self._inbox.keep(kept)
        return tuple(updates)
