"""Start-up Bot API calls that survive a passing failure.

One 5xx or hang on getMe, deleteWebhook, setWebhook or setMyCommands used to end the
process. :func:`retry_bootstrap` retries a network failure (``NetworkError``, which
includes ``TimedOut``, and a ``RetryAfter``) with exponential backoff; what retrying cannot
fix (a refused token, a bad request) is raised at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.sending.policy import retry_after_seconds

__all__ = ["retry_bootstrap"]

log = logging.getLogger(__name__)

T = TypeVar("T")


async def retry_bootstrap(
    call: Callable[[], Awaitable[T]],
    *,
    what: str,
    attempts: int = 6,
    base_delay: float = 0.5,
    max_delay: float = 15.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``await call()``, retried up to ``attempts`` times on network failures.

    Delays double from ``base_delay`` up to ``max_delay`` (a ``RetryAfter`` waits what it
    says). The last failure is raised when every attempt failed.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except BadRequest:  # a NetworkError subclass that retrying only repeats
            raise
        except RetryAfter as exc:
            if attempt == attempts:
                raise
            delay = retry_after_seconds(exc)
        except NetworkError as exc:
            if attempt == attempts:
                raise
            delay = min(max_delay, base_delay * 2 ** (attempt - 1))
            log.warning(
                "%s failed (%s: %s); attempt %d of %d, retrying in %.1fs",
                what,
                type(exc).__name__,
                exc.message,
                attempt,
                attempts,
                delay,
            )
        await sleep(delay)
    raise AssertionError("unreachable")  # the loop returns or raises
