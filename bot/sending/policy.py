"""Telegram error policy for one send: retry what is transient, report what is final.

=============================  ==============================================================
``RetryAfter``                 hold the chat in the pacer, wait ``retry_after``, retry
``BadRequest``                 ``FAILED`` (logged). Caught *before* ``NetworkError``: in PTB
                               ``BadRequest`` subclasses ``NetworkError``, and retrying a bad
                               request only repeats it.
``TimedOut`` / ``NetworkError`` retry with bounded exponential backoff, then ``FAILED``;
                               with ``at_most_once``, a failure after the request may have
                               reached Telegram ends at once with ``UNCERTAIN`` (see below)
``Forbidden``                  ``BLOCKED``: the user blocked the bot; the caller deactivates
``ChatMigrated``               ``MIGRATED`` with the new chat id; the caller stores it
other ``TelegramError``        ``FAILED`` (logged)
=============================  ==============================================================

Exceptions that are not ``TelegramError`` (programming errors) propagate.

Note: ``TimedOut`` means "no answer", not "not delivered": Telegram may deliver the message
after the time-out, and the Bot API has no idempotency key, so a retry can deliver it twice.
For plain messages we accept that over losing one. A *question* must not appear twice (a
late copy below the next question draws a typed answer meant for it, issue 13), so question
sends pass ``at_most_once=True``: a failure that may have come after the request reached
Telegram (a read or write time-out, a connection dropped mid-request) is not retried but
reported ``UNCERTAIN``; the caller treats the question as undelivered, and the athlete's next
text, press or the reminder asks it. Failures that prove the request was not acted on (no
connection made, no pool slot, an error status from the server) are retried as before.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Generic, TypeVar

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.metrics import FLOOD_WAITS, PACING_WAIT, SENDS
from bot.sending.pacer import BACKGROUND, Pacer
from bot.update_timing import mark, waited_in_background

__all__ = [
    "PACED",
    "SendOutcome",
    "SendStatus",
    "may_have_been_delivered",
    "paced_wait",
    "retry_after_seconds",
    "send_with_policy",
]

#: True while a call runs in a slot :func:`send_with_policy` took from the pacer (read by
#: :class:`bot.sending.limiter.PacingRateLimiter`, which paces every other sending call).
PACED: contextvars.ContextVar[bool] = contextvars.ContextVar("remodel_paced", default=False)

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class SendStatus(StrEnum):
    """What became of a send."""

    SENT = "sent"
    BLOCKED = "blocked"
    MIGRATED = "migrated"
    FAILED = "failed"
    #: Only with ``at_most_once``: the request may or may not have been delivered (no answer
    #: came), and was not sent again.
    UNCERTAIN = "uncertain"


@dataclass(frozen=True, slots=True)
class SendOutcome(Generic[T_co]):
    """The result of :func:`send_with_policy` (or of a ticker send callback).

    ``value`` is what the call returned when ``SENT`` (e.g. the ``telegram.Message``);
    ``new_chat_id`` is set when ``MIGRATED``; ``error`` is a short description otherwise.
    ``message_id`` lets a ticker callback report the id of the message it sent.
    """

    status: SendStatus
    value: T_co | None = None
    new_chat_id: int | None = None
    error: str | None = None
    message_id: int | None = None

    @classmethod
    def sent(cls, value: T_co | None = None, *, message_id: int | None = None) -> SendOutcome[T_co]:
        """A successful send."""
        if message_id is None:
            message_id = getattr(value, "message_id", None)
        return cls(SendStatus.SENT, value=value, message_id=message_id)

    @classmethod
    def blocked(cls, error: str = "forbidden") -> SendOutcome[T_co]:
        """The user blocked the bot (or the chat is gone)."""
        return cls(SendStatus.BLOCKED, error=error)

    @classmethod
    def migrated(cls, new_chat_id: int) -> SendOutcome[T_co]:
        """The group became a supergroup with ``new_chat_id``."""
        return cls(SendStatus.MIGRATED, new_chat_id=new_chat_id)

    @classmethod
    def failed(cls, error: str) -> SendOutcome[T_co]:
        """A final failure (bad request, retries exhausted)."""
        return cls(SendStatus.FAILED, error=error)

    @classmethod
    def uncertain(cls, error: str) -> SendOutcome[T_co]:
        """No answer to a request that may have been delivered, not sent again."""
        return cls(SendStatus.UNCERTAIN, error=error)


#: Transport failures that prove the request never left: safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def may_have_been_delivered(exc: NetworkError) -> bool:
    """Whether the request that failed with ``exc`` may still be acted on by Telegram: the
    failure is a transport error after the connection was made (a read or write time-out, a
    connection dropped before the answer). An error status from the server (python-telegram-
    bot raises ``NetworkError`` for a 5xx) and a connection never made are not."""
    cause = exc.__cause__
    return isinstance(cause, httpx.TransportError) and not isinstance(cause, _NOT_SENT)


async def paced_wait(
    wait: Callable[[int], Awaitable[None]], chat_id: int, kind: str, label: str = "paced"
) -> None:
    """``await wait(chat_id)`` (a pacer's ``wait`` or ``wait_call``), measured: in
    ``remodel_pacing_wait_seconds`` (a message inside ``background_sends()`` as
    ``background``), and on the update's timing as ``label`` once the slot is ours, a
    background wait noted as one (bot/update_timing.py)."""
    background = BACKGROUND.get()
    started = time.perf_counter()
    with PACING_WAIT.labels("background" if background and kind == "message" else kind).time():
        await wait(chat_id)
    if background:
        waited_in_background(time.perf_counter() - started)
    mark(label)


def retry_after_seconds(exc: RetryAfter) -> float:
    """``exc.retry_after`` in seconds, whether PTB gives an ``int`` or a ``timedelta``."""
    with warnings.catch_warnings():
        # PTB 22 deprecates the int form; we accept both without the warning noise.
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def _describe(exc: TelegramError) -> str:
    return f"{type(exc).__name__}: {exc.message}"


async def send_with_policy(
    call: Callable[[], Awaitable[T]],
    *,
    chat_id: int,
    pacer: Pacer | None = None,
    max_network_attempts: int = 4,
    max_retry_after_attempts: int = 5,
    base_backoff: float = 0.5,
    max_backoff: float = 30.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    at_most_once: bool = False,
) -> SendOutcome[T]:
    """Run ``call`` (one Bot API request to ``chat_id``) under the pacer and the error policy.

    ``call`` is invoked once per attempt, so it must build its request afresh each time, e.g.
    ``lambda: bot.send_message(chat_id, text, ...)``. Never raises a ``TelegramError``.
    With ``at_most_once``, a network failure after which Telegram may still deliver the
    message (:func:`may_have_been_delivered`) returns ``UNCERTAIN`` instead of retrying.
    """
    network_failures = 0
    flood_waits = 0
    while True:
        if pacer is not None:
            await paced_wait(pacer.wait, chat_id, "message")
        token = PACED.set(pacer is not None)  # the bot's rate limiter must not pace it twice
        try:
            sent: SendOutcome[T] = SendOutcome.sent(await call())
            SENDS.labels("sent").inc()
            return sent
        except RetryAfter as exc:
            FLOOD_WAITS.inc()
            flood_waits += 1
            wait = retry_after_seconds(exc)
            log.warning("flood control on chat %s: retry after %.1fs", chat_id, wait)
            if flood_waits >= max_retry_after_attempts:
                SENDS.labels("failed").inc()
                return SendOutcome.failed(_describe(exc))
            if pacer is not None:
                pacer.hold(chat_id, wait)  # the next pacer.wait() sleeps it out
            else:
                await sleep(wait)
        except Forbidden as exc:
            log.info("chat %s is blocked or gone: %s", chat_id, exc.message)
            SENDS.labels("blocked").inc()
            return SendOutcome.blocked(_describe(exc))
        except ChatMigrated as exc:
            log.info("chat %s migrated to %s", chat_id, exc.new_chat_id)
            SENDS.labels("migrated").inc()
            return SendOutcome.migrated(exc.new_chat_id)
        except BadRequest as exc:  # must precede NetworkError: BadRequest subclasses it
            log.error("bad request to chat %s: %s", chat_id, exc.message)
            SENDS.labels("failed").inc()
            return SendOutcome.failed(_describe(exc))
        except NetworkError as exc:  # includes TimedOut
            if at_most_once and may_have_been_delivered(exc):
                log.warning(
                    "no answer to a send to chat %s (%s): not sent again", chat_id, _describe(exc)
                )
                SENDS.labels("uncertain").inc()
                return SendOutcome.uncertain(_describe(exc))
            network_failures += 1
            if network_failures >= max_network_attempts:
                log.error(
                    "giving up on chat %s after %d attempts: %s",
                    chat_id,
                    network_failures,
                    _describe(exc),
                )
                SENDS.labels("failed").inc()
                return SendOutcome.failed(_describe(exc))
            delay = min(max_backoff, base_backoff * 2 ** (network_failures - 1))
            log.warning(
                "network error to chat %s (%s); retry in %.1fs", chat_id, _describe(exc), delay
            )
            await sleep(delay)
        except TelegramError as exc:
            log.error("send to chat %s failed: %s", chat_id, _describe(exc))
            SENDS.labels("failed").inc()
            return SendOutcome.failed(_describe(exc))
        finally:
            PACED.reset(token)
