"""Keep secrets and health data out of logs, at every level.

The token appears in every Bot API URL (``https://api.telegram.org/bot<token>/sendMessage``),
and httpx logs request URLs at INFO. :class:`RedactTokenFilter` rewrites every record that goes
through a handler: the formatted message, the exception text and the stack text. It removes the
configured token(s), the secrets registered with :func:`add_secret` (a webhook secret made at
start-up) and anything else shaped like a bot token.

Answers are health data. python-telegram-bot logs whole payloads at DEBUG (``Calling Bot API
endpoint `sendMessage` with parameters {...}``, ``Processing update Update(...)``, the webhook
body) and at CRITICAL when parsing fails. In records of the ``telegram`` loggers the filter
replaces every structured argument (mapping, sequence, Telegram object, JSON text) with a
placeholder that keeps only the update id, so ``-v`` shows which calls ran, never what they
carried.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Final

from telegram import TelegramObject

__all__ = [
    "PAYLOAD",
    "REDACTED",
    "TOKEN_PATTERN",
    "RedactTokenFilter",
    "add_secret",
    "install_token_redaction",
    "redact",
    "runtime_secrets",
    "summarize_argument",
]

REDACTED: Final = "<redacted>"
#: What a bot token looks like: numeric bot id, colon, 30+ URL-safe characters.
TOKEN_PATTERN: Final = re.compile(r"\d{3,}:[A-Za-z0-9_-]{30,}")
PAYLOAD: Final = "<payload redacted>"

#: Secrets known only at run time (a generated webhook secret), redacted by every filter.
_RUNTIME_SECRETS: set[str] = set()


def add_secret(secret: str) -> None:
    """Redact ``secret`` from every record that any :class:`RedactTokenFilter` sees from now."""
    if secret:
        _RUNTIME_SECRETS.add(secret)


def runtime_secrets() -> tuple[str, ...]:
    """The secrets registered with :func:`add_secret` (for redaction outside logging)."""
    return tuple(_RUNTIME_SECRETS)


def summarize_argument(value: object) -> object:
    """A log argument of python-telegram-bot with its payload removed (see the module doc);
    the error tracker (bot/observability.py) uses the same rule."""
    return _summarize(value)


def _summarize(value: object) -> object:
    """A log argument from python-telegram-bot with its payload removed."""
    if isinstance(value, TelegramObject):
        update_id = getattr(value, "update_id", None)
        if isinstance(update_id, int):
            return f"<update {update_id}>"
        return f"<{type(value).__name__}>"
    if isinstance(value, dict | list | tuple | set | bytes):
        return PAYLOAD
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        return PAYLOAD
    return value


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every given secret and every token-shaped string replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return TOKEN_PATTERN.sub(REDACTED, text)


class RedactTokenFilter(logging.Filter):
    """A logging filter that redacts secrets from records; attach it to *handlers*.

    (Filters on a logger do not see records propagated from child loggers such as ``httpx``;
    filters on handlers see everything they emit.)
    """

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        # The secret part alone (after the colon) is redacted too, in case it is logged alone.
        parts = {s for s in secrets if s}
        parts |= {s.split(":", 1)[1] for s in secrets if ":" in s and len(s.split(":", 1)[1]) >= 8}
        self._secrets = tuple(sorted(parts, key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram") and record.args:
            if isinstance(record.args, tuple):
                record.args = tuple(_summarize(arg) for arg in record.args)
            else:  # a mapping for %(name)s: keep the template alone
                record.msg = f"{record.msg} {PAYLOAD}"
                record.args = None
        secrets = self._secrets + tuple(_RUNTIME_SECRETS)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let logging report it, unredacted args dropped
            message = str(record.msg)
        record.msg = redact(message, secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True


def install_token_redaction(
    token: str | None, logger: logging.Logger | None = None
) -> RedactTokenFilter:
    """Attach a :class:`RedactTokenFilter` to every handler of ``logger`` (default: root).

    Call it after logging is configured; handlers added later need ``addFilter`` themselves.
    """
    target = logger or logging.getLogger()
    redaction = RedactTokenFilter(*([token] if token else []))
    for handler in target.handlers:
        handler.addFilter(redaction)
    return redaction
