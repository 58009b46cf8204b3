"""Every Bot API call that sends or edits goes through the pacer.

Messages are sent by :func:`bot.sending.policy.send_with_policy`, which takes a slot of the
pacer (chat and global buckets) and retries by the error policy. Everything else that puts
something on a user's screen — edits, callback answers (the press's toast), ``leaveChat``,
deletions — used to go straight to Telegram. :class:`PacingRateLimiter` is plugged into PTB
(``ApplicationBuilder.rate_limiter``), so *every* request of the bot passes through it:

* a call already paced by ``send_with_policy`` (the :data:`~bot.sending.policy.PACED` flag) goes
  through untouched: never paced twice;
* a message endpoint (``send*``, ``copyMessage``, ``forwardMessage``) not sent through the
  policy takes a message slot (a new call site cannot bypass the budget);
* another endpoint that sends or edits takes a global slot (:meth:`Pacer.wait_call`): Telegram's
  per-chat limit counts messages, while the bot's total counts every such call; a ``RetryAfter``
  holds the chat and the call is retried once (it is best effort for its callers);
* a callback answer (``answerCallbackQuery``, the toast that stops the spinner of the user's
  own press) takes **no** slot: it names no chat, comes one per tap the user made, and is the
  first thing the user waits for. Charged to the calls' 30/s bucket, the toasts of twenty
  athletes double-tapping at human pace filled it on their own, and every press's edit queued
  behind them for up to 2.5 s (bench/multiworker.py's light load). PTB's reference limiter
  (``AIORateLimiter``) likewise paces only calls that name a chat. A ``RetryAfter`` on one is
  still honoured: counted, waited out and retried once;
* reads (``getMe``, ``getUpdates``, ``getChat``...) and set-up calls are not paced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.metrics import FLOOD_WAITS
from bot.sending.pacer import Pacer
from bot.sending.policy import PACED, paced_wait, retry_after_seconds
from bot.update_timing import mark

__all__ = ["CALL_ENDPOINTS", "PRESS_ANSWERS", "PacingRateLimiter"]

#: Endpoints that change what a user sees without sending a message: one global slot each.
CALL_ENDPOINTS = frozenset(
    {
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "editMessageMedia",
        "deleteMessage",
        "deleteMessages",
        "leaveChat",
        "pinChatMessage",
        "unpinChatMessage",
        "sendChatAction",
        "setMessageReaction",
    }
)

#: Answers to the user's own press: through the hook, but no slot (see the module docstring).
PRESS_ANSWERS = frozenset({"answerCallbackQuery"})

_Result = bool | dict[str, Any] | list[dict[str, Any]]


def _is_message(endpoint: str) -> bool:
    return (endpoint.startswith("send") and endpoint != "sendChatAction") or endpoint in (
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    )


def _chat_of(data: dict[str, Any]) -> int:
    """The chat a request goes to (0, the global bucket only, when it names none: a callback
    answer carries only the query id)."""
    chat = data.get("chat_id")
    try:
        return int(chat) if chat is not None else 0
    except (TypeError, ValueError):  # an @channel username: pace it globally
        return 0


async def _marked(endpoint: str, call: Awaitable[_Result]) -> _Result:
    """``call``'s result, with the moment Telegram answered marked on the update's timing."""
    try:
        return await call
    finally:
        mark(f"sent {endpoint}")


class PacingRateLimiter(BaseRateLimiter[None]):
    """PTB's rate-limiter hook, answered by the bot's :class:`~bot.sending.pacer.Pacer`."""

    def __init__(
        self, pacer: Pacer, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> None:
        self.pacer = pacer
        self.paced_calls = 0
        self._sleep = sleep

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, _Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> _Result:
        if PACED.get():  # paced by bot.sending.policy already
            return await _marked(endpoint, callback(*args, **kwargs))
        chat = _chat_of(data)
        if _is_message(endpoint):
            self.paced_calls += 1
            await paced_wait(self.pacer.wait, chat, "message", f"paced {endpoint}")
            return await _marked(endpoint, callback(*args, **kwargs))
        if endpoint in PRESS_ANSWERS:
            try:
                return await _marked(endpoint, callback(*args, **kwargs))
            except RetryAfter as exc:
                FLOOD_WAITS.inc()
                await self._sleep(retry_after_seconds(exc))
                return await callback(*args, **kwargs)
        if endpoint not in CALL_ENDPOINTS:
            return await callback(*args, **kwargs)
        self.paced_calls += 1
        await paced_wait(self.pacer.wait_call, chat, "call", f"paced {endpoint}")
        try:
            return await _marked(endpoint, callback(*args, **kwargs))
        except RetryAfter as exc:
            FLOOD_WAITS.inc()
            self.pacer.hold(chat, retry_after_seconds(exc))
            await self.pacer.wait_call(chat)
            return await callback(*args, **kwargs)
