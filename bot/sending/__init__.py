"""Sending to Telegram: flood-limit pacing, the error policy, and token redaction in logs.

A send from a handler or the ticker looks like::

    outcome = await send_with_policy(
        lambda: bot.send_message(chat_id, text, parse_mode="HTML"),
        chat_id=chat_id,
        pacer=pacer,
    )
    if outcome.status is SendStatus.BLOCKED: ...   # deactivate the athlete
"""

from bot.sending.pacer import FloodPacer, Pacer, RateLimiter
from bot.sending.policy import SendOutcome, SendStatus, retry_after_seconds, send_with_policy
from bot.sending.redaction import (
    REDACTED,
    TOKEN_PATTERN,
    RedactTokenFilter,
    install_token_redaction,
    redact,
)
from bot.sending.shared_pacer import SharedPacer, shared_pacer_for

__all__ = [
    "REDACTED",
    "TOKEN_PATTERN",
    "FloodPacer",
    "Pacer",
    "RateLimiter",
    "RedactTokenFilter",
    "SendOutcome",
    "SendStatus",
    "SharedPacer",
    "install_token_redaction",
    "redact",
    "retry_after_seconds",
    "send_with_policy",
    "shared_pacer_for",
]
